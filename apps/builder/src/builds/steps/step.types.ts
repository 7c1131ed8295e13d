import type { BuildStep } from '@ami/contracts';
import type { Build, BuildPatch } from '../build.types.js';

export type StepResult =
  /** The step is done: move on (patch is saved with the move). */
  | { kind: 'next'; next: BuildStep; patch?: BuildPatch; detail?: Record<string, unknown> }
  /** Not done yet (an instance still starting, a command still running): look again later. */
  | { kind: 'wait'; patch?: BuildPatch; delayMs?: number }
  /** The whole build succeeded (the last step). */
  | { kind: 'succeeded' }
  /** Nothing changed since the last build: stop without launching anything. */
  | { kind: 'skipped'; reason: string }
  /** The request cannot be built (bad source): stop before launching anything. */
  | { kind: 'rejected'; reason: string };

/** One idempotent step of the build process: safe to run again after a crash at any point. */
export interface BuildStepHandler {
  readonly step: BuildStep;
  run(build: Build): Promise<StepResult>;
}

/** An error retrying cannot fix (a failed customisation command, an image that failed). */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

export const BUILD_TAG = 'ami-factory:build-id';
export const FAMILY_TAG = 'ami-factory:family';

export function buildTags(build: Build, extra: Record<string, string> = {}) {
  return [
    { Key: BUILD_TAG, Value: build.id },
    { Key: FAMILY_TAG, Value: build.family },
    ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value })),
  ];
}
