import { useEffect, useState } from 'react';
import { loadDataset, loadSettingsOf, onWorkerEvent, startEngine, useStudio } from '../store/studioStore';
import { Charts } from './Charts';
import { ConfigPanel } from './ConfigPanel';
import { DatasetPanel } from './DatasetPanel';
import { downloadBlob } from './download';
import { EnginePanel } from './EnginePanel';
import { InferencePanel } from './InferencePanel';
import type { ExportFormat } from '../worker/protocol';
import { describeSources, filesFromDrop } from '../worker/sources';
import { OverlayPanel } from './OverlayPanel';
import { PanelBoundary } from './PanelBoundary';
import { PrivacyReadout } from './PrivacyReadout';
import { RunPanel } from './RunPanel';
import { RunsPanel } from './RunsPanel';
import { TestResults } from './TestResults';
import './layout.css';

/**
 * The whole window is a drop target for a dataset: a folder, loose files or a .zip. The listeners sit
 * on `window`, so a drop on a margin or below the content loads too, and never lets the browser
 * navigate to the file. Panels with drops of their own (new photos, a background) stop propagation.
 */
function useWindowDrop(): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    const onDragOver = (event: DragEvent) => {
      event.preventDefault();
      // Over a panel with its own drop (marked data-own-drop) the dataset hint would mislead.
      setDragging(!(event.target instanceof Element && event.target.closest('[data-own-drop]')));
    };
    // relatedTarget is null only when the pointer leaves the window itself.
    const onDragLeave = (event: DragEvent) => event.relatedTarget === null && setDragging(false);
    const onDrop = async (event: DragEvent) => {
      event.preventDefault();
      setDragging(false);
      if (!event.dataTransfer) return;
      const files = await filesFromDrop(event.dataTransfer);
      loadDataset(files, describeSources(files, 'dropped'), loadSettingsOf(useStudio.getState().settings));
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
  return dragging;
}

const EXPORT_MIME_TYPES: Record<ExportFormat, string> = { zip: 'application/zip', onnx: 'application/octet-stream', torch: 'application/zip' };

export function App() {
  const dragging = useWindowDrop();
  // The engine starts once with the saved or linked backend and wasm threads (?backend=wasm&threads=2).
  useEffect(() => {
    const { backend, wasmThreads } = useStudio.getState().settings;
    startEngine(backend, wasmThreads);
  }, []);
  useEffect(
    () =>
      onWorkerEvent(
        (event) => event.type === 'export-ready' && downloadBlob(event.filename, new Blob([event.bytes], { type: EXPORT_MIME_TYPES[event.format] })),
      ),
    [],
  );

  // Two columns of panels (curves beside predictions) only once there is a run to show.
  const hasRun = useStudio((s) => s.training.run != null);

  // An instrument, not a form: the settings in a side column, full height, that scrolls on its own;
  // the dataset one line once loaded; the run's controls, curves and predictions on one screen.
  return (
    <div className={dragging ? 'app dragging' : 'app'} data-testid="drop-target">
      <header className="app-header">
        <h1>Carvana masking studio</h1>
        <p className="tagline">Train a TransUNet to cut cars out of studio photos, in your browser.</p>
        <div className="header-aside">
          <p className="privacy" role="note" title="They are read and trained on in this page.">
            Your photos never leave this machine: nothing is uploaded.
          </p>
          <PrivacyReadout />
        </div>
      </header>
      <div className="side" data-testid="side-column">
        <PanelBoundary name="the settings">
          <ConfigPanel />
        </PanelBoundary>
        <PanelBoundary name="the engine panel">
          <EnginePanel />
        </PanelBoundary>
      </div>
      <main className="main">
        <PanelBoundary name="the dataset panel">
          <DatasetPanel />
        </PanelBoundary>
        <PanelBoundary name="the run's controls">
          <RunPanel />
        </PanelBoundary>
        <div className={hasRun ? 'dashboard' : 'dashboard idle'} data-testid="dashboard">
          <PanelBoundary name="the charts">
            <Charts />
          </PanelBoundary>
          <PanelBoundary name="the predictions">
            <OverlayPanel />
          </PanelBoundary>
        </div>
        <PanelBoundary name="the test results">
          <TestResults />
        </PanelBoundary>
        <PanelBoundary name="the cut-out panel">
          <InferencePanel />
        </PanelBoundary>
        <PanelBoundary name="the runs list">
          <RunsPanel />
        </PanelBoundary>
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop a folder, files or a .zip to load them
        </div>
      )}
    </div>
  );
}
