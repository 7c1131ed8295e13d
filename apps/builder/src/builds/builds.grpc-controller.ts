import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { actorFrom, RequireRole } from '@ami/auth';
import { z } from 'zod';
import { AppError, parseGrpcRequest, parsePageRequest, TIME_KEY, toPage } from '@ami/runtime';
import type { Build, StepRecord } from './build.types.js';
import { BuildCommands } from './build-commands.use-case.js';
import type { BuildRequestOutcome } from './request-build.use-case.js';
import { BuildsRepository } from './builds.repository.js';
import { buildIdParam, listBuildsQuery, requestBuildBody } from './builds.http-schemas.js';

const SERVICE = 'BuilderService';
// The HTTP API's schemas (builds.http-schemas.ts), so both transports accept the same values.
const buildId = z.object({ id: buildIdParam.schema });
const requestBuild = z.object({ ...requestBuildBody.shape });
const BUILD_CURSOR = TIME_KEY('[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');

function toGrpcBuild(b: Build, steps: StepRecord[] = []) {
  return {
    id: b.id,
    family: b.family,
    state: b.state,
    step: b.step,
    version: b.version ?? '',
    imageId: b.imageId ?? '',
    sourceImageId: b.source?.imageId ?? '',
    instanceId: b.instanceId ?? '',
    failureReason: b.failureReason ?? '',
    cleanedUp: b.cleanedUp,
    createdAt: new Date(b.createdAt).toISOString(),
    finishedAt: b.finishedAt ? new Date(b.finishedAt).toISOString() : '',
    steps: steps.map((s) => ({
      step: s.step,
      status: s.status,
      attempt: s.attempt,
      at: new Date(s.at).toISOString(),
    })),
    reason: b.reason,
    requestedBy: b.requestedBy,
  };
}

const toGrpcOutcome = (o: BuildRequestOutcome) => ({
  outcome: o.outcome,
  buildId: 'buildId' in o ? o.buildId : '',
  reason: 'reason' in o ? o.reason : 'why' in o ? o.why : '',
});

/** gRPC adapter over the builder's use cases (libs/contracts/proto/ami/builder/v1/builder.proto). */
@Controller()
export class BuildsGrpcController {
  constructor(
    @Inject(BuildsRepository) private readonly builds: BuildsRepository,
    @Inject(BuildCommands) private readonly commands: BuildCommands,
  ) {}

  @GrpcMethod(SERVICE, 'ListBuilds')
  async listBuilds(raw: { family?: string; state?: string; limit?: number; cursor?: string }) {
    const request = parseGrpcRequest(listBuildsQuery, raw);
    const page = parsePageRequest(request.limit, request.cursor, { key: BUILD_CURSOR });
    const rows = await this.builds.list(page, {
      family: request.family || undefined,
      state: request.state || undefined,
    });
    const result = toPage(rows, page, (b) => `${new Date(b.createdAt).toISOString()}|${b.id}`);
    return { items: result.items.map((b) => toGrpcBuild(b)), nextCursor: result.nextCursor ?? '' };
  }

  @GrpcMethod(SERVICE, 'GetBuild')
  async getBuild(raw: { id: string }) {
    const request = parseGrpcRequest(buildId, raw);
    const build = await this.builds.get(request.id);
    if (!build) throw AppError.notFound(`build ${request.id} not found`);
    return toGrpcBuild(build, await this.builds.steps(build.id));
  }

  @GrpcMethod(SERVICE, 'RequestBuild')
  @RequireRole('operator')
  async requestBuild(
    raw: { family: string; reason: string; idempotencyKey?: string; force?: boolean },
    metadata: object,
  ) {
    const request = parseGrpcRequest(requestBuild, raw);
    const outcome = await this.commands.request({
      family: request.family,
      reason: request.reason,
      actor: actorFrom(metadata).name,
      idempotencyKey: request.idempotencyKey || undefined,
      force: request.force || undefined,
    });
    return toGrpcOutcome(outcome);
  }

  @GrpcMethod(SERVICE, 'CancelBuild')
  @RequireRole('operator')
  async cancelBuild(raw: { id: string }, metadata: object) {
    const { id } = parseGrpcRequest(buildId, raw);
    return toGrpcBuild(await this.commands.cancel(id, actorFrom(metadata).name));
  }

  @GrpcMethod(SERVICE, 'RetryBuild')
  @RequireRole('operator')
  async retryBuild(raw: { id: string }, metadata: object) {
    const { id } = parseGrpcRequest(buildId, raw);
    return toGrpcOutcome(await this.commands.retry(id, actorFrom(metadata).name));
  }
}
