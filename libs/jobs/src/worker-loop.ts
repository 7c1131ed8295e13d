/**
 * Runs `tick` every `intervalMs` until stopped; a failing tick is reported and the loop goes
 * on (the next tick retries from the database, which holds all state). `stop()` waits for the
 * tick in progress, so a shutdown never cuts a step between its AWS call and its save.
 */
export class WorkerLoop {
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private wake?: () => void;

  constructor(
    private readonly tick: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.run();
  }

  /** Runs the next tick now instead of at the end of the interval. */
  nudge(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.done;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (error) {
        this.onError(error);
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
