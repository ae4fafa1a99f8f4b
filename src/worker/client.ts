/** The page's only way to reach training: typed requests out, typed events in. */
import type { Request, WorkerEvent } from './protocol';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type RequestBody = DistributiveOmit<Request, 'id'>;

export interface TrainerClient {
  /** Sends a request and returns its id (events about it echo the id). */
  send(body: RequestBody, transfer?: Transferable[]): number;
  subscribe(listener: (event: WorkerEvent) => void): () => void;
  terminate(): void;
}

export function createTrainerClient(): TrainerClient {
  const worker = new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' });
  const listeners = new Set<(event: WorkerEvent) => void>();
  let nextId = 1;
  worker.onmessage = (message: MessageEvent<WorkerEvent>) => listeners.forEach((listener) => listener(message.data));
  worker.onerror = (error) => {
    const event: WorkerEvent = { type: 'error', id: 0, message: `Worker failed: ${error.message || 'could not load'}` };
    listeners.forEach((listener) => listener(event));
  };
  return {
    send(body, transfer = []) {
      const id = nextId++;
      worker.postMessage({ ...body, id } as Request, transfer);
      return id;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    terminate: () => worker.terminate(),
  };
}
