/** A run record for tests: a fresh training run with nothing recorded yet, changed by `overrides`. */
import { DEFAULT_TRAIN_CONFIG } from '../ml/train/config';
import type { RunRecord } from './persistence';

export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-a',
    name: 'run',
    createdAt: 1,
    updatedAt: 1,
    status: 'training',
    reason: null,
    config: DEFAULT_TRAIN_CONFIG,
    split: null,
    history: [],
    steps: [],
    changes: [],
    best: null,
    test: null,
    dataset: null,
    message: null,
    ...overrides,
  };
}
