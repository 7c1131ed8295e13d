import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { RequireRole } from '@ami/auth';
import { ApiAnswers, AppError } from '@ami/runtime';
import {
  asksList,
  familyParam,
  familyReport,
  findingsPage,
  listFindingsQuery,
  scanBody,
  scanQueued,
} from './maintenance.http-schemas.js';
import { ScanWorker } from './scan-worker.service.js';
import { ScansRepository } from './scans.repository.js';

@ApiTags('maintenance')
@Controller('v1/maintenance')
export class MaintenanceHttpController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ScansRepository) private readonly scans: ScansRepository,
    @Inject(ScanWorker) private readonly worker: ScanWorker,
  ) {}

  @Post('scans')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Scans a family (or every family) now, whatever its schedule says' })
  @ApiAnswers(
    { status: 202, description: 'queued; the findings follow', schema: scanQueued },
    { 404: 'no such family' },
  )
  async scan(@Body({ schema: scanBody }) body: z.output<typeof scanBody>) {
    const queued = await this.scans.queueScan(
      this.db,
      'on-demand',
      body.family ? { families: [body.family] } : { all: true },
    );
    if (body.family && queued === 0)
      throw AppError.notFound(
        `family ${body.family} is not known to the scanner (apply its spec first)`,
      );
    this.worker.nudge();
    return { queued };
  }

  @Get('findings')
  @ApiOperation({ summary: "Every family's maintenance findings, by name" })
  @ApiAnswers({ description: 'a page of reports', schema: findingsPage })
  async list(@Query({ schema: listFindingsQuery }) query: z.output<typeof listFindingsQuery>) {
    const rows = await this.scans.findings(this.db, { limit: query.limit + 1, after: query.after });
    const items = rows.slice(0, query.limit).map(report);
    return { items, nextAfter: rows.length > query.limit ? items.at(-1)!.family : null };
  }

  @Get('findings/:family')
  @ApiOperation({
    summary:
      "A family's findings: last build, age, stale, source moved, parent moved, pending and failing rebuilds",
  })
  @ApiAnswers({ description: 'the report', schema: familyReport }, { 404: 'no such family' })
  async one(@Param('family', { schema: familyParam }) family: string) {
    const [row] = await this.scans.findings(this.db, { family, limit: 1 });
    if (!row) throw AppError.notFound(`family ${family} is not known to the scanner`);
    return report(row);
  }

  @Get('rebuilds/:family')
  @ApiOperation({
    summary: 'The rebuilds the scanner asked for, newest first, and what came of each',
  })
  @ApiAnswers({ description: 'the asks', schema: asksList }, { 404: 'no such family' })
  async rebuilds(@Param('family', { schema: familyParam }) family: string) {
    if (!(await this.scans.family(this.db, family)))
      throw AppError.notFound(`family ${family} is not known to the scanner`);
    const asks = await this.scans.asks(this.db, family);
    return {
      items: asks.map((a) => ({
        requestId: a.id,
        cause: a.cause,
        idempotencyKey: a.idempotencyKey,
        attempt: a.attempt,
        reason: a.reason,
        state: a.state,
        buildId: a.buildId,
        outcomeReason: a.outcomeReason,
        askedAt: a.askedAt.toISOString(),
        settledAt: a.settledAt?.toISOString() ?? null,
        cascadeOrigin: a.origin ?? null,
      })),
    };
  }
}

function report(row: Awaited<ReturnType<ScansRepository['findings']>>[number]) {
  return {
    family: row.family,
    specVersion: row.specVersion,
    nextScanAt: row.nextScanAt.toISOString(),
    findings: row.findings,
  };
}
