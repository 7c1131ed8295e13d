import type { BuildRecipe, BuildStep, ImageSource } from '@ami/contracts';

export type BuildState =
  'queued' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'skipped' | 'cancelled';
export const ACTIVE_STATES: BuildState[] = ['queued', 'running'];

export interface ResolvedSource {
  imageId: string;
  region: string;
  description: string;
  parent: { family: string; version: string } | null;
}

/** A build: the notes' process as a row that workers advance one idempotent step at a time. */
export interface Build {
  id: string;
  family: string;
  state: BuildState;
  step: BuildStep;
  stepAttempt: number;
  stepStartedAt: Date;
  cancelRequested: boolean;
  force: boolean;
  reason: string;
  requestedBy: string;
  requestId: string;
  correlationId: string;
  idempotencyKey: string | null;
  retryOf: string | null;
  specVersion: number;
  recipe: BuildRecipe;
  recipeDigest: string;
  sourceSpec: ImageSource;
  source: ResolvedSource | null;
  instanceId: string | null;
  commandId: string | null;
  imageId: string | null;
  imageName: string | null;
  version: string | null;
  snapshotIds: string[];
  testInstanceId: string | null;
  failedStep: string | null;
  failureReason: string | null;
  cleanedUp: string[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Fields a step may set on its build. */
export type BuildPatch = Partial<
  Pick<
    Build,
    | 'source'
    | 'instanceId'
    | 'commandId'
    | 'imageId'
    | 'imageName'
    | 'version'
    | 'snapshotIds'
    | 'testInstanceId'
  >
>;

export interface StepRecord {
  step: string;
  status: 'started' | 'completed' | 'failed';
  attempt: number;
  at: Date;
  detail: Record<string, unknown> | null;
}
