/**
 * Expands .zip archives among the sources into their files, keeping folder paths for pairing.
 * The sizes an archive declares are checked against the memory budget before anything is inflated,
 * and its images are inflated one entry at a time (see zipArchive.ts), never the archive whole.
 */
import { formatBytes } from '../format';
import { DEFAULT_BUDGET_BYTES, type SourceFile } from './ingest';
import { IMAGE_EXTENSIONS, type Skipped } from './pairing';
import { listZip, readZipEntry, ZipError, type ZipEntry } from './zipArchive';

export interface ExpandOptions {
  /** Bytes all archives together may unpack to (their declared sizes); defaults to the studio's memory budget. */
  budgetBytes?: number;
}

export interface Expanded {
  files: SourceFile[];
  skipped: Skipped[];
}

/** Entries worth inflating: the ones pairing may read as an image or a mask. */
const isImageEntry = (name: string): boolean => IMAGE_EXTENSIONS.includes(name.slice(name.lastIndexOf('.') + 1).toLowerCase());

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function expandZips(sources: SourceFile[], options: ExpandOptions = {}): Promise<Expanded> {
  const budget = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  let unpacked = 0;
  const files: SourceFile[] = [];
  const skipped: Skipped[] = [];
  for (const source of sources) {
    if (!/\.zip$/i.test(source.path)) {
      files.push(source);
      continue;
    }
    let entries: ZipEntry[];
    try {
      entries = (await listZip(source.blob)).filter((entry) => !entry.name.endsWith('/')); // folder entries
    } catch (error) {
      skipped.push({ file: source.path, reason: `not a readable zip archive (${errorMessage(error)})` });
      continue;
    }
    const images = entries.filter((entry) => isImageEntry(entry.name));
    const declared = images.reduce((sum, entry) => sum + entry.originalSize, 0);
    if (unpacked + declared > budget) {
      const left = unpacked > 0 ? ` (${formatBytes(budget - unpacked)} left after the archives before it)` : '';
      skipped.push({
        file: source.path,
        reason:
          `the images in ${source.path} declare ${formatBytes(declared)} unpacked, over the memory budget of ${formatBytes(budget)}${left}: ` +
          `nothing in it was unpacked. Raise the budget or load fewer files at once.`,
      });
      continue;
    }
    unpacked += declared;
    const base = source.path.replace(/\.zip$/i, '');
    for (const entry of entries) {
      const path = `${base}/${entry.name}`;
      // Other files are listed by name only, so pairing reports them with its usual reason.
      if (!isImageEntry(entry.name)) {
        files.push({ path, blob: new Blob([]) });
        continue;
      }
      try {
        const bytes = await readZipEntry(source.blob, entry);
        files.push({ path, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) });
      } catch (error) {
        if (!(error instanceof ZipError)) throw error;
        skipped.push({ file: path, reason: `not unpacked from ${source.path}: ${error.message}` });
      }
    }
  }
  return { files, skipped };
}
