import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { RpcException } from '@nestjs/microservices';
import { actorFrom, RequireRole } from '@ami/auth';
import { AppError, parsePageRequest, toPage } from '@ami/runtime';
import { MoveChannel } from '../channels/move-channel.use-case.js';
import { ApplyFamilySpec } from '../families/apply-family-spec.use-case.js';
import { FamiliesRepository } from '../families/families.repository.js';
import { parseSpecDocument } from '../families/parse-spec-document.js';
import { ImportImages } from '../imports/import-images.use-case.js';
import { LineageService } from '../lineage/lineage.service.js';
import { RequestRebuild } from '../rebuilds/request-rebuild.use-case.js';
import { ResolveService } from '../resolve/resolve.service.js';
import { VersionsRepository } from '../versions/versions.repository.js';
import { toGrpcFamily, toGrpcVersion } from './grpc-mappers.js';

const SERVICE = 'CatalogService';
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
  resolveImage(request: { family: string; channel?: string; region: string }) {
    const channel = request.channel || 'prod';
    const region = required(request.region, 'region');
    return this.resolver.resolve(request.family, channel, region);
  }

  @GrpcMethod(SERVICE, 'ListFamilies')
  async listFamilies(request: {
    limit?: number;
    cursor?: string;
    owner?: string;
    parent?: string;
  }) {
    const page = parsePageRequest(request.limit || undefined, request.cursor);
    const result = toPage(
      await this.families.list(page, {
        owner: request.owner || undefined,
        parent: request.parent || undefined,
      }),
      page,
      (f) => f.name,
    );
    return {
      items: result.items.map((f) => toGrpcFamily(f, null)),
      nextCursor: result.nextCursor ?? '',
    };
  }

  @GrpcMethod(SERVICE, 'GetFamily')
  async getFamily(request: { family: string }) {
    const family = await this.families.get(request.family);
    if (!family) throw AppError.notFound(`family ${request.family} not found`);
    return toGrpcFamily(family, (await this.families.currentSpec(request.family))?.spec ?? null);
  }

  @GrpcMethod(SERVICE, 'ApplySpec')
  @RequireRole('admin')
  applySpecDocument(request: { document: string }, metadata: object) {
    const text = required(request.document, 'document');
    const document = text.trimStart().startsWith('{')
      ? safeJson(text)
      : parseSpecDocument(text, 'application/yaml');
    return this.applySpec.execute({ document, actor: actorFrom(metadata).name });
  }

  @GrpcMethod(SERVICE, 'ListVersions')
  async listVersions(request: {
    family: string;
    limit?: number;
    cursor?: string;
    region?: string;
    state?: string;
  }) {
    if (!(await this.families.get(request.family)))
      throw AppError.notFound(`family ${request.family} not found`);
    const page = parsePageRequest(request.limit || undefined, request.cursor);
    const rows = await this.versions.list(request.family, page, {
      region: request.region || undefined,
      state: request.state || undefined,
    });
    const result = toPage(rows, page, (v) => `${new Date(v.createdAt).toISOString()}|${v.version}`);
    return { items: result.items.map(toGrpcVersion), nextCursor: result.nextCursor ?? '' };
  }

  @GrpcMethod(SERVICE, 'GetVersion')
  async getVersion(request: { family: string; version: string }) {
    const version = await this.versions.get(request.family, request.version);
    if (!version)
      throw AppError.notFound(`version ${request.version} of family ${request.family} not found`);
    return toGrpcVersion(version);
  }

  @GrpcMethod(SERVICE, 'Promote')
  @RequireRole('operator')
  async promote(
    request: { family: string; channel: string; version: string; force?: boolean; reason?: string },
    metadata: object,
  ) {
    const moved = await this.moves.promote({
      ...caller(metadata),
      family: request.family,
      channel: request.channel,
      version: required(request.version, 'version'),
      force: request.force,
      reason: request.reason || undefined,
    });
    return { ...moved, previousVersion: moved.previousVersion ?? '' };
  }

  @GrpcMethod(SERVICE, 'Rollback')
  @RequireRole('operator')
  async rollback(request: { family: string; channel: string; reason?: string }, metadata: object) {
    const moved = await this.moves.rollback({
      ...caller(metadata),
      family: request.family,
      channel: request.channel,
      reason: request.reason || undefined,
    });
    return { ...moved, previousVersion: moved.previousVersion ?? '' };
  }

  @GrpcMethod(SERVICE, 'GetLineage')
  async getLineage(request: { family: string; version: string }) {
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
    request: { family: string; reason: string; idempotencyKey?: string; force?: boolean },
    metadata: object,
  ) {
    return this.rebuilds.execute({
      family: request.family,
      reason: required(request.reason, 'reason'),
      actor: actorFrom(metadata).name,
      idempotencyKey: request.idempotencyKey || undefined,
      force: request.force || undefined,
    });
  }

  @GrpcMethod(SERVICE, 'ImportImages')
  @RequireRole('admin')
  importImages(request: { family: string; region: string; imageIds: string[] }, metadata: object) {
    return this.imports.execute({
      family: request.family,
      region: required(request.region, 'region'),
      imageIds: request.imageIds,
      actor: actorFrom(metadata).name,
    });
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
