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
import type { z } from 'zod';
import { CurrentActor, RequireRole } from '@ami/auth';
import type { Actor } from '@ami/auth';
import { ApiAnswers, parsePageRequest, toPage } from '@ami/runtime';
import { DriftRepository } from '../drift/drift.repository.js';
import { ManualOverrides } from '../overrides/manual-overrides.use-case.js';
import { RequestReconcile } from '../reconcile/request-reconcile.use-case.js';
import { PermissionsView } from './permissions-view.js';
import {
  awsEventBody,
  awsEventResult,
  driftPage,
  driftQuery,
  familyParam,
  familyPermissions,
  familyReconcile,
  overrideBody,
  overrideIdParam,
  overrideList,
  overrideSchema,
  reconcileAllResult,
  reconcileBody,
  versionParam,
} from './permissions.http-schemas.js';

/** The key the drift history's cursor holds: the last drift record's id (a bigint). */
export const DRIFT_CURSOR = /^\d{1,18}$/;

const OVERRIDE_PROBLEMS = {
  404: 'the family has no sharing spec here yet, or the version is not known',
  409: 'the version is deregistered in every region',
} as const;

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
  @ApiAnswers(
    { description: 'the family’s permissions', schema: familyPermissions },
    { 404: 'the family is not known here' },
  )
  family(@Param('family', familyParam) family: string) {
    return this.view.family(family);
  }

  @Get('families/:family/versions/:version/permissions')
  @ApiOperation({ summary: "A version's desired and actual launch permissions per region" })
  @ApiAnswers(
    { description: 'the version’s permissions', schema: familyPermissions },
    { 404: 'the family or the version is not known here' },
  )
  version(
    @Param('family', familyParam) family: string,
    @Param('version', versionParam) version: string,
  ) {
    return this.view.family(family, version);
  }

  @Get('families/:family/drift')
  @ApiOperation({ summary: 'Drift found on the family’s copies, newest first' })
  @ApiAnswers({ description: 'a page of drift records', schema: driftPage })
  async driftHistory(
    @Param('family', familyParam) family: string,
    @Query({ schema: driftQuery }) query: z.output<typeof driftQuery>,
  ) {
    const page = parsePageRequest(query.limit, query.cursor, { key: DRIFT_CURSOR });
    return toPage(await this.drift.list(family, page, query.version), page, (d) => d.id);
  }

  @Post('families/:family/reconcile')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Reconcile the family’s copies (or one version’s) now' })
  @ApiAnswers(
    { status: 202, description: 'the copies queued for a pass', schema: familyReconcile },
    { 404: 'no managed copies of the family (or version)' },
  )
  reconcileFamily(
    @Param('family', familyParam) family: string,
    @Body({ schema: reconcileBody }) body: z.output<typeof reconcileBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.reconcile.family(family, body.version, actor.name);
  }

  @Post('reconcile')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Reconcile every managed copy now' })
  @ApiAnswers({
    status: 202,
    description: 'the copies queued for a pass',
    schema: reconcileAllResult,
  })
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
  @ApiAnswers({
    status: 202,
    description: 'the copies of the image queued',
    schema: awsEventResult,
  })
  awsEvent(@Body({ schema: awsEventBody }) body: z.output<typeof awsEventBody>) {
    return this.reconcile.fromAwsEvent(body);
  }

  @Post('families/:family/grants')
  @HttpCode(201)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Grant launch permission by hand (optionally to one version, until an expiry)',
  })
  @ApiAnswers(
    { status: 201, description: 'the grants recorded, one per principal', schema: overrideList },
    OVERRIDE_PROBLEMS,
  )
  grant(
    @Param('family', familyParam) family: string,
    @Body({ schema: overrideBody }) body: z.output<typeof overrideBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.overrides.add({ ...body, family, effect: 'grant', actor: actor.name });
  }

  @Post('families/:family/revocations')
  @HttpCode(201)
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Revoke launch permission by hand, even from a principal the spec lists',
  })
  @ApiAnswers(
    {
      status: 201,
      description: 'the revocations recorded, one per principal',
      schema: overrideList,
    },
    OVERRIDE_PROBLEMS,
  )
  revoke(
    @Param('family', familyParam) family: string,
    @Body({ schema: overrideBody }) body: z.output<typeof overrideBody>,
    @CurrentActor() actor: Actor,
  ) {
    return this.overrides.add({ ...body, family, effect: 'revoke', actor: actor.name });
  }

  @Delete('families/:family/overrides/:id')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Withdraw a manual grant or revocation' })
  @ApiAnswers(
    { description: 'the grant or revocation, now ended', schema: overrideSchema },
    { 404: 'no active grant or revocation with that id in the family' },
  )
  withdraw(
    @Param('family', familyParam) family: string,
    @Param('id', overrideIdParam) id: string,
    @CurrentActor() actor: Actor,
  ) {
    return this.overrides.withdraw(family, id, actor.name);
  }
}
