/** Waiting for a run to end, with a timeout that says where the run stood (not a spec itself). */
import type { Page } from '@playwright/test';

interface Seen {
  phase: string;
  step: number;
}

const POLL_MS = 1000;
/** A page that takes longer than this to answer a probe counts as not answering. */
const ANSWER_MS = 5000;

/**
 * Waits until the run's status (`statusTestId`) reads done, as toHaveAttribute('data-phase', 'done') does.
 * On timeout it says where the run stood: the last phase and step the page showed, when the step last
 * moved, and how many probes the page's own thread left unanswered. A rare stall seen in CI (a run showing
 * "training" at step 1 for two minutes) could not be reproduced locally: this tells a busy or starved page
 * (probes unanswered) from a worker that stopped (the page answers, the step stands still).
 */
export async function expectRunDone(page: Page, timeoutMs: number, statusTestId = 'train-status'): Promise<void> {
  const started = Date.now();
  let last: Seen = { phase: '(none seen)', step: -1 };
  let stepMovedAt = 0;
  let probes = 0;
  let unanswered = 0;
  while (Date.now() - started < timeoutMs) {
    probes++;
    const seen = await Promise.race([
      page.evaluate(
        (id) => ({
          phase: document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-phase') ?? '',
          step: Number(document.querySelector('[data-testid="num-tensors"]')?.getAttribute('data-step') ?? 0),
        }),
        statusTestId,
      ),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), ANSWER_MS)),
    ]);
    if (seen === null) {
      unanswered++;
    } else {
      if (seen.phase === 'done') return;
      if (seen.step !== last.step) stepMovedAt = (Date.now() - started) / 1000;
      last = seen;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(
    `The run did not end as done in ${timeoutMs / 1000} s: it last showed "${last.phase}" at step ${last.step}, ` +
      `a step it reached ${stepMovedAt.toFixed(0)} s in; the page left ${unanswered} of ${probes} probes unanswered for ${ANSWER_MS / 1000} s.`,
  );
}
