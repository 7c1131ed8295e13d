import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { RequireRole } from '@ami/auth';
import { AppError } from '@ami/runtime';
import { familyParam } from './maintenance.http-schemas.js';
import { ScanWorker } from './scan-worker.service.js';
import { ScansRepository } from './scans.repository.js';

const SERVICE = 'MaintenanceService';

function familyOf(value: string | undefined): string {
  if (!value || !familyParam.safeParse(value).success)
    throw AppError.invalid('family must be a family name', [
      { path: 'family', message: 'lowercase letters, digits and dashes' },
    ]);
  return value;
}

/** gRPC adapter over the scanner's findings and scans (libs/contracts/proto/ami/maintenance/v1). */
@Controller()
export class MaintenanceGrpcController {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ScansRepository) private readonly scans: ScansRepository,
    @Inject(ScanWorker) private readonly worker: ScanWorker,
  ) {}

  @GrpcMethod(SERVICE, 'GetFindings')
  async getFindings(request: { family?: string }) {
    const family = familyOf(request.family);
    const [row] = await this.scans.findings(this.db, { family, limit: 1 });
    if (!row) throw AppError.notFound(`family ${family} is not known to the scanner`);
    const f = row.findings;
    return {
      family,
      specVersion: row.specVersion,
      nextScanAt: row.nextScanAt.toISOString(),
      scannedAt: f?.scannedAt ?? '',
      lastBuildVersion: f?.lastBuild?.version ?? '',
      ageDays: f?.ageDays ?? 0,
      stale: f?.stale ?? false,
      sourceMovedTo: f?.sourceMoved?.to ?? '',
      sourceDeprecated: f?.sourceDeprecated ?? false,
      sourceUnresolvable: f?.sourceUnresolvable ?? '',
      parentMovedTo: f?.parentMoved?.to ?? '',
      revokedAncestors: f?.revokedAncestors ?? [],
      pendingRebuilds: (f?.pendingRebuilds ?? []).map((p) => ({ ...p, buildId: p.buildId ?? '' })),
      consecutiveFailures: f?.failingRebuilds.consecutiveFailures ?? 0,
      suspended: f?.failingRebuilds.suspended ?? false,
    };
  }

  @GrpcMethod(SERVICE, 'RequestScan')
  @RequireRole('operator')
  async requestScan(request: { family?: string }) {
    const family = request.family ? familyOf(request.family) : undefined;
    const queued = await this.scans.queueScan(
      this.db,
      'on-demand',
      family ? { families: [family] } : { all: true },
    );
    if (family && queued === 0)
      throw AppError.notFound(`family ${family} is not known to the scanner`);
    this.worker.nudge();
    return { queued };
  }
}
