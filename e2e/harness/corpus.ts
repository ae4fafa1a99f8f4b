/**
 * A deliberately messy dataset folder for ingestion tests: good Carvana-layout pairs mixed with
 * every kind of bad or odd file a user's folder holds, and a manifest saying what the studio must
 * do with each. Each case has its own stem, so a skip reason can only belong to one case.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeJpeg, encodeMaskGif } from '../../src/data/encode';
import { carId, renderCarScene } from '../../src/data/synthetic';
import { corruptGif, corruptJpeg, truncate, undecodableGif, undecodableJpeg } from './damage';
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
  /** For every mask that must load: what the studio may read from it at CORPUS_TRAINING_SIZE. */
  masks: Record<string, MaskExpectation>;
}

/** The training size the bad-input spec loads the corpus at: the mask bounds hold for this size. */
export const CORPUS_TRAINING_SIZE = { height: 32, width: 48 } as const;

export interface MaskExpectation {
  /** Fraction of car pixels as written, at the mask's own size. */
  written: number;
  /**
   * Bounds on the fraction read at CORPUS_TRAINING_SIZE. Each training pixel stands for a cell of
   * source pixels: a cell that is all car must read car (min = such cells), a cell with no car
   * must read background (max = cells with any car); only cells the outline crosses may go either way.
   */
  min: number;
  max: number;
}

export const CORPUS_SIZE = { width: 192, height: 128 } as const;
export const GOOD_CARS = [11, 12] as const;
export const ANGLES_PER_GOOD_CAR = 8;
export const JUNK_FILES = 10_000;
export const HUGE_SIDE = 8000;
/** The truncated files keep this fraction of their source. */
export const TRUNCATE_TO = 0.4;

const { width: W, height: H } = CORPUS_SIZE;

/** What reading a width x height mask (car > 127) at `size` may give; see MaskExpectation. */
export function maskExpectation(
  mask: Uint8Array,
  width: number,
  height: number,
  size: { height: number; width: number } = CORPUS_TRAINING_SIZE,
): MaskExpectation {
  let car = 0;
  for (const v of mask) if (v > 127) car++;
  let allCar = 0;
  let anyCar = 0;
  for (let y = 0; y < size.height; y++) {
    // A cell takes every source row and column it touches, so a partly covered one counts in both neighbours.
    const [top, bottom] = [Math.floor((y * height) / size.height), Math.ceil(((y + 1) * height) / size.height)];
    for (let x = 0; x < size.width; x++) {
      const [left, right] = [Math.floor((x * width) / size.width), Math.ceil(((x + 1) * width) / size.width)];
      let cars = 0;
      for (let sy = top; sy < bottom; sy++) for (let sx = left; sx < right; sx++) if (mask[sy * width + sx]! > 127) cars++;
      if (cars === (bottom - top) * (right - left)) allCar++;
      if (cars > 0) anyCar++;
    }
  }
  const cells = size.height * size.width;
  return { written: car / mask.length, min: allCar / cells, max: anyCar / cells };
}

function scene(carSeed: number, angleIndex: number, emptyStudio = false) {
  return renderCarScene({ carSeed, angleIndex, width: W, height: H, emptyStudio });
}

/** Packs a 0/255 mask into the samples of each PNG flavour the studio must accept. */
function pngMasks(mask: Uint8Array, photo: Uint8Array): Record<'grey' | 'rgbaCutout' | 'rgbaOpaque' | 'palette' | 'grey16', Uint8Array> {
  const pixels = mask.length;
  const cutout = new Uint8Array(pixels * 4);
  const opaque = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const car = mask[p]! > 127;
    // A cut-out: the car in its photo colours (dark ones too), opaque; background transparent WHITE,
    // so only the alpha channel says which is which.
    cutout.set(car ? [photo[p * 3]!, photo[p * 3 + 1]!, photo[p * 3 + 2]!, 255] : [255, 255, 255, 0], p * 4);
    opaque.set(car ? [255, 255, 255, 255] : [0, 0, 0, 255], p * 4);
  }
  return {
    grey: encodePng({ width: W, height: H, colorType: 'grey', bitDepth: 8, data: mask }),
    rgbaCutout: encodePng({ width: W, height: H, colorType: 'rgba', bitDepth: 8, data: cutout }),
    rgbaOpaque: encodePng({ width: W, height: H, colorType: 'rgba', bitDepth: 8, data: opaque }),
    palette: encodePng({
      width: W,
      height: H,
      colorType: 'palette',
      bitDepth: 8,
      data: mask.map((v) => (v > 127 ? 1 : 0)),
      palette: [
        [0, 0, 0],
        [255, 255, 255],
      ],
    }),
    grey16: encodePng({ width: W, height: H, colorType: 'grey', bitDepth: 16, data: Uint16Array.from(mask, (v) => (v > 127 ? 65535 : 0)) }),
  };
}

