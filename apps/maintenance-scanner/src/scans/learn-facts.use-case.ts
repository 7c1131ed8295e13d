import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type {
  BuildFailed,
  BuildRejected,
  BuildStarted,
  BuildSucceeded,
  ChannelMoved,
  CloudEvent,
  CopySucceeded,
  FamilySpecApplied,
  VersionImported,
  VersionRevoked,
} from '@ami/contracts';
import { APP_CONFIG } from '@ami/config';
import { AuditRecorder, lockFamily } from '@ami/messaging';
import type { MaintenanceScannerConfig } from '../config/maintenance-scanner.config.js';
import { ScansRepository } from './scans.repository.js';

export const SCANNER_ACTOR = 'maintenance-scanner';

/**
 * What the scanner learns from the other services' facts, and the scans they call for at once:
 * a spec change scans its family; a new version, channel move or copy of a parent scans its
 * children; the builder's answers to the scanner's own requests settle them (and count
 * failures in a row, suspending the family at REBUILD_MAX_FAILURES).
 */
@Injectable()
export class LearnFacts {
  constructor(
    @Inject(ScansRepository) private readonly scans: ScansRepository,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(APP_CONFIG) private readonly config: MaintenanceScannerConfig,
  ) {}

  async specApplied(tx: EntityManager, event: CloudEvent<string, FamilySpecApplied>) {
    const d = event.data;
    await lockFamily(tx, 'maintenance_scanner', d.family);
    const before = await this.scans.family(tx, d.family);
    if (!(await this.scans.saveSpec(tx, d.spec, d.specVersion))) return;
    await this.scans.queueRetention(tx, d.family);
    if (before?.suspendedAt)
      await this.resumed(tx, d.family, `spec version ${d.specVersion} was applied`, event);
  }

  async buildStarted(tx: EntityManager, event: CloudEvent<string, BuildStarted>) {
    const d = event.data;
    await lockFamily(tx, 'maintenance_scanner', d.family);
    if (event.causationid)
      await this.scans.settleAsk(tx, event.causationid, 'building', { buildId: d.buildId });
    // Someone other than the scanner asked for a rebuild: a suspended family resumes.
    if (d.requestedBy !== SCANNER_ACTOR && (await this.scans.resume(tx, d.family)))
      await this.resumed(tx, d.family, `${d.requestedBy} asked for a rebuild`, event);
  }

  async buildSucceeded(tx: EntityManager, event: CloudEvent<string, BuildSucceeded>) {
    const d = event.data;
    await lockFamily(tx, 'maintenance_scanner', d.family);
    await this.scans.saveVersion(tx, {
      family: d.family,
      version: d.version,
      origin: 'built',
      builtAt: new Date(d.finishedAt),
      sourceImageId: d.source.imageId,
      parentFamily: d.source.parent?.family ?? null,
      parentVersion: d.source.parent?.version ?? null,
      buildId: d.buildId,
    });
    await this.scans.saveImage(tx, d.family, d.version, d.image.region, d.image.imageId);
    const ask = event.causationid
      ? await this.scans.settleAsk(tx, event.causationid, 'succeeded', { buildId: d.buildId })
      : null;
    const promote = (await this.scans.family(tx, d.family))?.maintenance.promoteAfterRebuild;
    // The builder's success means its test launch passed; the copies are awaited by the scans.
    if (ask && promote)
      await this.scans.owePromotion(tx, {
        family: d.family,
        version: d.version,
        channel: promote.channel,
        askId: ask.id,
      });
    await this.scans.supersedeOpenAsks(tx, d.family, d.version);
    await this.scans.queueRetention(tx, d.family);
    await this.scans.resume(tx, d.family);
    await this.scans.queueScan(tx, 'version-built', { families: [d.family] });
    await this.scans.queueScan(tx, `parent-built:${d.family}`, { parentOf: d.family });
  }

  buildFailed(tx: EntityManager, event: CloudEvent<string, BuildFailed>) {
    const d = event.data;
    return this.failed(
      tx,
      event,
      d.family,
      'failed',
      `build ${d.buildId} failed at ${d.step}: ${d.reason}`,
    );
  }

