/**
 * The PyTorch mirror's Python tests (src/torch/tests: test_bridge.py, test_resize.py), run from `npm test`: parameter
 * counts, forward equality with tfjs per preset, two gloo ranks under torchrun, run files, --eval, the
 * resize against Chromium's.
 * Nothing is skipped: without Debian's torch in /usr/bin/python3 this fails and says what to install.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';

describe('PyTorch mirror (src/torch)', () => {
  it('passes its Python tests', () => {
    const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(
        `${PYTHON} cannot import torch, numpy and PIL (${(probe.stderr || String(probe.error)).trim().split('\n').at(-1)}): ` +
          'on Debian: apt-get install -y python3-torch python3-pil (torchrun comes with python3-torch).',
      );
    }
    const run = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-s', 'src/torch/tests'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 540_000,
      maxBuffer: 16 * 2 ** 20,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output.slice(-6000)).toBe(0);
    expect(output).toMatch(/\nOK/);
  }, 600_000);
});
