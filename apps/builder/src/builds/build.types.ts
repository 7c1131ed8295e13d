import type { BuildRecipe, BuildStep, ImageSource } from '@ami/contracts';
import type { Lease } from '@ami/jobs';

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
  /** Which of the recipe's testSteps runs next on the test instance, and its SSM command. */
  testStepIndex: number;
  testCommandId: string | null;
  /** When the build last created an AWS resource: EC2 may not show it for a while after. */
  resourceCreatedAt: Date | null;
  /** The lease this worker claimed the build under (owner and fencing epoch), if claimed. */
  lease: Lease | null;
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
    | 'testStepIndex'
    | 'testCommandId'
  >
>;

/** Patch fields naming a resource just created in AWS (starts the not-visible-yet window). */
export const CREATED_RESOURCE_FIELDS: Array<keyof BuildPatch> = [
  'instanceId',
  'commandId',
  'imageId',
  'testInstanceId',
  'testCommandId',
];

export interface StepRecord {
  step: string;
  status: 'started' | 'completed' | 'failed';
  attempt: number;
  at: Date;
  detail: Record<string, unknown> | null;
}
