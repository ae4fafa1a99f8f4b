import { useEffect, useState, type DragEvent } from 'react';
import { BACKEND_NAMES, type BackendPreference } from '../ml/backendNames';
import { DEFAULT_LOAD_SETTINGS, loadDataset, startEngine, type LoadSettings } from '../store/studio';
import { DatasetPanel } from './DatasetPanel';
import { EnginePanel } from './EnginePanel';
import { describeSources, filesFromDrop } from './files';
import { SpinePanel } from './SpinePanel';

/** `?backend=webgl` forces a backend from the URL (tests and shared links use it). */
function backendFromUrl(): BackendPreference {
  const value = new URLSearchParams(window.location.search).get('backend');
  return value && (BACKEND_NAMES as readonly string[]).includes(value) ? (value as BackendPreference) : 'auto';
}

export function App() {
  const [settings, setSettings] = useState<LoadSettings>(DEFAULT_LOAD_SETTINGS);
  const [dragging, setDragging] = useState(false);
  useEffect(() => startEngine(backendFromUrl()), []);

  // The whole page is a drop target: a folder, loose files or a .zip.
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const files = await filesFromDrop(event.dataTransfer);
    loadDataset(files, describeSources(files, 'dropped'), settings);
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
        <div className="column">
          <EnginePanel initial={backendFromUrl()} />
        </div>
        <div className="column">
          <DatasetPanel settings={settings} onSettings={setSettings} />
          <SpinePanel />
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
