import { createSHA256, createMD5 } from '../vendor/hash-wasm.js';

// Checks content as it streams by against the catalog's identity, as `backazon restore` does
// (uploader/Planning/ContentIdentity.cs): the SHA-256 of the bytes, or for chunked sizes the
// chunk-list identity (functions/Backazon.Contracts/ChunkListHash.cs) of the file's FastCDC
// chunks (uploader/Chunking/FastCdc.cs), cut here exactly as the uploader cut them. The fallback
// where chunk-list-check.js cannot run (no WebCrypto, or no list for the content): it costs
// JavaScript's speed on every byte.
export const chunkedFrom = 16 * 1024 * 1024;         // BackupLimits.ChunkedMinBytes
const chunkedUpTo = 192 * 1024 * 1024 * 1024;        // BackupLimits.ChunkedMaxBytes
export const isChunked = size => size >= chunkedFrom && size <= chunkedUpTo;

export async function contentCheck(size) {
  const whole = await createSHA256();
  whole.init();
  if (!isChunked(size)) return { update: bytes => whole.update(bytes), finish: () => whole.digest('hex') };
  return new ChunkedCheck(FastCdc.forFile(size), whole, await createSHA256());
}

// FastCDC with normalized chunking (level 1) two bytes per step, on a 64-bit gear hash kept as two
// signed 32-bit halves (JavaScript has no fast 64-bit integers; BigInt is far too slow per byte).
const masks = [
  0, 0, 0, 0, 0,
  0x0000000001804110n, 0x0000000001803110n, 0x0000000018035100n, 0x0000001800035300n,
  0x0000019000353000n, 0x0000590003530000n, 0x0000d90003530000n, 0x0000d90103530000n,
  0x0000d90303530000n, 0x0000d90313530000n, 0x0000d90f03530000n, 0x0000d90303537000n,
  0x0000d90703537000n, 0x0000d90707537000n, 0x0000d91707537000n, 0x0000d91747537000n,
  0x0000d91767537000n, 0x0000d93767537000n, 0x0000d93777537000n, 0x0000d93777577000n,
  0x0000db3777577000n,
].map(BigInt);
const hi = v => Number(BigInt.asIntN(32, v >> 32n));
const lo = v => Number(BigInt.asIntN(32, v));
const u64 = v => BigInt.asUintN(64, v);

let gear = null; // [hi, lo, shiftedHi, shiftedLo] by byte value

// The gear table: for each byte value, the first 8 bytes (big-endian) of the MD5 of 64 such bytes.
async function gearTable() {
  if (gear) return gear;
  const md5 = await createMD5();
  const table = [new Int32Array(256), new Int32Array(256), new Int32Array(256), new Int32Array(256)];
  for (let i = 0; i < 256; i++) {
    md5.init();
    md5.update(new Uint8Array(64).fill(i));
    const digest = md5.digest('binary');
    const value = new DataView(digest.buffer, digest.byteOffset).getBigUint64(0);
    const shifted = u64(value << 1n);
    table[0][i] = hi(value); table[1][i] = lo(value); table[2][i] = hi(shifted); table[3][i] = lo(shifted);
  }
  return (gear = table);
}
await gearTable();

export class FastCdc {
  static forFile(size) {
    let average = 512 * 1024;
    while (Math.floor(size / (average / 4)) >= 50_000 && average < 64 * 1024 * 1024 / 4) average *= 2;
    return new FastCdc(average / 4, average, average * 4);
  }

  constructor(min, average, max) {
    Object.assign(this, { min, average, max });
    const bits = Math.round(Math.log2(average));
    const small = masks[bits + 1], large = masks[bits - 1];
    // Each as [high, low, shifted high, shifted low].
    this.small = [hi(small), lo(small), hi(u64(small << 1n)), lo(u64(small << 1n))];
    this.large = [hi(large), lo(large), hi(u64(large << 1n)), lo(u64(large << 1n))];
  }

  // Where the first chunk of bytes[start, end) ends, as a length (FastCdc.Cut).
  cut(bytes, start, end) {
    let remaining = end - start;
    if (remaining <= this.min) return remaining;
    let center = this.average;
    if (remaining > this.max) remaining = this.max;
    else if (remaining < center) center = remaining;
    const first = Math.min(center >> 1, remaining >> 1);
    // The stricter mask before the center, the looser one after (normalized chunking).
    let found = scan(bytes, start, this.min >> 1, first, 0, 0, ...this.small);
    if (found >= 0) return found;
    found = scan(bytes, start, Math.max(first, this.min >> 1), remaining >> 1, scanHi, scanLo, ...this.large);
    if (found >= 0) return found;
    return remaining;
  }
}

const BIAS = -0x80000000;
let scanHi = 0, scanLo = 0; // the hash where the last scan stopped

// Two bytes per step from index to end: hash = (hash << 2) + the shifted gear of the first byte,
// then + the gear of the second; a cut where the (shifted) mask's bits are all clear. The carry
// comes from a biased (unsigned) comparison, so every value stays a 32-bit integer.
function scan(bytes, start, index, end, hHi, hLo, mHi, mLo, msHi, msLo) {
  const [gHi, gLo, sHi, sLo] = gear;
  for (; index < end; index++) {
    const at = start + index * 2;
    let b = bytes[at], x = sLo[b];
    hHi = (hHi << 2) | (hLo >>> 30);
    hLo = ((hLo << 2) + x) | 0;
    hHi = (hHi + sHi[b] + ((hLo ^ BIAS) < (x ^ BIAS) ? 1 : 0)) | 0;
    if ((hHi & msHi) === 0 && (hLo & msLo) === 0) return at - start;
    b = bytes[at + 1]; x = gLo[b];
    hLo = (hLo + x) | 0;
    hHi = (hHi + gHi[b] + ((hLo ^ BIAS) < (x ^ BIAS) ? 1 : 0)) | 0;
    if ((hHi & mHi) === 0 && (hLo & mLo) === 0) return at + 1 - start;
  }
  scanHi = hHi; scanLo = hLo;
  return -1;
}
const label = new TextEncoder().encode('backazon-chunks-v1\n');

// Buffers a maximum chunk of look-ahead (as ContentIdentity does), cuts, hashes each chunk and
// adds (length, SHA-256) to the list's hash.
class ChunkedCheck {
  constructor(cdc, list, chunk) {
    Object.assign(this, { cdc, list, chunk });
    this.buffer = new Uint8Array(2 * cdc.max);
    this.start = 0; this.end = 0;
    this.entry = new Uint8Array(40);
    list.update(label);
  }

  update(data) {
    let offset = 0;
    while (offset < data.length) {
      if (this.end === this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
        this.end -= this.start; this.start = 0;
      }
      const take = Math.min(data.length - offset, this.buffer.length - this.end);
      this.buffer.set(data.subarray(offset, offset + take), this.end);
      this.end += take; offset += take;
      while (this.end - this.start >= this.cdc.max) this.cutOne();
    }
  }

  finish() {
    while (this.end > this.start) this.cutOne();
    return this.list.digest('hex');
  }

  cutOne() {
    const length = this.cdc.cut(this.buffer, this.start, this.end);
    this.chunk.init();
    this.chunk.update(this.buffer.subarray(this.start, this.start + length));
    new DataView(this.entry.buffer).setBigInt64(0, BigInt(length));
    this.entry.set(this.chunk.digest('binary'), 8);
    this.list.update(this.entry);
    this.start += length;
  }
}
