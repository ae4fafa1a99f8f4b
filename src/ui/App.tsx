import { useEffect } from 'react';
import { BACKEND_NAMES, type BackendPreference } from '../ml/backend';
import { startEngine } from '../store/studio';
import { EnginePanel } from './EnginePanel';
import { SpinePanel } from './SpinePanel';

/** `?backend=webgl` forces a backend from the URL (tests and shared links use it). */
function backendFromUrl(): BackendPreference {
  const value = new URLSearchParams(window.location.search).get('backend');
  return value && (BACKEND_NAMES as readonly string[]).includes(value) ? (value as BackendPreference) : 'auto';
}

export function App() {
  useEffect(() => startEngine(backendFromUrl()), []);
  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>Carvana masking studio</h1>
          <p className="tagline">Train a TransUNet to cut cars out of studio photos, in your browser.</p>
        </div>
        <p className="privacy" role="note">
          Your photos never leave this machine: training runs in a Web Worker on this page.
        </p>
      </header>
      <main className="panels">
        <EnginePanel initial={backendFromUrl()} />
        <SpinePanel />
      </main>
    </div>
  );
}