  buildRejected(tx: EntityManager, event: CloudEvent<string, BuildRejected>) {
    const d = event.data;
    return this.failed(
      tx,
      event,
      d.family,
      'rejected',
      `rebuild rejected: ${d.reason}`,
      d.requestId,
    );
  }

  async versionImported(tx: EntityManager, event: CloudEvent<string, VersionImported>) {
    const d = event.data;
    await lockFamily(tx, 'maintenance_scanner', d.family);
    await this.scans.saveVersion(tx, {
      family: d.family,
      version: d.version,
      origin: 'imported',
      builtAt: new Date(event.time ?? Date.now()),
      sourceImageId: null,
      parentFamily: null,
      parentVersion: null,
    });
    for (const image of d.images)
      await this.scans.saveImage(tx, d.family, d.version, image.region, image.imageId);
    await this.scans.queueRetention(tx, d.family);
    await this.scans.queueScan(tx, 'version-imported', { families: [d.family] });
    await this.scans.queueScan(tx, `parent-built:${d.family}`, { parentOf: d.family });
  }

  async copySucceeded(tx: EntityManager, event: CloudEvent<string, CopySucceeded>) {
    const d = event.data;
    if (d.account !== undefined) {
      // An owned copy in another account: retired with its version; children build from ours.
      await this.scans.saveAccountCopy(tx, { ...d, account: d.account });
      await this.scans.queueRetention(tx, d.family);
      return;
    }
    await this.scans.saveImage(tx, d.family, d.version, d.region, d.imageId);
    await this.scans.queueRetention(tx, d.family);
    await this.scans.queueScan(tx, `parent-copied:${d.family}/${d.region}`, { parentOf: d.family });
    await this.scans.queueScan(tx, `copied:${d.region}`, { families: [d.family] });
  }

  async channelMoved(tx: EntityManager, event: CloudEvent<string, ChannelMoved>) {
    const d = event.data;
    await this.scans.recordChannelMove(tx, {
      family: d.family,
      channel: d.channel,
      version: d.version,
      sequence: d.sequence ?? null,
      at: new Date(event.time ?? Date.now()),
    });
    await this.scans.queueRetention(tx, d.family);
    if (!(await this.scans.saveChannel(tx, d.family, d.channel, d.version, d.sequence ?? null)))
      return;
    await this.scans.queueScan(tx, `parent-moved:${d.family}/${d.channel}`, { parentOf: d.family });
  }

  /** A revoked version: the families built from it (and theirs) are scanned at once. */
  async versionRevoked(tx: EntityManager, event: CloudEvent<string, VersionRevoked>) {
    const d = event.data;
    if (!(await this.scans.saveRevocation(tx, d))) return;
    await this.scans.queueDescendants(tx, d.family, `parent-revoked:${d.family}/${d.version}`);
  }

  private async failed(
    tx: EntityManager,
    event: CloudEvent,
    family: string,
    state: 'failed' | 'rejected',
    reason: string,
    requestId = event.causationid,
  ) {
    await lockFamily(tx, 'maintenance_scanner', family);
    if (!requestId) return;
    const ask = await this.scans.settleAsk(tx, requestId, state, { reason });
    if (!ask) return; // not a rebuild the scanner asked for
    const max = this.config.REBUILD_MAX_FAILURES;
    const suspended = await this.scans.recordFailure(tx, family, reason, max);
    if (!suspended) return;
    await this.audit.record(
      tx,
      {
        actor: SCANNER_ACTOR,
        action: 'maintenance.suspended',
        subject: { family },
        before: null,
        after: { consecutiveFailures: max, lastCause: ask.causeKey },
        outcome: 'failed',
        reason: `${max} rebuilds in a row failed; the last: ${reason}. Resumes on a spec change or a rebuild asked by hand`,
      },
      event,
    );
  }

  private resumed(tx: EntityManager, family: string, why: string, event: CloudEvent) {
    return this.audit.record(
      tx,
      {
        actor: SCANNER_ACTOR,
        action: 'maintenance.resumed',
        subject: { family },
        before: { suspended: true },
        after: { suspended: false },
        outcome: 'succeeded',
        reason: why,
      },
      event,
    );
  }
}
