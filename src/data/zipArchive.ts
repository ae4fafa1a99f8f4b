/**
 * Reads a zip archive entry by entry from a Blob: the central directory first (names and the sizes
 * each entry declares), then one entry at a time, inflated with a hard stop at its declared size.
 * Nothing here holds more than the directory and one entry, so a caller can refuse a zip bomb from
 * its declared sizes before inflating anything, and an entry that lies about its size is cut off.
 */
import { Inflate, strFromU8 } from 'fflate';
import { formatBytes } from '../format';

/** One file (or folder) in the central directory, with the sizes it declares. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else cannot be read. */
  compression: number;
  compressedSize: number;
  /** The uncompressed size the directory declares: what inflating it may produce, at most. */
  originalSize: number;
  /** Where its local header starts. */
  headerOffset: number;
}

/** An archive or entry that cannot be read as declared; the message says why. */
export class ZipError extends Error {}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_BYTES = 22;
/** The end record, its longest comment, and the zip64 locator and end record before it. */
const TAIL_BYTES = EOCD_BYTES + 0xffff + 20 + 56;
/** Compressed bytes inflated per push: output past an entry's declared size is noticed within ~1,032x this (deflate's largest ratio). */
const INFLATE_CHUNK = 16 * 1024;

const u16 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8);
const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, i: number): number => u32(b, i) + u32(b, i + 4) * 2 ** 32;

async function slice(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  if (start < 0 || end > blob.size || start > end) throw new ZipError(`it points outside itself (bytes ${start}-${end} of ${blob.size})`);
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

/** Offset, size and entry count of the central directory (zip64 included). */
async function locateDirectory(blob: Blob): Promise<{ offset: number; size: number; count: number }> {
  const tailStart = Math.max(0, blob.size - TAIL_BYTES);
  const tail = await slice(blob, tailStart, blob.size);
  let end = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (u32(tail, i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipError('no zip directory at its end');
  let count = u16(tail, end + 10);
  let size = u32(tail, end + 12);
  let offset = u32(tail, end + 16);
  if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && end >= 20 && u32(tail, end - 20) === ZIP64_LOCATOR) {
    const recordOffset = u64(tail, end - 20 + 8);
    const record = await slice(blob, recordOffset, recordOffset + 56);
    if (u32(record, 0) !== ZIP64_EOCD) throw new ZipError('a damaged zip64 directory record');
    count = u64(record, 32);
    size = u64(record, 40);
    offset = u64(record, 48);
  }
  return { offset, size, count };
}

/** The central directory: every entry's name, compression and declared sizes. Reads only the directory. */
export async function listZip(blob: Blob): Promise<ZipEntry[]> {
  const where = await locateDirectory(blob);
  const bytes = await slice(blob, where.offset, where.offset + where.size);
  const entries: ZipEntry[] = [];
  let i = 0;
  for (let n = 0; n < where.count; n++) {
    if (i + 46 > bytes.length || u32(bytes, i) !== CENTRAL) throw new ZipError(`a damaged zip directory (entry ${n + 1} of ${where.count})`);
    const utf8 = (u16(bytes, i + 8) & 0x800) !== 0;
    const nameLength = u16(bytes, i + 28);
    const extraLength = u16(bytes, i + 30);
    const commentLength = u16(bytes, i + 32);
    let compressedSize = u32(bytes, i + 20);
    let originalSize = u32(bytes, i + 24);
    let headerOffset = u32(bytes, i + 42);
    const name = strFromU8(bytes.subarray(i + 46, i + 46 + nameLength), !utf8);
    // Sizes and offsets that do not fit 32 bits live in the zip64 extra field, in this order.
    const extraStart = i + 46 + nameLength;
    for (let e = extraStart; e + 4 <= extraStart + extraLength; e += 4 + u16(bytes, e + 2)) {
      if (u16(bytes, e) !== 0x0001) continue;
      let field = e + 4;
      if (originalSize === 0xffffffff) {
        originalSize = u64(bytes, field);
        field += 8;
      }
      if (compressedSize === 0xffffffff) {
        compressedSize = u64(bytes, field);
        field += 8;
      }
      if (headerOffset === 0xffffffff) headerOffset = u64(bytes, field);
    }
    entries.push({ name, compression: u16(bytes, i + 10), compressedSize, originalSize, headerOffset });
    i = extraStart + extraLength + commentLength;
  }
  return entries;
}

/**
 * One entry's bytes, inflated; refuses (ZipError) an entry that unpacks to more or less than it
 * declares, stopping as soon as it passes the declared size, so a lying entry costs no more than that.
 */
export async function readZipEntry(blob: Blob, entry: ZipEntry): Promise<Uint8Array> {
  const header = await slice(blob, entry.headerOffset, entry.headerOffset + 30);
  if (u32(header, 0) !== LOCAL) throw new ZipError(`${entry.name}: no local header where the directory points`);
  const start = entry.headerOffset + 30 + u16(header, 26) + u16(header, 28);
  const compressed = await slice(blob, start, start + entry.compressedSize);
  const declared = entry.originalSize;
  const tooLarge = (): ZipError =>
    new ZipError(`${entry.name} unpacks to more than the ${formatBytes(declared)} it declares: a damaged or forged entry, stopped there`);
  if (entry.compression === 0) {
    if (compressed.length > declared) throw tooLarge();
    if (compressed.length < declared) throw new ZipError(`${entry.name} holds ${formatBytes(compressed.length)}, not the ${formatBytes(declared)} it declares`);
    return compressed;
  }
  if (entry.compression !== 8) throw new ZipError(`${entry.name} uses compression method ${entry.compression}; only stored and deflated entries can be read`);
  const out = new Uint8Array(declared);
  let written = 0;
  const inflate = new Inflate((chunk) => {
    if (written + chunk.length > declared) throw tooLarge();
    out.set(chunk, written);
    written += chunk.length;
  });
  try {
    for (let at = 0; ; at += INFLATE_CHUNK) {
      const end = Math.min(at + INFLATE_CHUNK, compressed.length);
      inflate.push(compressed.subarray(at, end), end === compressed.length);
      if (end === compressed.length) break;
    }
  } catch (error) {
    if (error instanceof ZipError) throw error;
    throw new ZipError(`${entry.name} cannot be inflated (${error instanceof Error ? error.message : String(error)})`);
  }
  if (written !== declared) throw new ZipError(`${entry.name} unpacks to ${formatBytes(written)}, not the ${formatBytes(declared)} it declares`);
  return out;
}
