import { startCheck } from './checks.js';
import { nameOf } from './format.js';

// A file whose bytes are not the backup's: its copy must not be kept.
export class MismatchError extends Error {}

const attempts = 6;

// Streams one file's bytes from its signed link, each piece checked on the way (SHA-256, or the
// chunk-list identity for chunked sizes), and throws MismatchError as soon as the bytes are known
// not to be the catalog's (a bad chunk), at the latest at the end. A broken connection resumes
// where the file stopped (Range); an expired or refused link is asked for again (relink); after
// a few failures in a row the file fails.
export async function* checkedBytes(item, { relink, onBytes = () => {}, signal } = {}) {
  const check = await startCheck(item);
  let url = item.downloadUrl, received = 0, failures = 0;
  // An empty file needs no request: its hash is checked all the same.
  while (received < item.size) {
    let response;
    try {
      response = await fetch(url, { headers: received > 0 ? { Range: `bytes=${received}-` } : {}, signal, cache: 'no-store' });
    } catch (error) {
      if (signal?.aborted || ++failures >= attempts) throw brokenError(item, error);
      await pause(failures);
      continue;
    }
    if ((response.status === 403 || response.status === 404) && relink && failures++ < attempts) {
      url = await relink(item); // the link expired or was withdrawn: a fresh one for the same version
      continue;
    }
    if (!response.ok) throw new Error(`Storage answered ${response.status} for ${nameOf(item.path)}: try again later.`);
    // A server that ignored the range starts again from the first byte: skip what was checked.
    let skip = received > 0 && response.status !== 206 ? received : 0;
    // What this answer promised: fewer bytes than that is a broken connection, not a short copy.
    const promised = received + Number(response.headers.get('content-length') ?? item.size - received) - skip;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          if (received < promised) throw new Error('the connection closed early');
          break;
        }
        let piece = value;
        if (skip > 0) { const cut = Math.min(skip, piece.length); skip -= cut; piece = piece.subarray(cut); if (piece.length === 0) continue; }
        if (received + piece.length > item.size) throw mismatch(item);
        await check.update(piece);
        if (check.failed) throw mismatch(item);
        received += piece.length;
        failures = 0;
        onBytes(piece.length);
        yield piece;
      }
    } catch (error) {
      if (error instanceof MismatchError || signal?.aborted || ++failures >= attempts) throw error instanceof MismatchError ? error : brokenError(item, error);
      await pause(failures);
      continue;
    }
    if (received < item.size) throw mismatch(item); // the stored copy is shorter than the catalog says
  }
  if (received !== item.size || !(await check.matches())) throw mismatch(item);
}

// The checked bytes as a stream (what the ZIP writer and a file handle take); a mismatch errors it.
// It starts downloading at once and goes on until `buffer` bytes wait unread (by default, two
// pieces): a stream made ahead of its reader downloads that much ahead.
export function checkedStream(item, options, buffer) {
  const bytes = checkedBytes(item, options);
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await bytes.next();
      if (done) controller.close(); else controller.enqueue(value);
    },
    cancel() { bytes.return(); },
  }, buffer ? new ByteLengthQueuingStrategy({ highWaterMark: buffer }) : { highWaterMark: 2 });
}

// The whole file, checked, in memory (small files, fetched ahead of the ZIP writer).
export async function checkedContent(item, options) {
  const parts = [];
  for await (const piece of checkedBytes(item, options)) parts.push(piece);
  const content = new Uint8Array(item.size);
  let at = 0;
  for (const piece of parts) { content.set(piece, at); at += piece.length; }
  return content;
}

const mismatch = item => new MismatchError(`${nameOf(item.path)} was not saved: its bytes do not match the backup's check (the stored copy is damaged).`);
const brokenError = (item, error) => new Error(`${nameOf(item.path)} could not be downloaded: the connection kept breaking (${error.message}).`);
const pause = failures => new Promise(resolve => setTimeout(resolve, Math.min(200 * 2 ** failures, 5000)));
