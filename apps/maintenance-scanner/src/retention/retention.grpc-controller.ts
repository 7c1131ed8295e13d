import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { AppError } from '@ami/runtime';
import { familyParam } from '../scans/maintenance.http-schemas.js';
import { RetentionRepository } from './retention.repository.js';
import { planIdParam } from './retention.http-schemas.js';

/** gRPC adapter over retention plans (ami.maintenance.v1.MaintenanceService, reader). */
@Controller()
export class RetentionGrpcController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RetentionRepository) private readonly plans: RetentionRepository,
  ) {}

  @GrpcMethod('MaintenanceService', 'GetRetentionPlan')
  async getRetentionPlan(request: { family?: string; planId?: string }) {
    let found;
    if (request.planId) {
      if (!planIdParam.safeParse(request.planId).success)
        throw AppError.invalid('plan_id must be a plan id (a UUID)', [
          { path: 'plan_id', message: 'a UUID' },
        ]);
      found = await this.plans.plan(this.db, request.planId);
      if (!found) throw AppError.notFound(`no retention plan ${request.planId}`);
    } else {
      if (!request.family || !familyParam.safeParse(request.family).success)
        throw AppError.invalid('give plan_id, or family (a family name)', [
          { path: 'family', message: 'lowercase letters, digits and dashes' },
        ]);
      found = await this.plans.latestPlan(this.db, request.family);
      if (!found) throw AppError.notFound(`family ${request.family} has no retention plan yet`);
    }
    const { plan, actions } = found;
    return {
      planId: plan.id,
      family: plan.family,
      state: plan.state,
      mode: plan.policy.retentionMode,
      createdAt: plan.createdAt.toISOString(),
      bytesRecovered: plan.bytesRecovered,
      actions: actions.map((a) => ({
        seq: a.seq,
        version: a.version,
        account: a.account,
        region: a.region,
        imageId: a.imageId,
        action: a.action,
        snapshotId: a.snapshotId ?? '',
        state: a.state,
        reason: a.reason ?? '',
      })),
      kept: plan.kept.map((k) => ({ version: k.version, reasons: k.reasons })),
    };
  }
}
