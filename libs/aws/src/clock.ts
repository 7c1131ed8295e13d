import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/** Time as the pacing and retry code sees it; tests pass a manual one. */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  // a timer may fire up to a millisecond early by the monotonic clock; round up
  sleep: (ms) => delay(Math.max(0, Math.ceil(ms))),
};
