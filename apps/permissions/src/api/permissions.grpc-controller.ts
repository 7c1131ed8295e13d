import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { actorFrom, RequireRole } from '@ami/auth';
import { z } from 'zod';
import { parseGrpcRequest, parsePageRequest, toPage } from '@ami/runtime';
import { DriftRepository } from '../drift/drift.repository.js';
import { ManualOverrides } from '../overrides/manual-overrides.use-case.js';
import { RequestReconcile } from '../reconcile/request-reconcile.use-case.js';
import type { StoredOverride } from '../sharing/family-sharing.repository.js';
import { PermissionsView } from './permissions-view.js';
import { DRIFT_CURSOR } from './permissions.http-controller.js';
import { familyName, overrideBody, versionName } from './permissions.http-schemas.js';

const SERVICE = 'PermissionsService';

/** The HTTP edge's schemas; proto3's '' and 0 (unset) become undefined first. */
const scopeRequest = z.object({ family: familyName, version: versionName.optional() });
const driftRequest = scopeRequest.extend({
  limit: z.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
});
const overrideRequest = overrideBody.extend({ family: familyName });

const toGrpcOverride = (o: StoredOverride) => ({
  id: o.id,
  effect: o.effect,
  kind: o.principal.kind,
  value: o.principal.value,
  version: o.version ?? '',
  expiresAt: o.expiresAt?.toISOString() ?? '',
});

const difference = (d: {
  resource: string;
  resourceId: string;
  principal: { kind: string; value: string };
  change: string;
}) => ({
  resource: d.resource,
  resourceId: d.resourceId,
  kind: d.principal.kind,
  value: d.principal.value,
  change: d.change,
});

/** gRPC adapter over the permissions use cases (libs/contracts/proto/ami/permissions/v1/permissions.proto). */
@Controller()
export class PermissionsGrpcController {
  constructor(
    @Inject(PermissionsView) private readonly view: PermissionsView,
    @Inject(DriftRepository) private readonly drift: DriftRepository,
    @Inject(ManualOverrides) private readonly overrides: ManualOverrides,
    @Inject(RequestReconcile) private readonly reconcile: RequestReconcile,
  ) {}

  @GrpcMethod(SERVICE, 'GetPermissions')
  async getPermissions(request: unknown) {
    const { family, version } = parseGrpcRequest(scopeRequest, request);
    const v = await this.view.family(family, version);
    return {
      family: v.family,
      specVersion: v.specVersion ?? 0,
      mode: v.sharing?.mode ?? '',
      lastReconciledAt: v.lastReconciledAt ?? '',
      versions: v.versions.map((version) => ({
        version: version.version,
        regions: version.regions.map((r) => ({
          region: r.region,
          imageId: r.imageId,
          imageState: r.imageState,
          desired: r.desired ?? undefined,
          actual: r.actual ?? undefined,
          desiredSnapshotAccounts: r.desiredSnapshotAccounts ?? [],
          failures: r.failures.map((f) => ({
            kind: f.principal.kind,
            value: f.principal.value,
            reason: f.reason,
          })),
          pending: r.pending,
          lastAppliedAt: r.lastAppliedAt ?? '',
          lastReconciledAt: r.lastReconciledAt ?? '',
          blockPublicAccess: r.blockPublicAccess ?? '',
          lastError: r.lastError ?? '',
        })),
      })),
    };
  }

  @GrpcMethod(SERVICE, 'ListDrift')
  async listDrift(request: unknown) {
    const { family, version, limit, cursor } = parseGrpcRequest(driftRequest, request);
    const page = parsePageRequest(limit, cursor, { key: DRIFT_CURSOR });
    const result = toPage(await this.drift.list(family, page, version), page, (d) => d.id);
    return {
      items: result.items.map((d) => ({
        id: d.id,
        version: d.version,
        region: d.region,
        imageId: d.imageId,
        mode: d.mode,
        differences: d.differences.map(difference),
        repaired: d.repaired.map(difference),
        foundAt: d.foundAt ?? '',
      })),
      nextCursor: result.nextCursor ?? '',
    };
  }

  @GrpcMethod(SERVICE, 'RequestReconcile')
  @RequireRole('operator')
  async requestReconcile(request: unknown, metadata: object) {
    const { family, version } = parseGrpcRequest(scopeRequest, request);
    const out = await this.reconcile.family(family, version, actorFrom(metadata).name);
    return { copies: out.copies };
  }

  @GrpcMethod(SERVICE, 'Grant')
  @RequireRole('admin')
  grant(request: unknown, metadata: object) {
    return this.override('grant', request, metadata);
  }

  @GrpcMethod(SERVICE, 'Revoke')
  @RequireRole('admin')
  revoke(request: unknown, metadata: object) {
    return this.override('revoke', request, metadata);
  }

  private async override(effect: 'grant' | 'revoke', request: unknown, metadata: object) {
    const r = parseGrpcRequest(overrideRequest, request);
    const stored = await this.overrides.add({
      ...r,
      // proto3 cannot send an absent list or flag: empty lists and false are "none"
      public: r.public || undefined,
      effect,
      actor: actorFrom(metadata).name,
    });
    return { overrides: stored.map(toGrpcOverride) };
  }
}
