/**
 * How many XNNPACK threads the wasm backend runs, when the studio chooses: the counts worth timing on
 * this machine, and the rule that picks one from measured step times. Pure: the timing itself runs in
 * short-lived workers (src/worker/threadTrial.ts), because tfjs-wasm fixes its thread count when the
 * module starts.
 */

/** `wasmThreads` = 0 asks the studio to measure and choose (the settings' "auto"). */
export const WASM_THREADS_AUTO = 0;

/** More XNNPACK threads than this gained nothing on the studio's models, and tfjs-wasm's pthread pool holds 8. */
export const MAX_WASM_THREADS = 8;

/**
 * A slower count must beat a smaller one by more than this share of its time to be chosen: step
 * times vary by ~5% between runs, and a thread that does not clearly pay costs a core someone else
 * could use.
 */
export const THREAD_GAIN_NEEDED = 0.05;

export interface ThreadTiming {
  threads: number;
  /** Median ms per training step; null when this count could not be timed. */
  ms: number | null;
  /** Why it could not be timed. */
  error?: string;
}

export interface ThreadChoice {
  threads: number;
  /** One sentence: what was measured and why this count won. */
  reason: string;
  timings: ThreadTiming[];
}

/**
 * Cores the studio's page keeps for its own thread (React, charts, overlays) when it chooses: wasm
 * threads on every core starved it. On this 2-core machine, training on 2 threads delayed the
 * worker's events to the page by 21 s and stalled a few e2e training flows in a hundred (2026-12-02),
 * never on 1. The headless command line has no page to keep responsive and keeps none.
 */
export const PAGE_SPARE_CORES = 1;

/** The cores wasm threads may use: the logical cores less the spare ones, at least 1. */
export function usableCores(logicalCores: number, spareCores: number): number {
  return Math.max(1, Math.floor(logicalCores) - Math.max(0, Math.floor(spareCores)));
}

/** 1, the machine's logical cores (at most MAX_WASM_THREADS), and half of them when that is a third count. */
export function threadCandidates(logicalCores: number): number[] {
  const most = Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(logicalCores)));
  return [...new Set([1, Math.max(1, Math.floor(most / 2)), most])].sort((a, b) => a - b);
}

/**
 * The fastest count, where "faster" must beat every smaller count by THREAD_GAIN_NEEDED: a tie goes
 * to fewer threads. Counts that failed are skipped; with none timed, 1 thread.
 */
export function chooseThreads(timings: readonly ThreadTiming[], gainNeeded = THREAD_GAIN_NEEDED): ThreadChoice {
  const timed = timings.filter((t): t is ThreadTiming & { ms: number } => t.ms !== null && Number.isFinite(t.ms)).sort((a, b) => a.threads - b.threads);
  const measured = timings.map((t) => (t.ms === null ? `${t.threads}: failed (${t.error ?? 'no time'})` : `${t.threads}: ${t.ms.toFixed(0)} ms`)).join(', ');
  if (timed.length === 0) return { threads: 1, reason: `1 thread: no thread count could be timed (${measured})`, timings: [...timings] };
  let best = timed[0]!;
  for (const candidate of timed.slice(1)) {
    if (candidate.ms < best.ms * (1 - gainNeeded)) best = candidate;
  }
  const plural = best.threads === 1 ? 'thread' : 'threads';
  const why =
    timed.length === 1 ? 'the only count timed' : best.threads === timed[0]!.threads ? `no more threads saved ${gainNeeded * 100}% of a step` : 'fastest';
  return { threads: best.threads, reason: `${best.threads} ${plural}: ${why} (a training step took ${measured})`, timings: [...timings] };
}
