// Runs content checks off the page's thread (hashing is most of a download's work in the browser):
// the page sends each file's pieces in order, this answers how many bytes it has taken (so the
// page can hold back when it runs ahead) and, at the end, the identity.
// The checker is imported dynamically: its module waits (top-level await) for the gear table, and
// a message arriving while a worker's static imports still evaluate finds no handler and is lost.
const checker = import('./content-check.js');
const checks = new Map();

self.onmessage = ({ data: { id, op, size, bytes } }) => {
  if (op === 'start') checks.set(id, checker.then(({ contentCheck }) => contentCheck(size)));
  else if (op === 'update') checks.set(id, checks.get(id).then(check => { check.update(bytes); self.postMessage({ id, taken: bytes.length }); return check; }));
  else if (op === 'finish') {
    checks.get(id).then(check => self.postMessage({ id, hash: check.finish() }), error => self.postMessage({ id, error: error.message }));
    checks.delete(id);
  }
};
