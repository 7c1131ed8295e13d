import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { actorFrom, RequireRole } from '@ami/auth';
import { AppError, parsePageRequest, toPage } from '@ami/runtime';
import type { CopyJob } from './copy-job.types.js';
import { CopyCommands } from './copy-commands.use-case.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { checkState, cursorOf } from './copies.http-controller.js';

const SERVICE = 'ReplicatorService';

function toGrpcJob(j: CopyJob) {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : '');
  return {
    id: j.id,
    family: j.family,
    version: j.version,
    sourceRegion: j.sourceRegion,
    sourceImageId: j.sourceImageId,
    region: j.region,
    state: j.state,
    generation: j.generation,
    attempt: j.attempt,
    kmsKeyId: j.kmsKeyId ?? '',
    imageId: j.imageId ?? '',
    imageName: j.imageName ?? '',
    snapshotIds: j.snapshotIds,
    failureCode: j.failureCode ?? '',
    failureReason: j.failureReason ?? '',
    requestedBy: j.requestedBy,
    createdAt: iso(j.createdAt),
    copyStartedAt: iso(j.copyStartedAt),
    finishedAt: iso(j.finishedAt),
    releasedSpecVersion: j.releasedSpecVersion ?? 0,
  };
}

/** gRPC adapter over the replicator's use cases (libs/contracts/proto/ami/replicator/v1/replicator.proto). */
@Controller()
export class CopiesGrpcController {
  constructor(
    @Inject(CopyJobsRepository) private readonly jobs: CopyJobsRepository,
    @Inject(CopyCommands) private readonly commands: CopyCommands,
  ) {}

  @GrpcMethod(SERVICE, 'ListCopyJobs')
  async listCopyJobs(request: {
    family?: string;
    version?: string;
    region?: string;
    state?: string;
    limit?: number;
    cursor?: string;
  }) {
    checkState(request.state || undefined);
    const page = parsePageRequest(request.limit || undefined, request.cursor);
    const rows = await this.jobs.list(page, {
      family: request.family || undefined,
      version: request.version || undefined,
      region: request.region || undefined,
      state: request.state || undefined,
    });
    const result = toPage(rows, page, cursorOf);
    return { items: result.items.map(toGrpcJob), nextCursor: result.nextCursor ?? '' };
  }

  @GrpcMethod(SERVICE, 'GetCopyJob')
  async getCopyJob(request: { id: string }) {
    const job = await this.jobs.get(request.id);
    if (!job) throw AppError.notFound(`copy job ${request.id} not found`);
    return toGrpcJob(job);
  }

  @GrpcMethod(SERVICE, 'RetryCopyJob')
  @RequireRole('operator')
  async retryCopyJob(request: { id: string }, metadata: object) {
    return toGrpcJob(await this.commands.retry(request.id, actorFrom(metadata).name));
  }

  @GrpcMethod(SERVICE, 'RequestReplication')
  @RequireRole('operator')
  async requestReplication(request: { family: string; version: string }, metadata: object) {
    if (!request.family || !request.version)
      throw AppError.invalid('family and version are required', [
        { path: request.family ? 'version' : 'family', message: 'required' },
      ]);
    const outcome = await this.commands.requestReplication({
      family: request.family,
      version: request.version,
      actor: actorFrom(metadata).name,
    });
    return {
      family: outcome.family,
      version: outcome.version,
      queued: outcome.queued.map(toGrpcJob),
      existing: outcome.existing.map(toGrpcJob),
    };
  }
}
