import { useEffect, useRef, useState } from 'react';
import { isRunLive } from '../store/events';
import { controlRun, exportRun, importModel, requestTest, startRun, useStudio } from '../store/studioStore';
import type { ExportFormat } from '../worker/protocol';
import { modelLabel } from '../ml/model/presets';
import { GuidedRun } from './GuidedRun';
import { addSighting, throughput, type StepSighting } from './throughput';
import { useSecondsLeft } from './useSecondsLeft';

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** When each step reached the page, while `step` is defined (training); cleared when it is not (paused, ended). */
function useStepSpeed(step: number | undefined): StepSighting[] | null {
  const [sightings, setSightings] = useState<StepSighting[]>([]);
  useEffect(() => {
    setSightings((seen) => (step === undefined ? (seen.length ? [] : seen) : addSighting(seen, step, performance.now())));
  }, [step]);
  return step === undefined ? null : sightings;
}

const EXPORT_FORMATS: ReadonlyArray<{ format: ExportFormat; label: string; title: string }> = [
  { format: 'zip', label: 'tfjs zip (with model.onnx)', title: 'model.json + weights.bin (imports back here), run.json, history.csv and model.onnx' },
  { format: 'onnx', label: 'ONNX file', title: 'model.onnx alone: image float32 [N, 3, H, W] in [0, 1] -> logits, for ONNX Runtime, TensorRT, OpenVINO' },
  {
    format: 'torch',
    label: 'PyTorch job (.zip)',
    title: 'train.py, studio_torch/, model.safetensors and studio.json: continue this run with torchrun (PyTorch DDP), then import the RUN back here',
  },
];

/** Export ▾: the current model or the best checkpoint, as the tfjs zip (with model.onnx) or a bare ONNX file. */
function ExportMenu({ disabled, current, bestEpoch, bestDice }: { disabled: boolean; current: string; bestEpoch: number | null; bestDice: number | null }) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const shown = open && !disabled;
  // A click anywhere else closes it, as menus do.
  useEffect(() => {
    if (!shown) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [shown]);
  const choices: Array<{ which: 'latest' | 'best'; title: string; detail: string; available: boolean }> = [
    { which: 'latest', title: 'Current model', detail: current, available: true },
    {
      which: 'best',
      title: 'Best checkpoint',
      detail:
        bestEpoch !== null
          ? `epoch ${bestEpoch}${bestDice !== null ? `, val Dice ${bestDice.toFixed(4)}` : ''}`
          : 'none yet: one is kept after each epoch that improves val Dice',
      available: bestEpoch !== null,
    },
  ];
  return (
    <div
      className="menu"
      ref={menu}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && shown) {
          setOpen(false);
          menu.current?.querySelector<HTMLButtonElement>('button')?.focus();
        }
      }}
    >
      <button type="button" aria-expanded={shown} aria-controls="export-menu" disabled={disabled} onClick={() => setOpen(!open)}>
        Export <span aria-hidden="true">▾</span>
      </button>
      {shown && (
        <div id="export-menu" className="menu-popover" role="group" aria-label="Export" data-testid="export-menu">
          {choices.map(({ which, title, detail, available }) => (
            <div
              key={which}
              className="menu-choice"
              role="group"
              aria-label={title}
              data-which={which}
              data-epoch={which === 'best' ? (bestEpoch ?? undefined) : undefined}
            >
              <div className="menu-choice-title">
                <strong>{title}</strong> <span className="muted">{detail}</span>
              </div>
              <div className="menu-choice-buttons">
                {EXPORT_FORMATS.map(({ format, label, title: hint }) => (
                  <button
                    key={format}
                    type="button"
                    disabled={!available}
                    title={hint}
                    onClick={() => {
                      exportRun(which, format);
                      setOpen(false);
                    }}
                  >
                    {label}
                  </button>
                ))}
              </div>
            </div>
          ))}
          <p className="muted menu-note">
            The zip imports back here; the ONNX file runs in ONNX Runtime, TensorRT or OpenVINO; the PyTorch job continues the run on a cluster, and its RUN
            folder imports back (see the README).
          </p>
        </div>
      )}
    </div>
  );
}

