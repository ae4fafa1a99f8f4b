/**
 * A run and the decoded data it trains on: saved together so a reload can resume without the files,
 * and found again, split as the run recorded it, when it resumes.
 */
import { isNamesFingerprint, namesFingerprint, type DatasetRef, type RunRecord, type StudioDb } from './persistence';
import { requireDataset, type RunContext } from './runState';
import { splitAs, type LoadedDataset } from './session';

/** What the record says about its data: enough to find it again, or to ask for the same files. */
export function datasetOf({ result: { set }, fingerprint }: LoadedDataset, source: string): DatasetRef {
  return { fingerprint, pairs: set.count, height: set.height, width: set.width, source };
}

/** The buffer of a view, as it is when the view spans it; else a copy of just the view. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes : bytes.slice()).buffer as ArrayBuffer;
}

/** Saves the run and, unless it is stored already, its decoded data (IndexedDB clones what it stores). */
export async function saveRunWithData(db: StudioDb, run: RunRecord, loaded: LoadedDataset, source: string): Promise<void> {
  await db.putRun(run);
  const { set, pairs } = loaded.result;
  if (await db.getDataset(loaded.fingerprint)) return;
  await db.putDataset({
    fingerprint: loaded.fingerprint,
    savedAt: Date.now(),
    height: set.height,
    width: set.width,
    count: set.count,
    names: set.names,
    images: ownBuffer(set.images),
    masks: ownBuffer(set.masks),
    pairs: { pairs, source },
  });
}

/** The loaded data is the run's: by content, or (records older than content fingerprints) by names and size. */
function isRunData(loaded: LoadedDataset, fingerprint: string): boolean {
  if (loaded.fingerprint === fingerprint) return true;
  const { names, height, width } = loaded.result.set;
  return isNamesFingerprint(fingerprint) && namesFingerprint(names, height, width) === fingerprint;
}

/** An imported run has no data of its own: it continues on the data loaded now, at its size, and its split. */
async function adoptLoadedData(ctx: RunContext, id: number, run: RunRecord): Promise<DatasetRef> {
  const loaded = requireDataset(ctx);
  const { height, width } = loaded.result.set;
  if (height !== run.config.height || width !== run.config.width) {
    throw new Error(
      `The imported run trains on ${run.config.height}x${run.config.width} images but the data is loaded at ${height}x${width}: load it at ${run.config.height}x${run.config.width}.`,
    );
  }
  // A run that brings its split (a RUN back from PyTorch: car ids) keeps it, if the loaded data has those cars.
  if (run.split) splitAs(loaded, run.split);
  else run.split = loaded.splitSummary;
  run.dataset = datasetOf(loaded, ctx.session.source);
  await ctx.store.save(id, (db) => saveRunWithData(db, run, loaded, ctx.session.source));
  return run.dataset;
}

/**
 * The data a run resumes on, split as the run was: the loaded data when it is the run's, else the
 * copy stored with the run (which the session takes back). Never the session's current split.
 */
export async function dataForRun(ctx: RunContext, id: number, db: StudioDb, run: RunRecord): Promise<LoadedDataset> {
  const dataset = run.dataset ?? (await adoptLoadedData(ctx, id, run));
  const loaded = ctx.session.dataset;
  if (loaded && isRunData(loaded, dataset.fingerprint)) return splitAs(loaded, run.split);
  const stored = await db.getDataset(dataset.fingerprint);
  if (!stored) {
    throw new Error(`The data of this run is not stored: load the same files (${dataset.pairs} pairs at ${dataset.height}x${dataset.width}) and resume again.`);
  }
  return ctx.session.adopt(id, stored, run.split, ctx.post);
}
