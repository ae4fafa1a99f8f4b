import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { predict, useStudio } from '../store/studioStore';
import type { PredictionResult } from '../worker/protocol';
import { BackgroundControls, paintBackground, SKY, type Background } from './BackgroundControls';
import { carFraction, checksum, cutout, maskOf } from '../data/cutout';
import { downloadBlob } from './download';

function canvasOf(rgba: Uint8ClampedArray<ArrayBuffer>, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}

function toPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

const IMAGE_NAME = /\.(jpe?g|png|gif|webp|bmp|avif)$/i;
const isImage = (file: File) => file.type.startsWith('image/') || IMAGE_NAME.test(file.name);

function Result({ result, threshold, background }: { result: PredictionResult; threshold: number; background: Background }) {
  const cutoutRef = useRef<HTMLCanvasElement>(null);
  const compositeRef = useRef<HTMLCanvasElement>(null);
  const stem = result.name.replace(/\.[^.]+$/, '');
  // The thresholded mask's fingerprint: where the cut-out PNG's alpha is above 0 must hash the same (the e2e decodes it).
  // The cut-out and the composite are drawn at the photo's size with the soft alpha of the worker's edge-aware map.
  const maskChecksum = useMemo(() => (result.error ? '' : checksum(maskOf(result.probabilities, threshold))), [result, threshold]);
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
      data-mask-checksum={maskChecksum}
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

/** Which test-split images to predict: by name, the first four until the user picks. */
function TestPicker({ disabled, onPredict }: { disabled: boolean; onPredict: (indices: number[]) => void }) {
  const count = useStudio((s) => s.dataset.split?.test.pairs ?? 0);
  const names = useStudio((s) => s.dataset.split?.test.names);
  const [picked, setPicked] = useState<number[] | null>(null);
  const chosen = (picked ?? Array.from({ length: Math.min(4, count) }, (_, i) => i)).filter((i) => i < count);
  if (count === 0) return null;
  return (
    <div className="row test-picker">
      <label htmlFor="test-picker">Test images</label>
      <select
        id="test-picker"
        multiple
        size={Math.min(4, count)}
        value={chosen.map(String)}
        data-testid="test-picker"
        onChange={(e) => setPicked(Array.from(e.target.selectedOptions, (o) => Number(o.value)))}
      >
        {Array.from({ length: count }, (_, i) => (
          <option key={i} value={i}>
            {names?.[i] ?? `test image ${i + 1}`}
          </option>
        ))}
      </select>
      <button type="button" disabled={disabled || chosen.length === 0} onClick={() => onPredict(chosen)} data-testid="predict-test">
        Predict {chosen.length} chosen test image{chosen.length === 1 ? '' : 's'}
      </button>
    </div>
  );
}

/** New photos in, cars out: a transparent cut-out and a composite on a background of the user's choice. */
export function InferencePanel() {
  const inference = useStudio((s) => s.inference);
  const hasRun = useStudio((s) => s.training.run != null);
  const imported = useStudio((s) => s.imported);
  const threshold = useStudio((s) => s.settings.threshold);
  const [model, setModel] = useState<'run' | 'imported'>('run');
  // On by default: the mirrored pass gave better masks on every car of the sample (BENCHMARKS.md), at twice the model's time.
  const [flipTta, setFlipTta] = useState(true);
  const [background, setBackground] = useState<Background>(SKY);
  const [dropError, setDropError] = useState<string | null>(null);
  const photos = useRef<HTMLInputElement>(null);
  const chosen = model === 'imported' ? imported != null : hasRun;
  const busy = inference.phase === 'running';
  const needModel = model === 'imported' ? 'Import a model first.' : 'Train or resume a run first.';

  const predictPhotos = (files: File[]) => {
    setDropError(null);
    predict(
      model,
      files.map((f) => ({ name: f.name, blob: f })),
      [],
      flipTta,
    );
  };
  // Photos dropped here are cut out; they must not reach the page-wide dataset drop.
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    event.stopPropagation();
    const files = Array.from(event.dataTransfer.files);
    const images = files.filter(isImage);
    if (!chosen) setDropError(`${needModel} (${files.map((f) => f.name).join(', ') || 'nothing'} not predicted.)`);
    else if (images.length === 0)
      setDropError(`No photo in the drop: ${files.map((f) => f.name).join(', ') || 'no files'} (drop JPEG, PNG, GIF or WebP images).`);
    else predictPhotos(images);
  };

  return (
    <section
      className="panel"
      aria-labelledby="inference-title"
      data-testid="inference-panel"
      data-answered={inference.answered}
      data-model={inference.model}
      data-own-drop="photos"
      onDragOver={(e) => e.preventDefault()}
      onDrop={onDrop}
    >
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
        <label className="inline" title="Also predicts the mirrored photo and averages the two: better masks, for twice the model's time.">
          <input type="checkbox" checked={flipTta} onChange={(e) => setFlipTta(e.target.checked)} /> flip test-time augmentation
        </label>
      </div>
      <div className="row">
        <button type="button" className="primary" disabled={!chosen || busy} onClick={() => photos.current?.click()}>
          Choose photos
        </button>
        <span className="muted">{chosen ? 'or drop photos on this panel.' : needModel}</span>
        <input
          ref={photos}
          type="file"
          hidden
          multiple
          accept="image/*"
          data-testid="inference-input"
          onChange={(e) => {
            predictPhotos(Array.from(e.target.files ?? []));
            e.target.value = '';
          }}
        />
      </div>
      <TestPicker disabled={!chosen || busy} onPredict={(indices) => predict(model, [], indices, flipTta)} />
      <BackgroundControls onChange={setBackground} />
      {busy && <p role="status">Predicting...</p>}
      {(inference.error || dropError) && (
        <p className="error" role="alert" data-testid="inference-error">
          {dropError ?? inference.error}
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
