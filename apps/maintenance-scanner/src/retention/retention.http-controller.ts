import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { CurrentActor, RequireRole, type Actor } from '@ami/auth';
import { APP_CONFIG } from '@ami/config';
import { ApiAnswers, AppError } from '@ami/runtime';
import type { MaintenanceScannerConfig } from '../config/maintenance-scanner.config.js';
import { familyParam } from '../scans/maintenance.http-schemas.js';
import { ScansRepository } from '../scans/scans.repository.js';
import { RestoreVersion } from './restore-version.use-case.js';
import { RetentionExecutor } from './retention-executor.service.js';
import { RetentionPlanner } from './retention-planner.js';
import { RetentionRepository, type StoredAction, type StoredPlan } from './retention.repository.js';
import {
  planIdParam,
  planSchema,
  restoreBody,
  restoreResult,
  storageResult,
  versionParam,
} from './retention.http-schemas.js';

@ApiTags('retention')
@Controller('v1/maintenance')
export class RetentionHttpController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ScansRepository) private readonly scans: ScansRepository,
    @Inject(RetentionRepository) private readonly plans: RetentionRepository,
    @Inject(RetentionPlanner) private readonly planner: RetentionPlanner,
    @Inject(RetentionExecutor) private readonly executor: RetentionExecutor,
    @Inject(RestoreVersion) private readonly restoration: RestoreVersion,
    @Inject(APP_CONFIG) private readonly config: MaintenanceScannerConfig,
  ) {}

  @Post('families/:family/retention/plans')
  @HttpCode(201)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'A dry run: computes and stores what retention would deprecate, disable and retire now, what it keeps and why, and the bytes it would recover. Nothing is changed until the plan is executed',
  })
  @ApiAnswers(
    { status: 201, description: 'the stored plan', schema: planSchema },
    { 404: 'no such family', 409: 'a plan of the family is executing' },
  )
  async plan(
    @Param('family', { schema: familyParam }) family: string,
    @CurrentActor() actor: Actor,
  ) {
    const known = await this.scans.family(this.db, family);
    if (!known)
      throw AppError.notFound(
        `family ${family} is not known to the scanner (apply its spec first)`,
      );
    const executing = await this.plans.executing(this.db, family);
    if (executing)
      throw AppError.conflict(
        `plan ${executing} of ${family} is executing; plan again once it is done`,
      );
    const [plan] = await this.planner.plan(
      [{ family, maintenance: known.maintenance }],
      'api',
      actor.name,
    );
    return this.view(plan!.id);
  }

  @Get('families/:family/retention/plans/latest')
  @ApiOperation({
    summary:
      "The family's newest retention plan (scheduled or asked for), with its actions' outcomes",
  })
  @ApiAnswers(
    { description: 'the plan', schema: planSchema },
    { 404: 'no such family, or no plan yet' },
  )
  async latest(@Param('family', { schema: familyParam }) family: string) {
    const found = await this.plans.latestPlan(this.db, family);
    if (!found) throw AppError.notFound(`family ${family} has no retention plan yet`);
    return toView(found.plan, found.actions);
  }

  @Get('retention/plans/:planId')
  @ApiOperation({ summary: 'A retention plan, with what each of its actions did' })
  @ApiAnswers({ description: 'the plan', schema: planSchema }, { 404: 'no such plan' })
  view(@Param('planId', { schema: planIdParam }) planId: string) {
    return this.plans.plan(this.db, planId).then((found) => {
      if (!found) throw AppError.notFound(`no retention plan ${planId}`);
      return toView(found.plan, found.actions);
    });
  }

  @Post('retention/plans/:planId/execute')
  @HttpCode(202)
  @RequireRole('admin')
  @ApiOperation({
    summary:
      'Executes exactly a stored dry-run plan (usage is checked again before each disable and deregistration)',
  })
  @ApiAnswers(
    { status: 202, description: 'executing; follow it with GET', schema: planSchema },
    {
      404: 'no such plan',
      409: 'the plan is not a dry run waiting to be executed (executing, done or superseded), another plan of the family is executing, or it is older than RETENTION_PLAN_TTL_MS',
    },
  )
  async execute(
    @Param('planId', { schema: planIdParam }) planId: string,
    @CurrentActor() actor: Actor,
  ) {
    const found = await this.plans.plan(this.db, planId);
    if (!found) throw AppError.notFound(`no retention plan ${planId}`);
    const age = Date.now() - found.plan.createdAt.getTime();
    if (found.plan.state === 'planned' && age > this.config.RETENTION_PLAN_TTL_MS)
      throw AppError.conflict(
        `plan ${planId} is ${Math.round(age / 60_000)} minutes old (RETENTION_PLAN_TTL_MS ${this.config.RETENTION_PLAN_TTL_MS}); plan again`,
      );
    const { started, state } = await this.plans.startExecuting(this.db, planId, actor.name);
    if (!started)
      throw AppError.conflict(
        state === 'planned'
          ? `another plan of ${found.plan.family} is executing`
          : `plan ${planId} is ${state}${state === 'superseded' ? ' by a newer plan' : ''}; only a dry run not yet executed can be`,
      );
    this.executor.nudge();
    return this.view(planId);
  }

  @Post('families/:family/versions/:version/restore')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'Brings a deprecated or disabled version back in every copy (EnableImage, deprecation cancelled) and holds it, so retention leaves it alone',
  })
  @ApiAnswers(
    { description: 'what became of each copy', schema: restoreResult },
    { 404: 'no such family or version' },
  )
  restore(
    @Param('family', { schema: familyParam }) family: string,
    @Param('version', { schema: versionParam }) version: string,
    @Body({ schema: restoreBody }) body: z.output<typeof restoreBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.restoration.restore({ family, version, actor: actor.name, reason: body.reason });
  }

  @Delete('families/:family/versions/:version/hold')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Releases a hold: retention considers the version again' })
  @ApiAnswers({ status: 204, description: 'released' }, { 404: 'the version is not held' })
  async release(
    @Param('family', { schema: familyParam }) family: string,
    @Param('version', { schema: versionParam }) version: string,
    @CurrentActor() actor: Actor,
  ) {
    await this.restoration.release(family, version, actor.name);
  }

  @Get('families/:family/storage')
  @ApiOperation({
    summary:
      "A family's snapshot storage (GiB), AMI count against the AMI quota, and orphaned snapshots, per account and region, from its newest retention plan",
  })
  @ApiAnswers(
    { description: 'storage and quota', schema: storageResult },
    { 404: 'no such family, or no plan yet' },
  )
  async storage(@Param('family', { schema: familyParam }) family: string) {
    const found = await this.plans.latestPlan(this.db, family);
    if (!found)
      throw AppError.notFound(
        `family ${family} has no retention plan yet (POST .../retention/plans makes one)`,
      );
    return {
      family,
      planId: found.plan.id,
      measuredAt: found.plan.createdAt.toISOString(),
      storage: found.plan.storage,
    };
  }
}

