/** Typed messages between the page and the training worker. Requests carry an id that replies echo. */
import type { BackendChoice, BackendPreference } from '../ml/backend';
import type { PresetName } from '../ml/model/presets';

export interface DemoTrainRequest {
  type: 'demo-train';
  id: number;
  preset: PresetName;
  steps: number;
  batchSize: number;
  seed: number;
}

export type Request =
  | { type: 'init'; id: number; backend: BackendPreference }
  | DemoTrainRequest
  | { type: 'stop'; id: number };

export type WorkerEvent =
  | { type: 'ready'; id: number; choice: BackendChoice }
  | { type: 'progress'; id: number; phase: 'building' | 'compiling' | 'training'; message: string }
  | { type: 'step'; id: number; step: number; loss: number; ms: number; numTensors: number }
  | { type: 'done'; id: number; steps: number; medianMs: number; params: number }
  | { type: 'error'; id: number; message: string };

export type RequestType = Request['type'];

/** Compile-time exhaustiveness for switches over the unions above. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(value)}`);
}
