/**
 * A deliberately messy dataset folder for ingestion tests: good Carvana-layout pairs mixed with
 * every kind of bad or odd file a user's folder holds, and a manifest saying what the studio must
 * do with each. Each case has its own stem, so a skip reason can only belong to one case.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeJpeg, encodeMaskGif } from '../../src/data/encode';
import { carId, renderCarScene } from '../../src/data/synthetic';
import { encodePng } from './png';

export interface CorpusCase {
  /** Path relative to the corpus folder, '/'-separated; 'junk/' stands for the whole junk folder. */
  file: string;
  /** Machine key, e.g. 'corrupt-jpeg'. */
  problem: string;
  expect: 'skipped' | 'loaded-with-note' | 'loaded';
  /** The other file of the pair, where the case is one half of an image/mask pair. */
  partner?: string;
}

export interface CorpusManifest {
  /**
   * Pairs that must load: the plain good pairs plus every case pair expected 'loaded' or
   * 'loaded-with-note' (so the studio's loaded count must equal this number).
   */
  goodPairs: number;
  cases: CorpusCase[];
  /** Every file written, the junk folder's included. */
  totalFiles: number;
}

export const CORPUS_SIZE = { width: 192, height: 128 } as const;
export const GOOD_CARS = [11, 12] as const;
export const ANGLES_PER_GOOD_CAR = 8;
export const JUNK_FILES = 10_000;
export const HUGE_SIDE = 8000;
/** The truncated files keep this fraction of their source. */
export const TRUNCATE_TO = 0.4;

const { width: W, height: H } = CORPUS_SIZE;

/** Cut a file to the first `fraction` of its bytes. */
const truncate = (bytes: Uint8Array, fraction = TRUNCATE_TO) => bytes.slice(0, Math.floor(bytes.length * fraction));

/**
 * Keeps a JPEG up to the end of its SOF segment (so its header and size read fine) and fills the
 * rest with bytes that are never 0xFF: no decoder can find another marker, so decoding must fail.
 */
function corruptJpeg(valid: Uint8Array): Uint8Array {
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
function corruptGif(valid: Uint8Array): Uint8Array {
  const tableBytes = valid[10]! & 0x80 ? 3 * (2 << (valid[10]! & 7)) : 0;
  const out = valid.slice();
  out.fill(0x42, 13 + tableBytes); // 0x42 is none of 0x21 (extension), 0x2C (image), 0x3B (trailer)
  return out;
}

function scene(carSeed: number, angleIndex: number, emptyStudio = false) {
  return renderCarScene({ carSeed, angleIndex, width: W, height: H, emptyStudio });
}

/** Packs a 0/255 mask into the samples of each PNG flavour the studio must accept. */
function pngMasks(mask: Uint8Array): Record<'grey' | 'rgba' | 'palette' | 'grey16', Uint8Array> {
  const pixels = mask.length;
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    // Car opaque white; background transparent WHITE, so only the alpha channel says "background".
    rgba.set(mask[p]! > 127 ? [255, 255, 255, 255] : [255, 255, 255, 0], p * 4);
  }
  return {
    grey: encodePng({ width: W, height: H, colorType: 'grey', bitDepth: 8, data: mask }),
    rgba: encodePng({ width: W, height: H, colorType: 'rgba', bitDepth: 8, data: rgba }),
    palette: encodePng({
      width: W,
      height: H,
      colorType: 'palette',
      bitDepth: 8,
      data: mask.map((v) => (v > 127 ? 1 : 0)),
      palette: [[0, 0, 0], [255, 255, 255]],
    }),
    grey16: encodePng({ width: W, height: H, colorType: 'grey', bitDepth: 16, data: Uint16Array.from(mask, (v) => (v > 127 ? 65535 : 0)) }),
  };
}

/** A flat-colour 8000x8000 photo and a mask with a centred rectangle: tens of KB each on disk. */
function hugePair(): { image: Uint8Array; mask: Uint8Array } {
  const side = HUGE_SIDE;
  const image = encodePng({ width: side, height: side, colorType: 'palette', bitDepth: 8, data: new Uint8Array(side * side), palette: [[96, 104, 120]] });
  const maskData = new Uint8Array(side * side);
  const top = side / 4;
  for (let y = top; y < side - top; y++) maskData.fill(255, y * side + side / 8, y * side + side - side / 8);
  const mask = encodePng({ width: side, height: side, colorType: 'grey', bitDepth: 8, data: maskData });
  return { image, mask };
}

/**
 * Writes the corpus under `dir` (which must be missing or empty, so `totalFiles` is exact) in the
 * Kaggle layout, dir/train/*.jpg + dir/train_masks/*_mask.gif, and returns what the studio must do.
 */