/** Start, pause, resume, stop; what the run is doing, how far it is and what is saved. */
export function RunPanel() {
  const training = useStudio((s) => s.training);
  const datasetPhase = useStudio((s) => s.dataset.phase);
  const datasetReady = datasetPhase === 'ready';
  const engineReady = useStudio((s) => s.engine.phase === 'ready');
  const epochs = useStudio((s) => s.settings.epochs);
  const threshold = useStudio((s) => s.settings.threshold);
  const storageError = useStudio((s) => s.storageError);
  const imported = useStudio((s) => s.imported);
  const [name, setName] = useState('');
  const [fromImported, setFromImported] = useState(false);
  const importInput = useRef<HTMLInputElement>(null);
  const live = isRunLive(training.phase);
  const paused = training.phase === 'paused';
  const last = training.steps[training.steps.length - 1];
  const epochsTotal = training.run?.config.epochs ?? epochs;
  const epochsDone = training.history.length;
  const measuring = training.phase === 'compiling' || training.phase === 'training' || training.phase === 'evaluating';
  const speed = useStepSpeed(measuring ? last?.step : undefined);
  const batchSize = training.run?.config.batchSize ?? 1;
  const trainPairs = training.run?.split?.train.pairs ?? training.run?.dataset?.pairs ?? 0;
  const liveSpeed = speed && throughput(speed, batchSize, epochsTotal * Math.ceil(trainPairs / batchSize));
  const lastEpoch = training.history[training.history.length - 1];
  const imagesPerSecond = liveSpeed?.imagesPerSecond ?? lastEpoch?.imagesPerSecond;
  // A run with a time limit ends by it: the estimate never reads past the time left.
  const secondsLeft = useSecondsLeft(training.run?.id, training.run?.config.timeLimitMinutes, training.phase);
  const estimate = liveSpeed?.etaSeconds ?? training.etaSeconds;
  const etaSeconds = estimate != null && secondsLeft !== null ? Math.min(estimate, Math.max(0, secondsLeft)) : estimate;
  // A run its time limit ended is complete, not cut short: the bar is full and the line says why.
  const timeLimit = training.run?.config.timeLimitMinutes;
  const endedByTime = training.phase === 'done' && timeLimit !== undefined && epochsDone < epochsTotal;

  // Name suggestions: "run 3" after two runs this session.
  useEffect(() => {
    if (!live && !name) setName(`run ${new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`);
  }, [live, name]);

  // One bar of controls (name, start/pause/resume/stop, export/import/test), then one status line:
  // short enough that the curves and predictions below share the screen with it.
  return (
    <section className="panel run-panel" aria-labelledby="run-title" data-testid="run-panel">
      <div className="run-bar">
        <h2 id="run-title">Training</h2>
        <div className="row run-controls" data-testid="run-controls">
          <label htmlFor="run-name">Run name</label>
          <input id="run-name" value={name} disabled={live} onChange={(e) => setName(e.target.value)} />
          <button
            type="button"
            className="primary"
            disabled={!datasetReady || !engineReady || live}
            onClick={() => startRun(name, fromImported && imported != null)}
          >
            Start training
          </button>
          <button type="button" disabled={!live || paused || training.phase === 'starting'} onClick={() => controlRun('pause')}>
            Pause
          </button>
          <button type="button" disabled={!paused} onClick={() => controlRun('resume')}>
            Resume
          </button>
          <button type="button" disabled={!live || training.phase === 'starting'} onClick={() => controlRun('stop')}>
            Stop
          </button>
        </div>
        <div className="row run-files">
          <ExportMenu
            disabled={!training.run}
            current={epochsDone > 0 || last ? `epoch ${epochsDone}${last ? `, step ${last.step}` : ''}` : 'not trained yet'}
            bestEpoch={training.bestEpoch}
            bestDice={training.history.find((record) => record.epoch === training.bestEpoch)?.dice ?? null}
          />
          <button type="button" onClick={() => importInput.current?.click()}>
            Import model
          </button>
          <button
            type="button"
            disabled={!training.run || (live && !paused)}
            onClick={() => requestTest(threshold)}
            title={`Score the test split at threshold ${threshold.toFixed(2)}`}
          >
            Test now
          </button>
          <input
            ref={importInput}
            type="file"
            hidden
            multiple
            accept=".zip,.json,.bin,.safetensors,.csv"
            data-testid="import-input"
            onChange={(e) => {
              void importModel(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
        </div>
      </div>
      <GuidedRun />
      {imported && (
        <label className="inline">
          <input type="checkbox" checked={fromImported} disabled={live} onChange={(e) => setFromImported(e.target.checked)} /> start from the imported model
          (fine-tune)
        </label>
      )}
      {datasetPhase === 'loading' && <p className="muted">Waiting for the dataset to load.</p>}
      {(datasetPhase === 'empty' || datasetPhase === 'failed') && <p className="muted">Load a dataset to train (the sample is one click away).</p>}
      <div
        className="run-status"
        role="status"
        aria-live="polite"
        data-testid="train-status"
        data-phase={training.phase}
        data-first-loss={training.steps[0]?.loss}
        data-epochs={training.history.map((e) => e.epoch).join(',')}
        data-val-dice={training.history.map((e) => e.dice).join(',')}
        data-images-per-second={imagesPerSecond}
        data-eta-seconds={live && etaSeconds != null ? etaSeconds : undefined}
      >
        <strong>{training.phase === 'idle' ? 'No run yet.' : training.message || training.phase}</strong>
        {training.run && (
          <span>
            {' '}
            epoch {epochsDone} / {epochsTotal}
            {endedByTime && ` (its ${timeLimit} min time limit ended it)`}
            {last && `, step ${last.step}, loss ${last.loss.toFixed(4)}, lr ${last.learningRate.toPrecision(3)}`}
            {imagesPerSecond != null && Number.isFinite(imagesPerSecond) && `, ${imagesPerSecond.toFixed(imagesPerSecond < 10 ? 1 : 0)} img/s`}
            {live && etaSeconds != null && `, about ${formatSeconds(etaSeconds)} left`}
          </span>
        )}
      </div>
      {training.run && <progress className="epochs" max={endedByTime ? epochsDone : epochsTotal} value={epochsDone} aria-label="Epochs done" />}
      {training.error && (
        <p className="error" role="alert" data-testid="train-error">
          {training.error}
        </p>
      )}
      {training.run && (
        <dl className="facts compact run-facts">
          <div>
            <dt>Model</dt>
            <dd>
              {modelLabel(training.run.config.preset, training.run.config.base)} at {training.run.config.height}x{training.run.config.width},{' '}
              {training.params?.toLocaleString('en-US')} parameters
            </dd>
          </div>
          {training.run.best && (
            <div>
              <dt>Best val Dice</dt>
              <dd data-testid="best-dice">
                {training.run.best.dice.toFixed(4)} (epoch {training.run.best.epoch})
              </dd>
            </div>
          )}
          {training.lastCheckpoint && (
            <div>
              <dt>Checkpoint</dt>
              <dd
                data-testid="checkpoint"
                data-kind={training.lastCheckpoint.kind}
                data-epoch={training.lastCheckpoint.epoch}
                data-saved={training.lastCheckpoint.saved}
              >
                {training.lastCheckpoint.kind} at epoch {training.lastCheckpoint.epoch}:{' '}
                {training.lastCheckpoint.saved ? 'saved in this browser' : 'NOT saved (see the message)'}
              </dd>
            </div>
          )}
          {training.memory && (
            <div>
              <dt>Tensors</dt>
              <dd data-testid="num-tensors" data-step={training.memory.step} data-count={training.memory.numTensors}>
                {training.memory.numTensors} ({(training.memory.numBytes / 1024 ** 2).toFixed(1)} MiB) at step {training.memory.step}
              </dd>
            </div>
          )}
        </dl>
      )}
      {storageError && (
        <p className="error" role="alert" data-testid="storage-error">
          {storageError}
        </p>
      )}
      {imported && (
        <p className="muted" data-testid="imported">
          {imported}
        </p>
      )}
    </section>
  );
}
