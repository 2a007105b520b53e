import { api, ApiError } from './api.js';
import { chunkedFrom, isChunked } from './content-check.js';

// Checks content as it streams by with the browser's own SHA-256 (WebCrypto, native code off the
// page's thread), so no JavaScript hashes or cuts a byte:
// - a small file is held whole anyway (the ZIP writer takes it once checked): one digest of it;
// - a chunked file is checked against its chunk list, which the backend keeps for the account's
//   content (GET me/contents/{hash}/chunks). The list is trusted only once it hashes to the
//   catalog's identity (ChunkListHash: SHA-256 over a label and each chunk's big-endian length
//   and SHA-256) and adds up to the file's size; then each chunk is hashed at the list's offsets.
// That checks every byte as completely as recomputing the FastCDC cut would. Null where WebCrypto
// is missing (not a secure context), the size is neither, or the backend has no list (404).
export async function nativeCheck(item) {
  if (!globalThis.crypto?.subtle) return null;
  if (!isChunked(item.size)) return item.size < chunkedFrom ? new WholeCheck(item) : null;
  let list;
  try {
    list = await api(`me/contents/${encodeURIComponent(item.hash)}/chunks`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
  return (await listHash(list.chunks)) === item.hash && list.chunks.reduce((sum, c) => sum + c.length, 0) === item.size
    ? new ChunkListCheck(list.chunks)
    : new FailedCheck();
}

const label = new TextEncoder().encode('backazon-chunks-v1\n');

async function listHash(chunks) {
  const data = new Uint8Array(label.length + 40 * chunks.length);
  data.set(label);
  const view = new DataView(data.buffer);
  chunks.forEach((chunk, i) => {
    const at = label.length + 40 * i;
    view.setBigInt64(at, BigInt(chunk.length));
    data.set(fromHex(chunk.hash), at + 8);
  });
  return sha256Hex(data);
}

const sha256Hex = async data => toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data)));
const toHex = bytes => Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
const fromHex = hex => Uint8Array.from(hex.match(/../g) ?? [], pair => parseInt(pair, 16));

class WholeCheck {
  constructor(item) {
    this.hash = item.hash;
    this.content = new Uint8Array(item.size);
    this.at = 0;
  }

  async update(bytes) {
    this.content.set(bytes, this.at);
    this.at += bytes.length;
  }

  async matches() {
    return this.at === this.content.length && (await sha256Hex(this.content)) === this.hash;
  }
}

// Gathers each chunk in one buffer and hands it to the digest, which copies it at once (so the
// buffer is reused); a few digests may run behind the stream. A bad chunk sets failed, which the
// download reads after each piece: it stops there, not at the end of a big file.
class ChunkListCheck {
  constructor(chunks) {
    this.chunks = chunks;
    this.index = 0;
    this.buffer = new Uint8Array(chunks.reduce((most, c) => Math.max(most, c.length), 0));
    this.filled = 0;
    this.pending = [];
    this.failed = false;
  }

  async update(bytes) {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.index >= this.chunks.length) { this.failed = true; return; } // more bytes than listed
      const want = this.chunks[this.index].length - this.filled;
      const take = Math.min(want, bytes.length - offset);
      this.buffer.set(bytes.subarray(offset, offset + take), this.filled);
      this.filled += take; offset += take;
      if (this.filled === this.chunks[this.index].length) {
        const expected = this.chunks[this.index].hash;
        this.pending.push(sha256Hex(this.buffer.subarray(0, this.filled)).then(hash => { if (hash !== expected) this.failed = true; }));
        this.index++; this.filled = 0;
      }
    }
    while (this.pending.length > behind) await this.pending.shift();
  }

  async matches() {
    await Promise.all(this.pending);
    return !this.failed && this.index === this.chunks.length && this.filled === 0;
  }
}
const behind = 4; // chunk digests in flight, at most

// A list that does not hash to the content's identity: nothing can be checked against it.
class FailedCheck {
  failed = true;
  async update() {}
  async matches() { return false; }
}
