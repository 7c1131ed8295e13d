import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { actorFrom, RequireRole } from '@ami/auth';
import { AppError, parsePageRequest, toPage } from '@ami/runtime';
import { DriftRepository } from '../drift/drift.repository.js';
import { ManualOverrides } from '../overrides/manual-overrides.use-case.js';
import { RequestReconcile } from '../reconcile/request-reconcile.use-case.js';
import type { StoredOverride } from '../sharing/family-sharing.repository.js';
import { PermissionsView } from './permissions-view.js';

const SERVICE = 'PermissionsService';

interface OverrideRequest {
  family: string;
  version?: string;
  accounts?: string[];
  organizationArns?: string[];
  organizationalUnitArns?: string[];
  public?: boolean;
  expiresAt?: string;
  reason: string;
}

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
  async getPermissions(request: { family: string; version?: string }) {
    const v = await this.view.family(request.family, request.version || undefined);
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
  async listDrift(request: { family: string; version?: string; limit?: number; cursor?: string }) {
    const page = parsePageRequest(request.limit || undefined, request.cursor);
    if (page.after !== undefined && !/^\d+$/.test(page.after))
      throw AppError.invalid('cursor is not valid', [
        { path: 'cursor', message: 'not a cursor from this API' },
      ]);
    const result = toPage(
      await this.drift.list(request.family, page, request.version || undefined),
      page,
      (d) => d.id,
    );
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
  async requestReconcile(request: { family: string; version?: string }, metadata: object) {
    const out = await this.reconcile.family(
      request.family,
      request.version || undefined,
      actorFrom(metadata).name,
    );
    return { copies: out.copies };
  }

  @GrpcMethod(SERVICE, 'Grant')
  @RequireRole('admin')
  grant(request: OverrideRequest, metadata: object) {
    return this.override('grant', request, metadata);
  }

  @GrpcMethod(SERVICE, 'Revoke')
  @RequireRole('admin')
  revoke(request: OverrideRequest, metadata: object) {
    return this.override('revoke', request, metadata);
  }

  private async override(effect: 'grant' | 'revoke', r: OverrideRequest, metadata: object) {
    if (!r.reason)
      throw AppError.invalid('reason is required', [{ path: 'reason', message: 'required' }]);
    const stored = await this.overrides.add({
      family: r.family,
      effect,
      version: r.version || undefined,
      accounts: r.accounts,
      organizationArns: r.organizationArns,
      organizationalUnitArns: r.organizationalUnitArns,
      public: r.public || undefined,
      expiresAt: r.expiresAt || undefined,
      reason: r.reason,
      actor: actorFrom(metadata).name,
    });
    return { overrides: stored.map(toGrpcOverride) };
  }
}
