import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  digestOf,
  MAINTENANCE_FINDINGS_REPORTED,
  MAINTENANCE_PROMOTION_REQUESTED,
  REBUILD_REQUESTED,
  type MaintenanceFindings,
} from '@ami/contracts';
import type { Lease } from '@ami/jobs';
import { AuditRecorder, EventPublisher, lockFamily } from '@ami/messaging';
import type { AskDecision } from './rebuild-rules.js';
import { SCANNER_ACTOR } from './learn-facts.use-case.js';
import type { ScanFamily } from './scan.types.js';
import { ScansRepository } from './scans.repository.js';

export interface ScanOutcome {
  family: ScanFamily;
  lease: Lease;
  findings: MaintenanceFindings;
  ask: AskDecision | null;
  /** Owed promotions whose version is now in every region. */
  promotions: { version: string; channel: string; askId: string }[];
  nextScanAt: Date;
}

/**
 * Saves one family's scan in one transaction, fenced by its lease: the rebuild asked for (its
 * row, the request on ami.rebuild-requests.v1 through the outbox, and its audit entry), the
 * findings (published only when they changed), and the next scheduled scan. A scanner killed
 * before the commit leaves nothing behind; the next one asks again, under the same key.
 */
@Injectable()
export class ScanOutcomes {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ScansRepository) private readonly scans: ScansRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {}

  save(outcome: ScanOutcome): Promise<{ asked: boolean }> {
    const { family, lease, ask } = outcome;
    return this.db.transaction(async (tx) => {
      await lockFamily(tx, 'maintenance_scanner', family.family);
      await this.scans.leases.assertHeld(tx, family.family, lease);
      let asked = false;
      let findings = outcome.findings;
      if (ask) {
        const id = randomUUID();
        asked = await this.scans.insertAsk(
          tx,
          {
            id,
            family: family.family,
            cause: ask.cause,
            causeKey: ask.causeKey,
            attempt: ask.attempt,
            idempotencyKey: ask.idempotencyKey,
            reason: ask.reason,
            state: 'asked',
            buildId: null,
            outcomeReason: null,
            askedAt: new Date(),
            settledAt: null,
            origin: ask.origin ?? null,
          },
          ask.correlationId ?? id,
        );
        if (asked) {
          const request = await this.events.publish(
            tx,
            REBUILD_REQUESTED,
            {
              family: family.family,
              reason: `${ask.cause}: ${ask.reason}`,
              requestedBy: SCANNER_ACTOR,
              idempotencyKey: ask.idempotencyKey,
              ...(ask.force && { force: true }),
            },
            { key: family.family, id, correlationId: ask.correlationId },
          );
          await this.audit.record(
            tx,
            {
              actor: SCANNER_ACTOR,
              action: 'rebuild.asked',
              subject: { family: family.family },
              before: null,
              after: {
                requestId: id,
                cause: ask.cause,
                idempotencyKey: ask.idempotencyKey,
                attempt: ask.attempt,
                ...(ask.origin && { cascadeOrigin: ask.origin }),
              },
              outcome: 'started',
              reason: ask.reason,
            },
            request,
          );
          findings = {
            ...findings,
            pendingRebuilds: [
              ...findings.pendingRebuilds,
              {
                requestId: id,
                cause: ask.cause,
                idempotencyKey: ask.idempotencyKey,
                state: 'asked',
                buildId: null,
                askedAt: new Date().toISOString(),
              },
            ],
          };
        }
      }
      for (const p of outcome.promotions) {
        if (!(await this.scans.promotionRequested(tx, family.family, p.version, p.channel)))
          continue;
        const reason = `rebuilt by the scanner (request ${p.askId}); its copies exist in every region`;
        const event = await this.events.publish(
          tx,
          MAINTENANCE_PROMOTION_REQUESTED,
          {
            family: family.family,
            version: p.version,
            channel: p.channel,
            reason,
            rebuildRequestId: p.askId,
          },
          { key: family.family },
        );
        await this.audit.record(
          tx,
          {
            actor: SCANNER_ACTOR,
            action: 'promotion.requested',
            subject: { family: family.family, version: p.version, channel: p.channel },
            before: null,
            after: { channel: p.channel, version: p.version },
            outcome: 'started',
            reason,
          },
          event,
        );
      }
      const { scannedAt: _at, ageDays: _age, ...compared } = findings;
      const digest = digestOf(compared);
      if (digest !== family.findingsDigest)
        await this.events.publish(tx, MAINTENANCE_FINDINGS_REPORTED, findings, {
          key: family.family,
        });
      await this.scans.saveScan(
        tx,
        family.family,
        lease,
        findings,
        digest,
        outcome.nextScanAt,
        family.scanGeneration,
      );
      return { asked };
    });
  }
}
