import type { Clock } from './clock.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock for unit tests: time moves only when the test says so. Not exported by the lib. */
export class ManualClock implements Clock {
  private time = 0;
  private sleepers: Array<{ due: number; wake: () => void }> = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ due: this.time + Math.max(0, ms), wake }));
  }

  /** Moves time forward, waking sleepers in the order they are due and letting each one run. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      const due = this.sleepers.filter((s) => s.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!due) break;
      this.sleepers = this.sleepers.filter((s) => s !== due);
      this.time = Math.max(this.time, due.due);
      due.wake();
    }
    this.time = target;
    await settle();
  }
}

/** A clock whose sleeps return at once, moving time forward by the time slept. */
export class InstantClock implements Clock {
  private time = 0;
  readonly slept: number[] = [];

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.time += Math.max(0, ms);
  }
}
