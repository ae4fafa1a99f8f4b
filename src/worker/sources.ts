/** Ways files reach the page: drops (folders walked recursively), file inputs, and the bundled sample. */
import type { SourceFile } from '../data/ingest';

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: SourceFile[]): Promise<void> {
  if (entry.isFile) {
    out.push({ path: entry.fullPath.replace(/^\//, ''), blob: await entryFile(entry as FileSystemFileEntry) });
    return;
  }
  if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns at most 100 entries a call: keep reading until it returns none.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, out);
    }
  }
}

/** Files from a drop. Folder entries are walked; without entries (a simulated drop), plain files are used. */
export async function filesFromDrop(transfer: DataTransfer): Promise<SourceFile[]> {
  const entries = Array.from(transfer.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => entry != null);
  if (entries.length > 0) {
    const out: SourceFile[] = [];
    for (const entry of entries) await walk(entry, out);
    return out;
  }
  return filesFromList(transfer.files);
}

/** Files from an <input type=file> (with webkitdirectory, each has its relative path). */
export function filesFromList(list: FileList | File[]): SourceFile[] {
  return Array.from(list).map((file) => ({ path: file.webkitRelativePath || file.name, blob: file }));
}

/** The generated sample shipped in public/sample, fetched from this same origin. */
export async function fetchSample(base = `${import.meta.env.BASE_URL}sample/`): Promise<SourceFile[]> {
  const index = (await (await fetch(`${base}index.json`)).json()) as { files: string[] };
  return Promise.all(
    index.files.map(async (path) => {
      const response = await fetch(`${base}${path}`);
      if (!response.ok) throw new Error(`Could not fetch the sample file ${path} (HTTP ${response.status}).`);
      return { path: `sample/${path}`, blob: await response.blob() };
    }),
  );
}

/** A label for where a set of files came from: the top folder if they share one. */
export function describeSources(sources: SourceFile[], fallback: string): string {
  const tops = new Set(sources.map((s) => (s.path.includes('/') ? s.path.split('/')[0] : '')));
  const [top] = [...tops];
  return tops.size === 1 && top ? `${fallback} ${top}` : `${fallback} (${sources.length} files)`;
}