/** A flat-colour 8000x8000 photo and a mask with a centred rectangle: tens of KB each on disk. */
function hugePair(): { image: Uint8Array; mask: Uint8Array; maskData: Uint8Array } {
  const side = HUGE_SIDE;
  const image = encodePng({ width: side, height: side, colorType: 'palette', bitDepth: 8, data: new Uint8Array(side * side), palette: [[96, 104, 120]] });
  const maskData = new Uint8Array(side * side);
  const top = side / 4;
  for (let y = top; y < side - top; y++) maskData.fill(255, y * side + side / 8, y * side + side - side / 8);
  const mask = encodePng({ width: side, height: side, colorType: 'grey', bitDepth: 8, data: maskData });
  return { image, mask, maskData };
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
  const masks: Record<string, MaskExpectation> = {};
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
      masks[maskOf(stem)] = maskExpectation(mask, W, H);
      goodPairs++;
    }
  }

  // One more car supplies the sources of the broken files. `pair` writes a pair and lists one half.
  const source = scene(13, 3);
  const goodJpeg = encodeJpeg(source.rgb, W, H, 85);
  const goodGif = encodeMaskGif(source.mask, W, H);
  const sourceMask = maskExpectation(source.mask, W, H);
  /** Writes a pair and lists its `bad` half; a pair that loads records what its mask may read as (the source's unless given). */
  const pair = (
    stem: string,
    bad: 'image' | 'mask',
    problem: string,
    expect: CorpusCase['expect'],
    img: Uint8Array,
    msk: Uint8Array,
    maskExt = 'gif',
    reading = sourceMask,
  ) => {
    const imageFile = image(stem);
    const maskFile = maskOf(stem, maskExt);
    write(imageFile, img);
    write(maskFile, msk);
    cases.push(bad === 'image' ? { file: imageFile, problem, expect, partner: maskFile } : { file: maskFile, problem, expect, partner: imageFile });
    if (expect !== 'skipped') {
      masks[maskFile] = reading;
      goodPairs++;
    }
  };

  pair('bad_corrupt_jpeg', 'image', 'corrupt-jpeg', 'skipped', corruptJpeg(goodJpeg), goodGif);
  pair('bad_truncated_jpeg', 'image', 'truncated-jpeg', 'skipped', truncate(goodJpeg, TRUNCATE_TO), goodGif);
  pair('bad_corrupt_gif', 'mask', 'corrupt-gif-mask', 'skipped', goodJpeg, corruptGif(goodGif));
  pair('bad_truncated_gif', 'mask', 'truncated-gif-mask', 'skipped', goodJpeg, truncate(goodGif, TRUNCATE_TO));
  // Whole-looking files (valid header, end marker, block structure) that only the browser's decoder refuses.
  pair('bad_undecodable_jpeg', 'image', 'undecodable-jpeg', 'skipped', undecodableJpeg(goodJpeg), goodGif);
  pair('bad_undecodable_gif', 'mask', 'undecodable-gif-mask', 'skipped', goodJpeg, undecodableGif(goodGif));
  // Whole files with what browsers accept at the end: bytes after a JPEG's end marker, a GIF without its trailer.
  const phoneTrailer = new TextEncoder().encode('SEFH\u0000motion photo data after the end marker');
  pair('jpeg_trailing_bytes', 'image', 'jpeg-with-trailing-bytes', 'loaded', Uint8Array.from([...goodJpeg, ...phoneTrailer]), goodGif);
  pair('gif_no_trailer', 'mask', 'gif-mask-without-trailer', 'loaded', goodJpeg, goodGif.subarray(0, goodGif.length - 1));
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
  const pngs = pngMasks(source.mask, source.rgb);
  pair('png_grey', 'mask', 'png-mask-grey', 'loaded', goodJpeg, pngs.grey, 'png');
  pair('png_rgba', 'mask', 'png-mask-rgba-alpha', 'loaded', goodJpeg, pngs.rgbaCutout, 'png');
  pair('png_rgba_opaque', 'mask', 'png-mask-rgba-opaque', 'loaded', goodJpeg, pngs.rgbaOpaque, 'png');
  pair('png_palette', 'mask', 'png-mask-palette', 'loaded', goodJpeg, pngs.palette, 'png');
  pair('png_grey16', 'mask', 'png-mask-grey-16bit', 'loaded', goodJpeg, pngs.grey16, 'png');

  // An empty studio (no car): a valid negative example whose mask is all background.
  const empty = scene(13, 5, true);
  pair(
    'all_background',
    'mask',
    'empty-mask-content',
    'loaded-with-note',
    encodeJpeg(empty.rgb, W, H, 85),
    encodeMaskGif(empty.mask, W, H),
    'gif',
    maskExpectation(empty.mask, W, H),
  );

  // Far larger than the training size: the studio must resize on decode, not hold it whole twice.
  const huge = hugePair();
  write('train/huge_8000.png', huge.image);
  write(maskOf('huge_8000', 'png'), huge.mask);
  cases.push({ file: 'train/huge_8000.png', problem: 'huge-image', expect: 'loaded', partner: maskOf('huge_8000', 'png') });
  masks[maskOf('huge_8000', 'png')] = maskExpectation(huge.maskData, HUGE_SIDE, HUGE_SIDE);
  goodPairs++;

  for (let i = 0; i < JUNK_FILES; i++) write(`junk/note_${String(i).padStart(5, '0')}.txt`, `${i}\n`);
  cases.push({ file: 'junk/', problem: 'many-junk-files', expect: 'skipped' });

  return { goodPairs, cases, totalFiles, masks };
}

/** Creates `dir` with nothing in it (the "user picked an empty folder" case). */
export function writeEmptyFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
