import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { AppError, parseInput, parsePageRequest, toPage } from '@ami/runtime';
import { DriftRepository } from '../drift/drift.repository.js';
import { ManualOverrides } from '../overrides/manual-overrides.use-case.js';
import { RequestReconcile } from '../reconcile/request-reconcile.use-case.js';
import { PermissionsView } from './permissions-view.js';

const overrideBody = z
  .object({
    version: z.string().min(1).optional(),
    accounts: z.array(z.string()).max(1000).optional(),
    organizationArns: z.array(z.string()).max(25).optional(),
    organizationalUnitArns: z.array(z.string()).max(25).optional(),
    public: z.boolean().optional(),
    expiresAt: z.string().optional(),
    reason: z.string().min(1).max(500),
  })
  .strict();
const reconcileBody = z
  .object({ version: z.string().min(1).optional(), reason: z.string().min(1).max(500).optional() })
  .strict();

@ApiTags('permissions')
@Controller('v1')
export class PermissionsHttpController {
  constructor(
    @Inject(PermissionsView) private readonly view: PermissionsView,
    @Inject(DriftRepository) private readonly drift: DriftRepository,
    @Inject(ManualOverrides) private readonly overrides: ManualOverrides,
    @Inject(RequestReconcile) private readonly reconcile: RequestReconcile,
  ) {}

  @Get('families/:family/permissions')
  @ApiOperation({
    summary: "A family's desired and actual launch permissions per version and region",
  })
  family(@Param('family') family: string) {
    return this.view.family(family);
  }

  @Get('families/:family/versions/:version/permissions')
  @ApiOperation({ summary: "A version's desired and actual launch permissions per region" })
  version(@Param('family') family: string, @Param('version') version: string) {
    return this.view.family(family, version);
  }

  @Get('families/:family/drift')
  @ApiOperation({ summary: 'Drift found on the family’s copies, newest first' })
  async driftHistory(
    @Param('family') family: string,
    @Query('version') version?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    const page = parsePageRequest(limit, cursor);
    if (page.after !== undefined && !/^\d+$/.test(page.after))
      throw AppError.invalid('cursor is not valid', [
        { path: 'cursor', message: 'not a cursor from this API' },
      ]);
    return toPage(await this.drift.list(family, page, version), page, (d) => d.id);
  }

  @Post('families/:family/reconcile')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Reconcile the family’s copies (or one version’s) now' })
  reconcileFamily(
    @Param('family') family: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ) {
    const input = parseInput(reconcileBody, body);
    return this.reconcile.family(family, input.version, actor.name);
  }

  @Post('reconcile')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Reconcile every managed copy now' })
  reconcileAll(@CurrentActor() actor: Actor) {
    return this.reconcile.all(actor.name);
  }

  @Post('aws-events')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({
    summary:
      'An EventBridge event about an image (CloudTrail ModifyImageAttribute, AMI state change): reconcile it',
  })
  awsEvent(@Body() body: unknown) {
    return this.reconcile.fromAwsEvent(body);
  }

  @Post('families/:family/grants')
  @HttpCode(201)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Grant launch permission by hand (optionally to one version, until an expiry)',
  })
  grant(@Param('family') family: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.overrides.add({
      ...parseInput(overrideBody, body),
      family,
      effect: 'grant',
      actor: actor.name,
    });
  }

  @Post('families/:family/revocations')
  @HttpCode(201)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Revoke launch permission by hand, even from a principal the spec lists',
  })
  revoke(@Param('family') family: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.overrides.add({
      ...parseInput(overrideBody, body),
      family,
      effect: 'revoke',
      actor: actor.name,
    });
  }

  @Delete('families/:family/overrides/:id')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Withdraw a manual grant or revocation' })
  withdraw(@Param('family') family: string, @Param('id') id: string, @CurrentActor() actor: Actor) {
    if (!/^[0-9a-f-]{36}$/.test(id))
      throw AppError.invalid('id must be a grant or revocation id', [
        { path: 'id', message: 'not a uuid' },
      ]);
    return this.overrides.withdraw(family, id, actor.name);
  }
}