export function writeBadCorpus(dir: string): CorpusManifest {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`writeBadCorpus needs an empty folder, and ${dir} is not empty`);

  let totalFiles = 0;
  const write = (file: string, bytes: Uint8Array | string) => {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    totalFiles++;
  };
  const cases: CorpusCase[] = [];
  const image = (stem: string, ext = 'jpg') => `train/${stem}.${ext}`;
  const maskOf = (stem: string, ext = 'gif') => `train_masks/${stem}_mask.${ext}`;

  // Good pairs, Carvana names, two cars so a grouped split has something to group.
  let goodPairs = 0;
  for (const car of GOOD_CARS) {
    for (let angle = 0; angle < ANGLES_PER_GOOD_CAR; angle++) {
      const stem = `${carId(car)}_${String(angle * 2 + 1).padStart(2, '0')}`;
      const { rgb, mask } = scene(car, angle * 2);
      write(image(stem), encodeJpeg(rgb, W, H, 85));
      write(maskOf(stem), encodeMaskGif(mask, W, H));
      goodPairs++;
    }
  }

  // One more car supplies the sources of the broken files. `pair` writes a pair and lists one half.
  const source = scene(13, 3);
  const goodJpeg = encodeJpeg(source.rgb, W, H, 85);
  const goodGif = encodeMaskGif(source.mask, W, H);
  const pair = (stem: string, bad: 'image' | 'mask', problem: string, expect: CorpusCase['expect'], img: Uint8Array, msk: Uint8Array, maskExt = 'gif') => {
    const imageFile = image(stem);
    const maskFile = maskOf(stem, maskExt);
    write(imageFile, img);
    write(maskFile, msk);
    cases.push(bad === 'image' ? { file: imageFile, problem, expect, partner: maskFile } : { file: maskFile, problem, expect, partner: imageFile });
    if (expect !== 'skipped') goodPairs++;
  };

  pair('bad_corrupt_jpeg', 'image', 'corrupt-jpeg', 'skipped', corruptJpeg(goodJpeg), goodGif);
  pair('bad_truncated_jpeg', 'image', 'truncated-jpeg', 'skipped', truncate(goodJpeg), goodGif);
  pair('bad_corrupt_gif', 'mask', 'corrupt-gif-mask', 'skipped', goodJpeg, corruptGif(goodGif));
  pair('bad_truncated_gif', 'mask', 'truncated-gif-mask', 'skipped', goodJpeg, truncate(goodGif));
  pair('bad_zero_byte_image', 'image', 'empty-image', 'skipped', new Uint8Array(0), goodGif);
  pair('bad_zero_byte_gif', 'mask', 'empty-mask', 'skipped', goodJpeg, new Uint8Array(0));

  // The aspect check: a 1.5:1 photo with a square mask cannot be the same picture.
  const square = renderCarScene({ carSeed: 13, angleIndex: 3, width: H, height: H }).mask;
  pair('bad_aspect', 'mask', 'aspect-mismatch', 'skipped', goodJpeg, encodeMaskGif(square, H, H));

  write('train/orphan_image.jpg', goodJpeg);
  cases.push({ file: 'train/orphan_image.jpg', problem: 'image-without-mask', expect: 'skipped' });
  write('train_masks/orphan_gif_mask.gif', goodGif);
  cases.push({ file: 'train_masks/orphan_gif_mask.gif', problem: 'mask-without-image', expect: 'skipped' });

  write('notes.txt', 'Masks for car 3 were redrawn by hand; check 03 and 04.\n');
  cases.push({ file: 'notes.txt', problem: 'not-an-image', expect: 'skipped' });
  // The start of a real .DS_Store: the "Bud1" buddy-allocator magic.
  write('train/.DS_Store', Uint8Array.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31, 0, 0, 0x10, 0, 0, 0, 0x08, 0]));
  cases.push({ file: 'train/.DS_Store', problem: 'system-file', expect: 'skipped' });

  // Valid PNG masks in the flavours other tools export: these must load.
  const pngs = pngMasks(source.mask);
  pair('png_grey', 'mask', 'png-mask-grey', 'loaded', goodJpeg, pngs.grey, 'png');
  pair('png_rgba', 'mask', 'png-mask-rgba-alpha', 'loaded', goodJpeg, pngs.rgba, 'png');
  pair('png_palette', 'mask', 'png-mask-palette', 'loaded', goodJpeg, pngs.palette, 'png');
  pair('png_grey16', 'mask', 'png-mask-grey-16bit', 'loaded', goodJpeg, pngs.grey16, 'png');

  // An empty studio (no car): a valid negative example whose mask is all background.
  const empty = scene(13, 5, true);
  pair('all_background', 'mask', 'empty-mask-content', 'loaded-with-note', encodeJpeg(empty.rgb, W, H, 85), encodeMaskGif(empty.mask, W, H));

  // Far larger than the training size: the studio must resize on decode, not hold it whole twice.
  const huge = hugePair();
  write('train/huge_8000.png', huge.image);
  write(maskOf('huge_8000', 'png'), huge.mask);
  cases.push({ file: 'train/huge_8000.png', problem: 'huge-image', expect: 'loaded', partner: maskOf('huge_8000', 'png') });
  goodPairs++;

  for (let i = 0; i < JUNK_FILES; i++) write(`junk/note_${String(i).padStart(5, '0')}.txt`, `${i}\n`);
  cases.push({ file: 'junk/', problem: 'many-junk-files', expect: 'skipped' });

  return { goodPairs, cases, totalFiles };
}

/** Creates `dir` with nothing in it (the "user picked an empty folder" case). */
export function writeEmptyFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
