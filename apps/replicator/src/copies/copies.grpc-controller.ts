import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { actorFrom, RequireRole } from '@ami/auth';
import { z } from 'zod';
import { AppError, parseGrpcRequest, parsePageRequest, toPage } from '@ami/runtime';
import type { CopyJob } from './copy-job.types.js';
import { CopyCommands } from './copy-commands.use-case.js';
import { CopyJobsRepository } from './copy-jobs.repository.js';
import { COPY_CURSOR, cursorOf } from './copies.http-controller.js';
import { copyIdSchema, listCopiesQuery, replicationBody } from './copies.http-schemas.js';

const SERVICE = 'ReplicatorService';
/** The HTTP edge's schemas; proto3's '' and 0 (unset) become undefined first. */
const listRequest = listCopiesQuery.extend({
  limit: z.number().int().min(1).max(500).optional(),
});
const idRequest = z.object({ id: copyIdSchema });

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
  async listCopyJobs(request: unknown) {
    const { limit, cursor, family, version, region, state } = parseGrpcRequest(
      listRequest,
      request,
    );
    const page = parsePageRequest(limit, cursor, { key: COPY_CURSOR });
    const rows = await this.jobs.list(page, { family, version, region, state });
    const result = toPage(rows, page, cursorOf);
    return { items: result.items.map(toGrpcJob), nextCursor: result.nextCursor ?? '' };
  }

  @GrpcMethod(SERVICE, 'GetCopyJob')
  async getCopyJob(request: unknown) {
    const { id } = parseGrpcRequest(idRequest, request);
    const job = await this.jobs.get(id);
    if (!job) throw AppError.notFound(`copy job ${id} not found`);
    return toGrpcJob(job);
  }

  @GrpcMethod(SERVICE, 'RetryCopyJob')
  @RequireRole('operator')
  async retryCopyJob(request: unknown, metadata: object) {
    const { id } = parseGrpcRequest(idRequest, request);
    return toGrpcJob(await this.commands.retry(id, actorFrom(metadata).name));
  }

  @GrpcMethod(SERVICE, 'RequestReplication')
  @RequireRole('operator')
  async requestReplication(request: unknown, metadata: object) {
    const { family, version } = parseGrpcRequest(replicationBody, request);
    const outcome = await this.commands.requestReplication({
      family,
      version,
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
