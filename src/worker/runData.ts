/** A run's record with the decoded data it trains on, saved together so a reload can resume it without the files. */
import { datasetFingerprint, type RunRecord, type StudioDb } from './persistence';
import type { LoadedDataset } from './session';

/** What the record says about its data: enough to find it again, or to ask for the same files. */
export function datasetOf({ result: { set } }: LoadedDataset, source: string): NonNullable<RunRecord['dataset']> {
  return { fingerprint: datasetFingerprint(set.names, set.height, set.width), pairs: set.count, height: set.height, width: set.width, source };
}

/** Saves the run and, unless it is stored already, its decoded data (copied: the worker keeps using its own). */
export async function saveRunWithData(db: StudioDb, run: RunRecord, loaded: LoadedDataset, source: string): Promise<void> {
  await db.putRun(run);
  const { set, pairs } = loaded.result;
  const { fingerprint } = datasetOf(loaded, source);
  if (await db.getDataset(fingerprint)) return;
  await db.putDataset({
    fingerprint,
    savedAt: Date.now(),
    height: set.height,
    width: set.width,
    count: set.count,
    names: set.names,
    images: set.images.slice().buffer,
    masks: set.masks.slice().buffer,
    pairs: { pairs, source },
  });
}