function toView(plan: StoredPlan, actions: StoredAction[]) {
  const count = (f: (a: StoredAction) => boolean) => actions.filter(f).length;
  return {
    planId: plan.id,
    family: plan.family,
    trigger: plan.trigger,
    requestedBy: plan.requestedBy,
    state: plan.state,
    mode: plan.policy.retentionMode,
    policy: plan.policy,
    createdAt: plan.createdAt.toISOString(),
    startedAt: plan.startedAt?.toISOString() ?? null,
    finishedAt: plan.finishedAt?.toISOString() ?? null,
    summary: {
      deprecate: count((a) => a.action === 'deprecate'),
      disable: count((a) => a.action === 'disable'),
      deregister: count((a) => a.action === 'deregister'),
      deleteSnapshot: count((a) => a.action === 'delete-snapshot'),
      bytesRecovered: plan.bytesRecovered,
      pending: count((a) => a.state === 'pending'),
      done: count((a) => a.state === 'done'),
      skipped: count((a) => a.state === 'skipped'),
      failed: count((a) => a.state === 'failed'),
    },
    actions: actions.map((a) => ({
      seq: a.seq,
      version: a.version,
      account: a.account,
      region: a.region,
      imageId: a.imageId,
      action: a.action,
      snapshotId: a.snapshotId,
      bytes: a.bytes,
      deprecateAt: a.deprecateAt?.toISOString() ?? null,
      state: a.state,
      attempts: a.attempts,
      reason: a.reason,
      doneAt: a.doneAt?.toISOString() ?? null,
    })),
    kept: plan.kept,
    sharedSnapshots: plan.sharedSnapshots,
    storage: plan.storage,
    unknownUsage: plan.unknownUsage,
  };
}
