/** The PyTorch job's Python files read from src/torch (the page bundles the same files: worker/torchJobZip.ts). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TORCH_SOURCES } from '../ml/io/torchJob';

export const TORCH_DIR = path.resolve(import.meta.dirname, '../torch');

/** By path under src/torch: train.py, studio_torch/*.py. */
export function readTorchSources(dir = TORCH_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  const entry = path.join(dir, TORCH_SOURCES.entry);
  if (existsSync(entry)) out[TORCH_SOURCES.entry] = readFileSync(entry, 'utf8');
  const pkg = path.join(dir, TORCH_SOURCES.packageDir);
  if (existsSync(pkg)) {
    for (const name of readdirSync(pkg)
      .filter((n) => n.endsWith('.py'))
      .sort())
      out[`${TORCH_SOURCES.packageDir}/${name}`] = readFileSync(path.join(pkg, name), 'utf8');
  }
  return out;
}
