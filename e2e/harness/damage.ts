/**
 * Byte-level damage for the bad-input corpus: cut-off files, files broken where a structural check
 * can see it, and files that look whole (header, end marker, block structure) but that only a
 * decoder can refuse.
 */

/** Cut a file to the first `fraction` of its bytes. */
export const truncate = (bytes: Uint8Array, fraction: number) => bytes.slice(0, Math.floor(bytes.length * fraction));

/**
 * Keeps a JPEG up to the end of its SOF segment (so its header and size read fine) and fills the
 * rest with bytes that are never 0xFF: there is no end marker left for the completeness check to find.
 */
export function corruptJpeg(valid: Uint8Array): Uint8Array {
  let pos = 2;
  for (;;) {
    const marker = valid[pos + 1]!;
    const length = (valid[pos + 2]! << 8) | valid[pos + 3]!;
    pos += 2 + length;
    if (marker >= 0xc0 && marker <= 0xc3) break;
    if (pos >= valid.length) throw new Error('source JPEG has no SOF0..SOF3 marker');
  }
  const out = valid.slice();
  for (let i = pos; i < out.length; i++) out[i] = (i * 131 + 7) % 255;
  return out;
}

/** Keeps a GIF's header, screen descriptor and colour table, then bytes that open no valid block. */
export function corruptGif(valid: Uint8Array): Uint8Array {
  const tableBytes = valid[10]! & 0x80 ? 3 * (2 << (valid[10]! & 7)) : 0;
  const out = valid.slice();
  out.fill(0x42, 13 + tableBytes); // 0x42 is none of 0x21 (extension), 0x2C (image), 0x3B (trailer)
  return out;
}

/**
 * A JPEG with a valid header, scan and end marker whose Huffman table is bogus (its code counts
 * add up to more than 256 codes): the file looks whole, and only the decoder can refuse it.
 * (Garbage in the scan itself is not enough: Chromium decodes that into noise without an error.)
 */
export function undecodableJpeg(valid: Uint8Array): Uint8Array {
  const out = valid.slice();
  for (let pos = 2; out[pos + 1] !== 0xda; pos += 2 + ((out[pos + 2]! << 8) | out[pos + 3]!)) {
    if (out[pos + 1] === 0xc4) {
      out.fill(0xf0, pos + 5, pos + 21); // the 16 counts after marker(2), length(2), class/id(1)
      return out;
    }
  }
  throw new Error('source JPEG has no DHT segment before its scan');
}

/**
 * A GIF whose block structure, sizes and trailer are intact but whose LZW codes are all ones:
 * codes past the table, which no decoder can expand.
 */
export function undecodableGif(valid: Uint8Array): Uint8Array {
  const out = valid.slice();
  let pos = 13 + (out[10]! & 0x80 ? 3 * (2 << (out[10]! & 7)) : 0);
  while (out[pos] === 0x21) {
    pos += 2;
    while (out[pos]) pos += out[pos]! + 1;
    pos++;
  }
  if (out[pos] !== 0x2c) throw new Error('source GIF has no image block');
  pos += 10 + (out[pos + 9]! & 0x80 ? 3 * (2 << (out[pos + 9]! & 7)) : 0) + 1; // descriptor, local table, LZW code size
  for (; out[pos]; pos += out[pos]! + 1) out.fill(0xff, pos + 1, pos + 1 + out[pos]!);
  return out;
}
