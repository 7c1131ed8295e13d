import type { Build, StepRecord } from './build.types.js';

export interface StepTiming {
  step: string;
  status: string;
  attempt: number;
  startedAt: Date | null;
  endedAt: Date | null;
  seconds: number | null;
}

/**
 * A build as lists and commands answer it: the worker's bookkeeping (its lease, when it last
 * created an AWS resource) stays inside.
 */
export function buildView(build: Build) {
  const { lease: _lease, resourceCreatedAt: _created, ...view } = build;
  return view;
}

/** A build as the API shows it: with its step history and the time spent in each step. */
export function withSteps(build: Build, steps: StepRecord[]) {
  const timings: StepTiming[] = [];
  for (const record of steps) {
    if (record.status === 'started') {
      timings.push({
        step: record.step,
        status: 'running',
        attempt: record.attempt,
        startedAt: record.at,
        endedAt: null,
        seconds: null,
      });
      continue;
    }
    const open = [...timings].reverse().find((t) => t.step === record.step && t.endedAt === null);
    const timing = open ?? {
      step: record.step,
      status: record.status,
      attempt: record.attempt,
      startedAt: null,
      endedAt: null,
      seconds: null,
    };
    timing.status = record.status;
    timing.endedAt = record.at;
    timing.seconds = timing.startedAt
      ? (new Date(record.at).getTime() - new Date(timing.startedAt).getTime()) / 1000
      : null;
    if (!open) timings.push(timing);
  }
  const { recipe: _recipe, sourceSpec: _sourceSpec, ...rest } = buildView(build);
  return { ...rest, steps: timings };
}
