/** The background a cut-out car is composited on: a gradient, a colour, or an image picked or dropped. */
import { useRef, useState, type DragEvent } from 'react';
/** What the cut-out is composited on. */
export type Background = { kind: 'colour'; colour: string } | { kind: 'gradient'; from: string; to: string } | { kind: 'image'; image: ImageBitmap };

export const SKY: Background = { kind: 'gradient', from: '#1e3a8a', to: '#93c5fd' };

export function paintBackground(ctx: CanvasRenderingContext2D, background: Background, width: number, height: number): void {
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

export function BackgroundControls({ onChange }: { onChange: (background: Background) => void }) {
  const [colour, setColour] = useState('#14532d');
  const [error, setError] = useState<string | null>(null);
  const [imageName, setImageName] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const takeImage = async (file: File | undefined) => {
    if (!file) return;
    try {
      onChange({ kind: 'image', image: await createImageBitmap(file) });
      setImageName(file.name);
      setError(null);
    } catch {
      setError(`${file.name}: not an image this browser can decode, so the background is unchanged.`);
    }
  };
  // A drop here is a background, not a photo to cut out nor a dataset: it goes no further.
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    event.stopPropagation();
    void takeImage(event.dataTransfer.files[0]);
  };

  return (
    <>
      <div className="row drop-zone" data-own-drop="background" data-testid="background-drop" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        <span className="label">Background</span>
        <button type="button" onClick={() => onChange(SKY)}>
          Sky gradient
        </button>
        <label className="inline">
          colour
          <input
            type="color"
            value={colour}
            data-testid="background-colour"
            onChange={(e) => {
              setColour(e.target.value);
              onChange({ kind: 'colour', colour: e.target.value });
            }}
          />
        </label>
        <button type="button" onClick={() => input.current?.click()}>
          Background image...
        </button>
        <span className="muted">{imageName ? `image: ${imageName}` : 'or drop an image here'}</span>
        <input
          ref={input}
          type="file"
          hidden
          accept="image/*"
          data-testid="background-input"
          onChange={async (e) => {
            await takeImage(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
