import { describe, expect, it } from 'vitest';
import type { ConfigChange, EpochRecord } from '../ml/train/config';
import { changesBefore, originMarkers } from './chartParts';

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

describe('changesBefore', () => {
  const change = (step: number, field: ConfigChange['field'], to: number): ConfigChange => ({ step, epoch: 0, field, from: 1, to });
  const changes = [change(10, 'learningRate', 2), change(25, 'learningRate', 3), change(25, 'loss', 4), change(40, 'learningRate', 5)];

  it('gives the change made at a step, or the latest one before it (all of that step when several fields changed)', () => {
    expect(changesBefore(changes, 10)).toEqual([changes[0]]);
    expect(changesBefore(changes, 24)).toEqual([changes[0]]);
    expect(changesBefore(changes, 30)).toEqual([changes[1], changes[2]]);
    expect(changesBefore(changes, 1000)).toEqual([changes[3]]);
  });

  it('gives nothing before the first change, and for a run without changes', () => {
    expect(changesBefore(changes, 9)).toEqual([]);
    expect(changesBefore([], 50)).toEqual([]);
  });
});
