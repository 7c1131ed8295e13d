import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { RpcException } from '@nestjs/microservices';
import { actorFrom, RequireRole } from '@ami/auth';
import { z } from 'zod';
import {
  AppError,
  parseGrpcRequest,
  parsePageRequest,
  TIME_KEY,
  toPage,
  text,
  unstorableText,
} from '@ami/runtime';
import { channelName, ec2Region, familyName, region, versionName } from '../api/catalog-params.js';
import { listFamiliesQuery } from '../families/families.http-schemas.js';
import { listVersionsQuery } from '../versions/versions.http-schemas.js';
import { MoveChannel } from '../channels/move-channel.use-case.js';
import { ApplyFamilySpec } from '../families/apply-family-spec.use-case.js';
import { FamiliesRepository } from '../families/families.repository.js';
import { parseSpecDocument } from '../families/parse-spec-document.js';
import { ImportImages } from '../imports/import-images.use-case.js';
import { LineageService } from '../lineage/lineage.service.js';
import { RequestRebuild } from '../rebuilds/request-rebuild.use-case.js';
import { MAX_BATCH_KEYS, ResolveService } from '../resolve/resolve.service.js';
import { VersionsRepository } from '../versions/versions.repository.js';
import { toGrpcFamily, toGrpcVersion } from './grpc-mappers.js';

const SERVICE = 'CatalogService';
// The HTTP API's parameter schemas, so both transports accept exactly the same values.
const familyRequest = z.object({ family: familyName });
const versionRequest = z.object({ family: familyName, version: versionName });
const resolveRequest = z.object({
  family: familyName,
  channel: channelName.default('prod'),
  region,
});
const batchResolveRequest = z.object({
  keys: z.array(resolveRequest).min(1).max(MAX_BATCH_KEYS),
});
const promoteRequest = z.object({
  family: familyName,
  channel: channelName,
  version: versionName,
  force: z.boolean().optional(),
  reason: text({ max: 500 }).optional(),
});
const rollbackRequest = z.object({
  family: familyName,
  channel: channelName,
  reason: text({ max: 500 }).optional(),
});
const rebuildRequest = z.object({
  family: familyName,
  reason: text({ min: 1, max: 500 }),
  idempotencyKey: text({ min: 1, max: 200 }).optional(),
  force: z.boolean().optional(),
});
const importRequest = z.object({
  family: familyName,
  region: ec2Region,
  imageIds: z
    .array(z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'must be an AMI id'))
    .min(1)
    .max(1000),
});
const listVersionsRequest = z.object({ family: familyName, ...listVersionsQuery.shape });
const VERSION_CURSOR = TIME_KEY('\\d{4}\\.\\d{2}\\.\\d{2}-i?\\d{1,9}');
const caller = (metadata: object) => {
  const actor = actorFrom(metadata);
  return { actor: actor.name, isAdmin: actor.roles.includes('admin') };
};
const required = (value: string | undefined, name: string) => {
  if (!value) throw AppError.invalid(`${name} is required`, [{ path: name, message: 'required' }]);
  return value;
};

/** gRPC adapter over the catalog's use cases (libs/contracts/proto/ami/catalog/v1/catalog.proto). */
@Controller()
export class CatalogGrpcController {
  constructor(
    @Inject(ResolveService) private readonly resolver: ResolveService,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(ApplyFamilySpec) private readonly applySpec: ApplyFamilySpec,
    @Inject(MoveChannel) private readonly moves: MoveChannel,
    @Inject(LineageService) private readonly lineageService: LineageService,
    @Inject(RequestRebuild) private readonly rebuilds: RequestRebuild,
    @Inject(ImportImages) private readonly imports: ImportImages,
  ) {}

  @GrpcMethod(SERVICE, 'ResolveImage')
  resolveImage(raw: { family: string; channel?: string; region: string }) {
    const request = parseGrpcRequest(resolveRequest, raw);
    return this.resolver.resolve(request.family, request.channel, request.region);
  }

  @GrpcMethod(SERVICE, 'BatchResolveImages')
  async batchResolveImages(raw: {
    keys?: Array<{ family: string; channel?: string; region: string }>;
  }) {
    // proto3 sends '' for an unset field: within each key too, so channel defaults to prod.
    const keys = (raw.keys ?? []).map((key) =>
      Object.fromEntries(Object.entries(key).filter(([, value]) => value !== '')),
    );
    const request = parseGrpcRequest(batchResolveRequest, { keys });
    const results = await this.resolver.resolveMany(request.keys);
    return {
      results: results.map((r) =>
        r.found
          ? {
              family: r.family,
              channel: r.channel,
              region: r.region,
              found: true,
              image: r.image,
              detail: '',
            }
          : {
              family: r.family,
              channel: r.channel,
              region: r.region,
              found: false,
              detail: r.detail,
            },
      ),
    };
  }

