import { useRef, useState } from 'react';
import { formatBytes } from '../format';
import { isRunLive } from '../store/events';
import { TRAINING_SIZES } from '../settings';
import { cancelLoading, loadDataset, loadSettingsOf, reloadDataset, setSetting, useStudio } from '../store/studioStore';
import type { IngestProgress } from '../data/ingest';
import type { SourceFile } from '../data/ingest';
import { describeSources, fetchSample, filesFromList } from '../worker/sources';
import { SkippedList } from './SkippedList';
import { SplitControls } from './SplitControls';
import { ThumbnailStrip } from './ThumbnailStrip';

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Load data every way a person brings it, see what loaded and what did not, and split it by car. */
export function DatasetPanel() {
  const dataset = useStudio((s) => s.dataset);
  const size = useStudio((s) => s.settings.size);
  const budgetMiB = useStudio((s) => s.settings.budgetMiB);
  const runLive = useStudio((s) => isRunLive(s.training.phase));
  const folderInput = useRef<HTMLInputElement>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const [fetchError, setFetchError] = useState<string | null>(null);
  // The budget as typed: it applies (and reloads the data) on blur or Enter, not on every keystroke.
  const [budgetDraft, setBudgetDraft] = useState<string | null>(null);
  const [budgetError, setBudgetError] = useState<string | null>(null);
  const loading = dataset.phase === 'loading';

  /** Applies a typed budget; true when it changed the settings. */
  const commitBudget = (): boolean => {
    if (budgetDraft === null) return false;
    const unchanged = Number(budgetDraft) === budgetMiB;
    const problem = setSetting('budgetMiB', budgetDraft);
    setBudgetError(problem);
    if (problem) return false;
    setBudgetDraft(null);
    return !unchanged;
  };
  // Every load reads the saved settings (size, budget, split ratios and seed), as a drop does.
  const load = (sources: SourceFile[], label: string) => {
    commitBudget();
    loadDataset(sources, label, loadSettingsOf(useStudio.getState().settings));
  };
  const reload = () => {
    if (dataset.phase === 'ready' || dataset.phase === 'failed') reloadDataset(loadSettingsOf(useStudio.getState().settings));
  };
  const useSample = async () => {
    setFetchError(null);
    try {
      load(await fetchSample(), 'sample dataset (8 generated cars x 16 angles)');
    } catch (error) {
      setFetchError((error as Error).message);
    }
  };

  const { summary, progress } = dataset;
  const ready = summary !== null && dataset.phase === 'ready';
  // Folds to one line each time a new source has loaded (the controls are done with; the run is what
  // matters now); a click opens it again. A reload of the same files from the open panel (another
  // size or budget) keeps it open. Loading and failures always show.
  const [open, setOpen] = useState(true);
  const [foldedFor, setFoldedFor] = useState<string | null>(null);
  const readySource = ready ? dataset.source : null;
  if (readySource !== null && readySource !== foldedFor) {
    setFoldedFor(readySource);
    setOpen(false);
  }
  const shown = open || !ready;
  return (
    <section className={ready ? 'panel dataset-panel ready' : 'panel dataset-panel'} aria-labelledby="dataset-title" data-testid="dataset-panel">
      <details className="fold" open={shown} onToggle={(e) => ready && setOpen(e.currentTarget.open)}>
        {/* Before a dataset is loaded there is nothing to fold: the summary is only the title. */}
        <summary tabIndex={ready ? undefined : -1} onClick={(e) => !ready && e.preventDefault()} data-testid="dataset-toggle">
          <h2 id="dataset-title">Dataset</h2>
          {ready && <DatasetLine />}
        </summary>
        <div className="row">
          <button type="button" className="primary" onClick={useSample} disabled={loading || runLive}>
            Use sample dataset
          </button>
          <button type="button" onClick={() => folderInput.current?.click()} disabled={loading || runLive}>
            Choose folder
          </button>
          <button type="button" onClick={() => filesInput.current?.click()} disabled={loading || runLive}>
            Choose files or .zip
          </button>
          <span className="muted">or drop a folder, files or a .zip anywhere on this page.</span>
          <input
            ref={folderInput}
            type="file"
            hidden
            multiple
            data-testid="folder-input"
            {...{ webkitdirectory: '', directory: '' }}
            onChange={(e) => {
              const files = filesFromList(e.target.files ?? []);
              if (files.length || e.target.files) load(files, describeSources(files, 'folder'));
              e.target.value = '';
            }}
          />
          <input
            ref={filesInput}
            type="file"
            hidden
            multiple
            accept="image/*,.zip"
            data-testid="files-input"
            onChange={(e) => {
              const files = filesFromList(e.target.files ?? []);
              load(files, describeSources(files, 'files'));
              e.target.value = '';
            }}
          />
        </div>
        <div className="row">
          <label htmlFor="size-select">Training size (H x W)</label>
          <select
            id="size-select"
            value={size}
            disabled={loading || runLive}
            onChange={(e) => {
              commitBudget();
              if (setSetting('size', e.target.value) === null) reload();
            }}
          >
            {TRAINING_SIZES.map((option) => (
              <option key={option} value={option}>
                {option.replace('x', ' x ')}
              </option>
            ))}
          </select>
          <label htmlFor="budget-input">Memory budget (MiB)</label>
          <input
            id="budget-input"
            type="number"
            min={1}
            step={64}
            value={budgetDraft ?? String(budgetMiB)}
            disabled={loading || runLive}
            aria-invalid={budgetError ? true : undefined}
            aria-describedby={budgetError ? 'budget-error' : undefined}
            onChange={(e) => setBudgetDraft(e.target.value)}
            onBlur={() => commitBudget() && reload()}
            onKeyDown={(e) => e.key === 'Enter' && commitBudget() && reload()}
          />
        </div>
        {budgetError && (
          <p className="error" role="alert" id="budget-error">
            {budgetError}
          </p>
        )}

        {fetchError && (
          <p className="error" role="alert">
            {fetchError}
          </p>
        )}
        {loading && (
          <div className="progress" role="status" aria-live="polite" data-testid="ingest-progress">
            <progress max={progress?.filesTotal ?? progress?.total ?? 1} value={progress?.filesDone ?? progress?.done ?? 0} />
            <span>{progress ? ingestProgressText(progress) : `Reading ${dataset.source}...`}</span>
            <button type="button" onClick={cancelLoading}>
              Cancel
            </button>
          </div>
        )}
        {dataset.phase === 'failed' && (
          <p className="error" role="alert" data-testid="dataset-error">
            {dataset.error}
          </p>
        )}
        {summary && dataset.phase === 'ready' && (
          <>
            <dl className="facts" data-testid="dataset-summary" data-seconds={summary.seconds} data-pairs={summary.pairs}>
              <dt>Source</dt>
              <dd>{dataset.source}</dd>
              <dt>Pairs</dt>
              <dd data-testid="pair-count">{summary.pairs}</dd>
              <dt>Cars (groups)</dt>
              <dd data-testid="group-count">{summary.groups}</dd>
              <dt>Source sizes</dt>
              <dd>
                {summary.sourceSizes
                  .slice(0, 4)
                  .map((s) => `${s.width}x${s.height} (${s.count})`)
                  .join(', ') || '—'}
              </dd>
              <dt>Mask coverage</dt>
              <dd>
                min {percent(summary.coverage.min)}, median {percent(summary.coverage.median)}, max {percent(summary.coverage.max)}
              </dd>
              <dt>Held in memory</dt>
              <dd>
                {dataset.size && formatBytes(summary.pairs * dataset.size.height * dataset.size.width * 4)} at {dataset.size?.height}x{dataset.size?.width}{' '}
                (Uint8)
              </dd>
              <dt>Loaded in</dt>
              <dd>
                {summary.seconds.toFixed(1)} s ({(summary.pairs / Math.max(summary.seconds, 1e-3)).toFixed(0)} pairs/s) from {summary.files} files
              </dd>
            </dl>
            <ThumbnailStrip thumbnails={dataset.thumbnails} />
            <SplitControls />
          </>
        )}
      </details>
      <SkippedList title={`${dataset.notes.length} loaded with a note`} items={dataset.notes} testId="notes" open={false} />
      <SkippedList
        title={`${summary?.skipped ?? new Set(dataset.skipped.map((s) => s.file)).size} files skipped (the rest loaded)`}
        items={dataset.skipped}
        testId="skipped"
        open={dataset.skipped.length <= 40}
      />
    </section>
  );
}

/** The folded panel's one line: where the data came from, how much, at what size, and the split by car. */
function DatasetLine() {
  const dataset = useStudio((s) => s.dataset);
  const { summary, split, size } = dataset;
  if (!summary) return null;
  return (
    <span className="fold-line" data-testid="dataset-line">
      {dataset.source}: {summary.pairs} pairs of {summary.groups} cars
      {size && ` at ${size.height}x${size.width}`}
      {split && `; split by car ${split.train.groups.length}/${split.val.groups.length}/${split.test.groups.length} (seed ${split.seed})`}
    </span>
  );
}

/** "files done / all files, pairs/s, time left"; pairs when an older worker sends no file counts. */
function ingestProgressText(progress: IngestProgress): string {
  const rate = `${progress.pairsPerSecond.toFixed(0)} pairs/s, about ${Math.ceil(progress.etaSeconds)} s left`;
  return progress.filesTotal === undefined
    ? `${progress.done} / ${progress.total} pairs, ${rate}`
    : `${progress.filesDone ?? 0} / ${progress.filesTotal} files, ${rate}`;
}
