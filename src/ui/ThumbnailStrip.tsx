import { useEffect, useRef } from 'react';
import type { Thumbnail } from '../worker/protocol';

function ThumbnailCanvas({ thumbnail }: { thumbnail: Thumbnail }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(thumbnail.rgba, thumbnail.width, thumbnail.height), 0, 0);
  }, [thumbnail]);
  return (
    <figure className="thumb">
      <canvas ref={ref} width={thumbnail.width} height={thumbnail.height} aria-label={`${thumbnail.name} with its mask tinted`} />
      <figcaption>{thumbnail.name}</figcaption>
    </figure>
  );
}

/** One photo per car, the mask tinted: a glance that images and masks were paired right. */
export function ThumbnailStrip({ thumbnails }: { thumbnails: Thumbnail[] }) {
  if (thumbnails.length === 0) return null;
  return (
    <div className="thumbs" data-testid="thumbnails">
      {thumbnails.map((t) => (
        <ThumbnailCanvas key={t.name} thumbnail={t} />
      ))}
    </div>
  );
}
