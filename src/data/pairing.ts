/**
 * Pairs images with their masks from a flat list of relative paths (webkitRelativePath or zip
 * entry names). Pure string work: the caller maps the returned paths back to its File objects.
 */

/** One image and its mask. `image` and `mask` are the paths exactly as given. */
export interface Pair {
  stem: string;
  image: string;
  mask: string;
  /** Images of one group (one car) must stay in one split. */
  group: string;
}

/** A file that did not become part of a pair, and why. */
export interface Skipped {
  file: string;
  reason: string;
}

export interface PairingResult {
  pairs: Pair[];
  skipped: Skipped[];
}

export const IMAGE_EXTENSIONS: readonly string[] = ['jpg', 'jpeg', 'png', 'gif', 'webp'];
// Real image formats the browser decoder path does not promise: say so instead of "not an image".
const UNSUPPORTED_IMAGE_EXTENSIONS = new Set(['bmp', 'tif', 'tiff', 'heic', 'heif', 'avif', 'svg']);
const MASK_FOLDER_NAMES = new Set(['masks', 'labels', 'mask', 'label', 'gt']);
const MASK_FOLDER_SUFFIXES = ['_masks', '-masks', '_labels', '-labels'];
const MASK_STEM_SUFFIXES = ['_mask', '-mask', '_label', '-label'];
const CARVANA_STEM = /^([0-9a-f]{12})_(\d{2})$/i;

/** Carvana stems `<12 hex>_<NN>` group by car id (lower case); any other stem is its own group. */
export function groupOf(stem: string): string {
  const match = CARVANA_STEM.exec(stem);
  return match ? match[1]!.toLowerCase() : stem;
}

interface Candidate {
  path: string;
  /** Stem with any mask suffix removed, as written. */
  stem: string;
  /** Case-insensitive matching key. */
  key: string;
  /** Lower-cased folder segments, for the nearest-common-parent rule. */
  folders: string[];
}

type Classified = { kind: 'image' | 'mask'; candidate: Candidate } | { kind: 'skip'; reason: string };

function classify(path: string): Classified | null {
  const segments = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  const name = segments.pop();
  // A trailing slash is a folder entry (zips list them): not a file, nothing to report.
  if (name === undefined || /[\\/]$/.test(path)) return null;
  const folders = segments.map((s) => s.toLowerCase());

  if (name.startsWith('.')) return { kind: 'skip', reason: `hidden or system file (${name})` };
  if (folders.includes('__macosx')) return { kind: 'skip', reason: 'macOS metadata (__MACOSX folder)' };
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'skip', reason: 'inside a hidden folder' };
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { kind: 'skip', reason: 'not an image (no extension)' };
  const extension = name.slice(dot + 1).toLowerCase();
  if (UNSUPPORTED_IMAGE_EXTENSIONS.has(extension)) {
    return { kind: 'skip', reason: `unsupported image format (.${extension}); use ${IMAGE_EXTENSIONS.join(', ')}` };
  }
  if (!IMAGE_EXTENSIONS.includes(extension)) return { kind: 'skip', reason: `not an image (.${extension})` };

  let stem = name.slice(0, dot);
  const suffix = MASK_STEM_SUFFIXES.find((s) => stem.toLowerCase().endsWith(s));
  if (suffix) stem = stem.slice(0, -suffix.length);
  const parent = folders[folders.length - 1] ?? '';
  const inMaskFolder = MASK_FOLDER_NAMES.has(parent) || MASK_FOLDER_SUFFIXES.some((s) => parent.endsWith(s));
  if (stem === '') return { kind: 'skip', reason: 'no name left after removing the mask suffix' };

  const candidate = { path, stem, key: stem.toLowerCase(), folders };
  return { kind: suffix || inMaskFolder ? 'mask' : 'image', candidate };
}

function commonFolderDepth(a: string[], b: string[]): number {
  let depth = 0;
  while (depth < a.length && depth < b.length && a[depth] === b[depth]) depth++;
  return depth;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Matches the images and masks that share one key. Each image takes the mask with the nearest
 * common parent folder (so two datasets with the same file names still pair within themselves);
 * ties go to the first path in sort order, so the result never depends on input order.
 */
function matchByNearestParent(images: Candidate[], masks: Candidate[], result: PairingResult): void {
  const links: { image: Candidate; mask: Candidate; depth: number }[] = [];
  for (const image of images) {
    for (const mask of masks) links.push({ image, mask, depth: commonFolderDepth(image.folders, mask.folders) });
  }
  links.sort((a, b) => b.depth - a.depth || compareStrings(a.image.path, b.image.path) || compareStrings(a.mask.path, b.mask.path));

  const maskOf = new Map<Candidate, Candidate>();
  const imageOf = new Map<Candidate, Candidate>();
  for (const { image, mask } of links) {
    if (maskOf.has(image) || imageOf.has(mask)) continue;
    maskOf.set(image, mask);
    imageOf.set(mask, image);
    result.pairs.push({ stem: image.stem, image: image.path, mask: mask.path, group: groupOf(image.stem) });
  }

  // Leftovers: name the file that took their place, so the user can see which one to remove.
  for (const image of images) {
    if (maskOf.has(image)) continue;
    if (masks.length === 0) {
      const reason = `no mask found for this image (expected e.g. train_masks/${image.stem}_mask.gif or masks/${image.stem}.png)`;
      result.skipped.push({ file: image.path, reason });
    } else {
      const best = links.find((link) => link.image === image)!.mask;
      const rival = imageOf.get(best)!;
      result.skipped.push({ file: image.path, reason: `duplicate name: ${rival.path} already pairs with ${best.path}` });
    }
  }
  for (const mask of masks) {
    if (imageOf.has(mask)) continue;
    if (images.length === 0) {
      result.skipped.push({ file: mask.path, reason: 'mask has no matching image' });
    } else {
      const best = links.find((link) => link.mask === mask)!.image;
      const rival = maskOf.get(best)!;
      result.skipped.push({ file: mask.path, reason: `duplicate name: ${rival.path} is already the mask of ${best.path}` });
    }
  }
}

/**
 * Splits paths into image/mask pairs and skipped files with reasons. A file is a mask if its folder
 * is `masks`, `labels`, `mask`, `label`, `gt` or ends in `_masks`/`-masks`/`_labels`/`-labels`, or if
 * its stem ends in `_mask`, `-mask`, `_label` or `-label`; every other image file is an image. Images
 * and masks match by stem (mask suffix removed), case-insensitively. Output is sorted (pairs by stem,
 * then image path; skipped by path), so it does not depend on the order of `paths`.
 */
export function pairFiles(paths: string[]): PairingResult {
  const result: PairingResult = { pairs: [], skipped: [] };
  const byKey = new Map<string, { images: Candidate[]; masks: Candidate[] }>();

  for (const path of paths) {
    const classified = classify(path);
    if (classified === null) continue;
    if (classified.kind === 'skip') {
      result.skipped.push({ file: path, reason: classified.reason });
      continue;
    }
    const { candidate } = classified;
    let entry = byKey.get(candidate.key);
    if (!entry) byKey.set(candidate.key, (entry = { images: [], masks: [] }));
    (classified.kind === 'image' ? entry.images : entry.masks).push(candidate);
  }

  for (const { images, masks } of byKey.values()) matchByNearestParent(images, masks, result);

  result.pairs.sort((a, b) => compareStrings(a.stem, b.stem) || compareStrings(a.image, b.image));
  result.skipped.sort((a, b) => compareStrings(a.file, b.file) || compareStrings(a.reason, b.reason));
  return result;
}
