import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../bench/bench';
import { renderReport } from '../bench/table';

const report = (inference: BenchReport['inference']): BenchReport => ({
  machine: { cpu: 'cpu', cores: 2, memoryGiB: 24, os: 'linux', node: 'v20', chromium: 'chromium', loadAverageStart: [1, 1, 1], loadAverageEnd: [1, 1, 1] },
  date: '2026-12-02',
  command: 'npm run bench',
  budgetSeconds: 60,
  trainingData: 'sample',
  backends: [],
  train: [],
  inference,
  ingest: [],
  memory: null,
  soak: null,
  longestTaskMs: 0,
  peer: null,
  quality: null,
  seconds: 1,
});

describe('the bench report', () => {
  it('puts the flip-TTA time beside the single pass, and a dash for a report from before it was timed', () => {
    const text = renderReport(
      report([
        { preset: 'transunet', size: [128, 192], backend: 'wasm', threads: 2, msPerImage: 66.64, msPerImageFlipTta: 162.06, images: 8 },
        { preset: 'tiny', size: [64, 96], backend: 'wasm', threads: 1, msPerImage: 20.25, images: 8 },
      ]),
    );
    const rows = text.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| preset'));
    expect(text).toContain('| ms/image | with flip TTA | images |');
    expect(rows.map((row) => row.split('|').map((cell) => cell.trim()))).toEqual([
      ['', 'transunet', '128x192', 'wasm x2', '66.6', '162.1', '8', ''],
      ['', 'tiny', '64x96', 'wasm', '20.3', '-', '8', ''],
    ]);
  });
});
