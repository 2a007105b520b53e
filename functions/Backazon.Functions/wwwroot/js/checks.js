import { contentCheck } from './content-check.js';
import { nativeCheck } from './chunk-list-check.js';

// The check of one file's bytes: update(bytes) with each piece in order, then matches() (and
// failed, true once a mismatch is known before the end). The browser's own SHA-256 against the
// content's chunk list where it can (chunk-list-check.js); otherwise the catalog's identity
// recomputed from the bytes (FastCDC and SHA-256 in JavaScript and WebAssembly) in workers, one
// per core up to two (the page's own thread keeps the ZIP and the network), or where workers
// cannot start, in the page itself.
export async function startCheck(item) {
  const native = await nativeCheck(item);
  if (native) return native;
  const computed = await computedCheck(item.size);
  return { update: computed.update, matches: async () => (await computed.finish()) === item.hash };
}

const ahead = 16 * 1024 * 1024; // bytes sent to a worker and not yet hashed, at most
let pool = null, nextWorker = 0, nextId = 0;

function workers() {
  if (pool !== null) return pool;
  try {
    pool = Array.from({ length: Math.min(2, navigator.hardwareConcurrency || 1) }, () => {
      const worker = new Worker(new URL('./check-worker.js', import.meta.url), { type: 'module' });
      const waiting = new Map();
      worker.onmessage = ({ data }) => waiting.get(data.id)?.(data);
      return { worker, waiting };
    });
  } catch {
    pool = [];
  }
  return pool;
}

async function computedCheck(size) {
  const available = workers();
  if (available.length === 0) {
    const local = await contentCheck(size);
    return { update: async bytes => local.update(bytes), finish: async () => local.finish() };
  }
  const { worker, waiting } = available[nextWorker++ % available.length];
  const id = ++nextId;
  let queued = 0, resume = null, done = null;
  waiting.set(id, message => {
    if (message.taken !== undefined) { queued -= message.taken; if (queued <= ahead && resume) { resume(); resume = null; } }
    else { waiting.delete(id); done(message); }
  });
  worker.postMessage({ id, op: 'start', size });
  return {
    async update(bytes) {
      queued += bytes.length;
      // A copy (the page still writes these bytes), of this view only: not a whole buffer it is part of.
      worker.postMessage({ id, op: 'update', bytes: bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice() });
      if (queued > ahead) await new Promise(resolve => { resume = resolve; });
    },
    finish() {
      return new Promise((resolve, reject) => {
        done = message => (message.error ? reject(new Error(message.error)) : resolve(message.hash));
        worker.postMessage({ id, op: 'finish' });
      });
    },
  };
}
