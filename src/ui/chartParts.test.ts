import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../ml/train/config';
import { originMarkers } from './chartParts';

const epochs = (origins: Array<'studio' | 'torch' | undefined>) => origins.map((origin, i) => ({ epoch: i + 1, ...(origin && { origin }) }) as EpochRecord);

describe('originMarkers', () => {
  it('puts a "cluster" marker before each stretch of PyTorch epochs, between it and the studio epoch before', () => {
    const markers = originMarkers(epochs([undefined, 'studio', 'torch', 'torch', 'studio', 'torch']));
    expect(markers.map((m) => [m.x, m.short])).toEqual([
      [2.5, 'cluster'],
      [5.5, 'cluster'],
    ]);
    expect(markers[0]!.full).toBe('epochs 3–4 trained on PyTorch (the cluster); the others in the studio');
    expect(markers[1]!.full).toMatch(/^epoch 6 trained on PyTorch/);
  });

  it('marks a run trained on PyTorch from its first epoch at epoch 1, and a studio-only run not at all', () => {
    expect(originMarkers(epochs(['torch', 'torch'])).map((m) => m.x)).toEqual([1]);
    expect(originMarkers(epochs([undefined, 'studio']))).toEqual([]);
  });
});