  @GrpcMethod(SERVICE, 'ListFamilies')
  async listFamilies(raw: { limit?: number; cursor?: string; owner?: string; parent?: string }) {
    const request = parseGrpcRequest(listFamiliesQuery, raw);
    const page = parsePageRequest(request.limit, request.cursor, {
      key: /^[a-z0-9][a-z0-9-]{0,62}$/,
    });
    const result = toPage(
      await this.families.list(page, { owner: request.owner, parent: request.parent }),
      page,
      (f) => f.name,
    );
    return {
      items: result.items.map((f) => toGrpcFamily(f, null)),
      nextCursor: result.nextCursor ?? '',
    };
  }

  @GrpcMethod(SERVICE, 'GetFamily')
  async getFamily(raw: { family: string }) {
    const request = parseGrpcRequest(familyRequest, raw);
    const family = await this.families.get(request.family);
    if (!family) throw AppError.notFound(`family ${request.family} not found`);
    return toGrpcFamily(family, (await this.families.currentSpec(request.family))?.spec ?? null);
  }

  @GrpcMethod(SERVICE, 'ApplySpec')
  @RequireRole('admin')
  applySpecDocument(request: { document: string }, metadata: object) {
    const source = required(request.document, 'document');
    const document = source.trimStart().startsWith('{')
      ? safeJson(source)
      : parseSpecDocument(source, 'application/yaml');
    const problems = unstorableText(document);
    if (problems.length)
      throw AppError.invalid('the spec holds text that cannot be stored', problems);
    return this.applySpec.execute({ document, actor: actorFrom(metadata).name });
  }

  @GrpcMethod(SERVICE, 'ListVersions')
  async listVersions(raw: {
    family: string;
    limit?: number;
    cursor?: string;
    region?: string;
    state?: string;
  }) {
    const request = parseGrpcRequest(listVersionsRequest, raw);
    const page = parsePageRequest(request.limit, request.cursor, { key: VERSION_CURSOR });
    if (!(await this.families.get(request.family)))
      throw AppError.notFound(`family ${request.family} not found`);
    const rows = await this.versions.list(request.family, page, {
      region: request.region,
      state: request.state,
    });
    const result = toPage(rows, page, (v) => `${new Date(v.createdAt).toISOString()}|${v.version}`);
    return { items: result.items.map(toGrpcVersion), nextCursor: result.nextCursor ?? '' };
  }

  @GrpcMethod(SERVICE, 'GetVersion')
  async getVersion(raw: { family: string; version: string }) {
    const request = parseGrpcRequest(versionRequest, raw);
    const version = await this.versions.get(request.family, request.version);
    if (!version)
      throw AppError.notFound(`version ${request.version} of family ${request.family} not found`);
    return toGrpcVersion(version);
  }

  @GrpcMethod(SERVICE, 'Promote')
  @RequireRole('operator')
  async promote(
    raw: { family: string; channel: string; version: string; force?: boolean; reason?: string },
    metadata: object,
  ) {
    const request = parseGrpcRequest(promoteRequest, raw);
    const moved = await this.moves.promote({ ...caller(metadata), ...request });
    return { ...moved, previousVersion: moved.previousVersion ?? '' };
  }

  @GrpcMethod(SERVICE, 'Rollback')
  @RequireRole('operator')
  async rollback(raw: { family: string; channel: string; reason?: string }, metadata: object) {
    const request = parseGrpcRequest(rollbackRequest, raw);
    const moved = await this.moves.rollback({ ...caller(metadata), ...request });
    return { ...moved, previousVersion: moved.previousVersion ?? '' };
  }

  @GrpcMethod(SERVICE, 'GetLineage')
  async getLineage(raw: { family: string; version: string }) {
    const request = parseGrpcRequest(versionRequest, raw);
    const lineage = await this.lineageService.lineage(request.family, request.version);
    const node = (
      n: { family: string; version: string; sourceImageId: string | null },
      depth = 0,
    ) => ({ family: n.family, version: n.version, sourceImageId: n.sourceImageId ?? '', depth });
    return {
      version: node(lineage.version),
      ancestors: lineage.ancestors.map((a, i) => node(a, i + 1)),
      rootSourceImageId: lineage.rootSourceImageId ?? '',
      descendants: lineage.descendants.map((d) => node(d, d.depth)),
    };
  }

  @GrpcMethod(SERVICE, 'RequestRebuild')
  @RequireRole('operator')
  requestRebuild(
    raw: { family: string; reason: string; idempotencyKey?: string; force?: boolean },
    metadata: object,
  ) {
    const request = parseGrpcRequest(rebuildRequest, raw);
    return this.rebuilds.execute({
      ...request,
      force: request.force || undefined,
      actor: actorFrom(metadata).name,
    });
  }

  @GrpcMethod(SERVICE, 'ImportImages')
  @RequireRole('admin')
  importImages(raw: { family: string; region: string; imageIds: string[] }, metadata: object) {
    const request = parseGrpcRequest(importRequest, raw);
    return this.imports.execute({ ...request, actor: actorFrom(metadata).name });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RpcException({
      code: 3,
      message: `document is not valid JSON: ${(error as Error).message}`,
    });
  }
}
