import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { VERSION_REVOKED } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { ChannelsRepository } from '../channels/channels.repository.js';
import { MoveChannel, type Caller } from '../channels/move-channel.use-case.js';
import { ResolveInvalidation } from '../resolve/resolve-invalidation.js';
import { VersionsRepository } from './versions.repository.js';

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
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(ChannelsRepository) private readonly channels: ChannelsRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
  ) {}

  revoke(command: RevokeCommand): Promise<RevokeResult> {
    if (!command.isAdmin) throw AppError.forbidden('only admins revoke versions');
    return this.db.transaction(async (tx) => {
      // Locks in the order a promote takes them (channel rows, then the family's lock, which
      // the audit entry takes), so that a revocation and a promote never deadlock.
      const found = await this.versions.lockForRevocation(tx, command.family, command.version);
      if (!found)
        throw AppError.notFound(`version ${command.version} of family ${command.family} not found`);
      if (found.revokedBy)
        throw AppError.conflict(
          `version ${command.version} of family ${command.family} was already revoked by ${found.revokedBy}`,
        );
      const at = await this.versions.markRevoked(
        tx,
        command.family,
        command.version,
        command.actor,
        command.reason,
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
        revokedAt: at.toISOString(),
        channels,
      };
    });
  }

  private async fallBackChannels(tx: EntityManager, command: RevokeCommand) {
    const pointing = await this.channels.lockPointingTo(tx, command.family, command.version);
    const moved: RevokeResult['channels'] = [];
    for (const name of pointing) {
      const previous = await this.channels.previousGood(tx, command.family, name, command.version);
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
          previous,
        );
      moved.push({ channel: name, fellBackTo: previous });
    }
    return moved;
  }
}
