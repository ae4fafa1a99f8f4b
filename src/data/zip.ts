/** Expands .zip archives among the sources into their files (fflate), keeping folder paths for pairing. */
import { unzip } from 'fflate';
import type { Skipped } from './pairing';
import type { SourceFile } from './ingest';

function unzipAsync(bytes: Uint8Array): Promise<Record<string, Uint8Array>> {
  return new Promise((resolve, reject) => unzip(bytes, (error, files) => (error ? reject(error) : resolve(files))));
}

export async function expandZips(sources: SourceFile[]): Promise<{ files: SourceFile[]; skipped: Skipped[] }> {
  const files: SourceFile[] = [];
  const skipped: Skipped[] = [];
  for (const source of sources) {
    if (!/\.zip$/i.test(source.path)) {
      files.push(source);
      continue;
    }
    try {
      const entries = await unzipAsync(new Uint8Array(await source.blob.arrayBuffer()));
      const base = source.path.replace(/\.zip$/i, '');
      for (const [name, bytes] of Object.entries(entries)) {
        if (name.endsWith('/')) continue; // folder entry
        files.push({ path: `${base}/${name}`, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) });
      }
    } catch (error) {
      skipped.push({ file: source.path, reason: `not a readable zip archive (${(error as Error).message})` });
    }
  }
  return { files, skipped };
}
