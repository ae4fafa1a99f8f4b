import { useEffect, useState, type DragEvent } from 'react';
import { BACKEND_NAMES, type BackendPreference } from '../ml/backendNames';
import { DEFAULT_LOAD_SETTINGS, loadDataset, onWorkerEvent, startEngine, useStudio } from '../store/studio';
import { parseSize } from '../store/settings';
import { Charts } from './Charts';
import { ConfigPanel } from './ConfigPanel';
import { DatasetPanel } from './DatasetPanel';
import { downloadBlob } from './download';
import { EnginePanel } from './EnginePanel';
import { InferencePanel } from './InferencePanel';
import { describeSources, filesFromDrop } from './files';
import { OverlayPanel } from './OverlayPanel';
import { RunPanel } from './RunPanel';
import { RunsPanel } from './RunsPanel';
import { SpinePanel } from './SpinePanel';
import { TestResults } from './TestResults';

/** `?backend=webgl` forces a backend from the URL (tests and shared links use it). */
function backendFromUrl(): BackendPreference {
  const value = new URLSearchParams(window.location.search).get('backend');
  return value && (BACKEND_NAMES as readonly string[]).includes(value) ? (value as BackendPreference) : 'auto';
}

export function App() {
  const [budgetBytes, setBudgetBytes] = useState(DEFAULT_LOAD_SETTINGS.budgetBytes);
  const size = useStudio((s) => s.settings.size);
  const [dragging, setDragging] = useState(false);
  // `?threads=2` gives the wasm backend a second thread (faster on a quiet multi-core machine).
  useEffect(() => startEngine(backendFromUrl(), Number(new URLSearchParams(window.location.search).get('threads')) || undefined), []);
  useEffect(
    () => onWorkerEvent((event) => event.type === 'export-ready' && downloadBlob(event.filename, new Blob([event.zip], { type: 'application/zip' }))),
    [],
  );

  // The whole page is a drop target: a folder, loose files or a .zip.
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = await filesFromDrop(event.dataTransfer);
    loadDataset(files, describeSources(files, 'dropped'), { ...DEFAULT_LOAD_SETTINGS, ...parseSize(size), budgetBytes });
  };

  return (
    <div
      className={dragging ? 'app dragging' : 'app'}
      data-testid="drop-target"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={onDrop}
    >
      <header className="app-header">
        <div>
          <h1>Carvana masking studio</h1>
          <p className="tagline">Train a TransUNet to cut cars out of studio photos, in your browser.</p>
        </div>
        <p className="privacy" role="note">
          Your photos never leave this machine: they are read and trained on in this page, nothing is uploaded.
        </p>
      </header>
      <main className="panels">
        <div className="column side">
          <EnginePanel initial={backendFromUrl()} />
          <ConfigPanel />
          <SpinePanel />
        </div>
        <div className="column">
          <DatasetPanel budgetBytes={budgetBytes} onBudget={setBudgetBytes} />
          <RunPanel />
          <Charts />
          <OverlayPanel />
          <TestResults />
          <InferencePanel />
          <RunsPanel />
        </div>
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop a folder, files or a .zip to load them
        </div>
      )}
    </div>
  );
}
