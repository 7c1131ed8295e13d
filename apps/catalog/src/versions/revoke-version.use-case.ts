import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { VERSION_REVOKED } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { returnedRows } from '@ami/persistence';
import { AppError } from '@ami/runtime';
import { MoveChannel, type Caller } from '../channels/move-channel.use-case.js';
import { ResolveInvalidation } from '../resolve/resolve-invalidation.js';

export interface RevokeCommand extends Caller {
  family: string;
  version: string;
  reason: string;
}

export interface RevokeResult {
  family: string;
  version: string;
  revokedAt: string;
  channels: { channel: string; fellBackTo: string | null }[];
}

/**
 * Revokes a version (admins only, with a reason), as HCP Packer does: resolve refuses it from
 * then on, and every channel that points to it falls back to the newest version it pointed to
 * before that is not revoked (a rollback, published and audited like any move). The
 * revocation is published so that the scanner rebuilds the families built from it.
 */
@Injectable()
export class RevokeVersion {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(MoveChannel) private readonly moves: MoveChannel,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
  ) {}

  revoke(command: RevokeCommand): Promise<RevokeResult> {
    if (!command.isAdmin) throw AppError.forbidden('only admins revoke versions');
    return this.db.transaction(async (tx) => {
      // Locks in the order a promote takes them (channel rows, then the family's lock, which
      // the audit entry takes), so that a revocation and a promote never deadlock.
      const [row] = await tx.query(
        'SELECT revoked_at, revoked_by FROM catalog.image_versions WHERE family = $1 AND version = $2 FOR UPDATE',
        [command.family, command.version],
      );
      if (!row)
        throw AppError.notFound(`version ${command.version} of family ${command.family} not found`);
      if (row.revoked_at)
        throw AppError.conflict(
          `version ${command.version} of family ${command.family} was already revoked by ${row.revoked_by}`,
        );
      const [{ revoked_at: at }] = returnedRows<{ revoked_at: Date }>(
        await tx.query(
          `UPDATE catalog.image_versions SET revoked_at = now(), revoked_by = $3, revoke_reason = $4
         WHERE family = $1 AND version = $2 RETURNING revoked_at`,
          [command.family, command.version, command.actor, command.reason],
        ),
      );
      const channels = await this.fallBackChannels(tx, command);
      await this.events.publish(
        tx,
        VERSION_REVOKED,
        {
          family: command.family,
          version: command.version,
          reason: command.reason,
          revokedBy: command.actor,
          channels,
        },
        { key: command.family },
      );
      await this.audit.record(tx, {
        actor: command.actor,
        action: 'version.revoked',
        subject: { family: command.family, version: command.version },
        before: { revoked: false },
        after: { revoked: true, channels },
        outcome: 'succeeded',
        reason: command.reason,
      });
      await this.invalidation.notify(tx, command.family);
      return {
        family: command.family,
        version: command.version,
        revokedAt: new Date(at).toISOString(),
        channels,
      };
    });
  }

  private async fallBackChannels(tx: EntityManager, command: RevokeCommand) {
    const pointing: { name: string }[] = await tx.query(
      'SELECT name FROM catalog.channels WHERE family = $1 AND version = $2 ORDER BY name FOR UPDATE',
      [command.family, command.version],
    );
    const moved: RevokeResult['channels'] = [];
    for (const { name } of pointing) {
      // The newest version this channel held before that is still good.
      const [previous] = await tx.query(
        `SELECT a.version FROM catalog.channel_assignments a
         JOIN catalog.image_versions v ON v.family = a.family AND v.version = a.version
         WHERE a.family = $1 AND a.channel = $2 AND a.version <> $3 AND v.revoked_at IS NULL
         ORDER BY a.id DESC LIMIT 1`,
        [command.family, name, command.version],
      );
      if (previous)
        await this.moves.fallBack(
          tx,
          {
            actor: command.actor,
            isAdmin: true,
            family: command.family,
            channel: name,
            reason: `version ${command.version} was revoked: ${command.reason}`,
          },
          command.version,
          previous.version,
        );
      moved.push({ channel: name, fellBackTo: previous?.version ?? null });
    }
    return moved;
  }
}
