/** Pause, resume, stop and abort of a training loop, and the waits it makes between steps. */

/**
 * Lets queued messages (pause, stop, live settings) in before the next step. On cpu and wasm
 * `await data()` resolves as a microtask, so without a macrotask yield a whole epoch runs before the
 * worker reads its messages. A MessageChannel round trip is a macrotask without setTimeout's clamp.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class RunControl {
  paused = false;
  stopRequested = false;
  /** Set when the run cannot go on here (a lost GPU device): the loop throws it at the next step. */
  failure: Error | null = null;
  private wake: (() => void) | null = null;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.poke();
  }

  stop(): void {
    this.stopRequested = true;
    this.poke();
  }

  abort(error: Error): void {
    this.failure = error;
    this.poke();
  }

  /** Wakes a paused wait so it can serve a request (overlays) and go back to waiting. */
  poke(): void {
    this.wake?.();
  }

  /**
   * Waits while paused. `whilePaused` runs before each wait and after each poke: work the page
   * asks for while paused (overlays) is done at once, not at resume.
   */
  async waitWhilePaused(whilePaused: () => Promise<void>): Promise<void> {
    while (this.paused && !this.stopRequested && !this.failure) {
      await whilePaused();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    if (this.failure) throw this.failure;
  }
}
