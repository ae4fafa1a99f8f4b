import { useEffect, useRef, useState } from 'react';
import { predict, useStudio } from '../store/studio';
import type { PredictionResult } from '../worker/protocol';
import { carFraction, checksum, cutout, type Background } from './cutout';
import { downloadBlob } from './download';

function canvasOf(rgba: Uint8ClampedArray<ArrayBuffer>, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}

function paintBackground(ctx: CanvasRenderingContext2D, background: Background, width: number, height: number): void {
  if (background.kind === 'colour') {
    ctx.fillStyle = background.colour;
    ctx.fillRect(0, 0, width, height);
  } else if (background.kind === 'gradient') {
    const gradient = ctx.createLinearGradient(0, 0, 0, height);
    gradient.addColorStop(0, background.from);
    gradient.addColorStop(1, background.to);
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, width, height);
  } else {
    // cover: scale the background to fill, centred
    const scale = Math.max(width / background.image.width, height / background.image.height);
    const [w, h] = [background.image.width * scale, background.image.height * scale];
    ctx.drawImage(background.image, (width - w) / 2, (height - h) / 2, w, h);
  }
}

function toPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

function Result({ result, threshold, background }: { result: PredictionResult; threshold: number; background: Background }) {
  const cutoutRef = useRef<HTMLCanvasElement>(null);
  const compositeRef = useRef<HTMLCanvasElement>(null);
  const stem = result.name.replace(/\.[^.]+$/, '');
  useEffect(() => {
    if (result.error) return;
    const car = canvasOf(cutout(result.rgba, result.probabilities, threshold), result.width, result.height);
    const cut = cutoutRef.current?.getContext('2d');
    cut?.clearRect(0, 0, result.width, result.height);
    cut?.drawImage(car, 0, 0);
    const composite = compositeRef.current?.getContext('2d');
    if (composite) {
      paintBackground(composite, background, result.width, result.height);
      composite.drawImage(car, 0, 0);
    }
  }, [result, threshold, background]);
  if (result.error) return <p className="error">{result.error}</p>;
  return (
    <figure
      className="inference-result"
      data-testid="inference-result"
      data-checksum={checksum(result.modelProbabilities)}
      data-name={result.name}
      data-car-pixels={Math.round(carFraction(result.probabilities, threshold) * result.width * result.height)}
    >
      <figcaption>
        {result.name}: car covers {(carFraction(result.probabilities, threshold) * 100).toFixed(1)}% of {result.width}x{result.height}
      </figcaption>
      <div className="inference-canvases">
        <canvas ref={cutoutRef} className="checker" width={result.width} height={result.height} aria-label={`${result.name} cut out`} />
        <canvas ref={compositeRef} width={result.width} height={result.height} aria-label={`${result.name} on the new background`} />
      </div>
      <div className="row">
        <button type="button" onClick={async () => cutoutRef.current && downloadBlob(`${stem}-cutout.png`, await toPng(cutoutRef.current))}>
          Download cut-out PNG
        </button>
        <button type="button" onClick={async () => compositeRef.current && downloadBlob(`${stem}-composite.png`, await toPng(compositeRef.current))}>
          Download composite PNG
        </button>
      </div>
    </figure>
  );
}

/** New photos in, cars out: a transparent cut-out and a composite on a background of the user's choice. */
export function InferencePanel() {
  const inference = useStudio((s) => s.inference);
  const hasRun = useStudio((s) => s.training.run != null);
  const imported = useStudio((s) => s.imported);
  const testPairs = useStudio((s) => s.dataset.split?.test.pairs ?? 0);
  const threshold = useStudio((s) => s.settings.threshold);
  const [model, setModel] = useState<'run' | 'imported'>('run');
  const [flipTta, setFlipTta] = useState(false);
  const [background, setBackground] = useState<Background>({ kind: 'gradient', from: '#1e3a8a', to: '#93c5fd' });
  const [colour, setColour] = useState('#14532d');
  const photos = useRef<HTMLInputElement>(null);
  const backgroundInput = useRef<HTMLInputElement>(null);
  const chosen = model === 'imported' ? imported != null : hasRun;

  return (
    <section className="panel" aria-labelledby="inference-title" data-testid="inference-panel">
      <h2 id="inference-title">Cut cars out of new photos</h2>
      <div className="row">
        <fieldset className="inline-group">
          <legend>Model</legend>
          <label className="inline">
            <input type="radio" name="inference-model" checked={model === 'run'} onChange={() => setModel('run')} /> this run
          </label>
          <label className="inline">
            <input type="radio" name="inference-model" checked={model === 'imported'} onChange={() => setModel('imported')} /> imported model
          </label>
        </fieldset>
        <label className="inline">
          <input type="checkbox" checked={flipTta} onChange={(e) => setFlipTta(e.target.checked)} /> flip test-time augmentation
        </label>
      </div>
      <div className="row">
        <button type="button" className="primary" disabled={!chosen || inference.phase === 'running'} onClick={() => photos.current?.click()}>
          Choose photos
        </button>
        <button type="button" disabled={!chosen || testPairs === 0 || inference.phase === 'running'} onClick={() => predict(model, [], Array.from({ length: Math.min(4, testPairs) }, (_, i) => i), flipTta)}>
          Use {Math.min(4, testPairs)} test images
        </button>
        <input
          ref={photos}
          type="file"
          hidden
          multiple
          accept="image/*"
          data-testid="inference-input"
          onChange={(e) => {
            predict(model, Array.from(e.target.files ?? []).map((f) => ({ name: f.name, blob: f })), [], flipTta);
            e.target.value = '';
          }}
        />
        {!chosen && <span className="muted">{model === 'imported' ? 'Import a model first.' : 'Train or resume a run first.'}</span>}
      </div>
      <div className="row">
        <span className="label">Background</span>
        <button type="button" onClick={() => setBackground({ kind: 'gradient', from: '#1e3a8a', to: '#93c5fd' })}>
          Sky gradient
        </button>
        <label className="inline">
          colour
          <input
            type="color"
            value={colour}
            onChange={(e) => {
              setColour(e.target.value);
              setBackground({ kind: 'colour', colour: e.target.value });
            }}
          />
        </label>
        <button type="button" onClick={() => backgroundInput.current?.click()}>
          Background image...
        </button>
        <input
          ref={backgroundInput}
          type="file"
          hidden
          accept="image/*"
          data-testid="background-input"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) setBackground({ kind: 'image', image: await createImageBitmap(file) });
            e.target.value = '';
          }}
        />
      </div>
      {inference.phase === 'running' && <p role="status">Predicting...</p>}
      {inference.error && (
        <p className="error" role="alert">
          {inference.error}
        </p>
      )}
      <div className="inference-results">
        {inference.results.map((result, i) => (
          <Result key={`${result.name}-${i}`} result={result} threshold={threshold} background={background} />
        ))}
      </div>
    </section>
  );
}
