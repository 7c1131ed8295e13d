import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CHANNEL_MOVED } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { FamiliesRepository } from '../families/families.repository.js';
import { ResolveInvalidation } from '../resolve/resolve-invalidation.js';
import { VersionsRepository } from '../versions/versions.repository.js';
import { ChannelsRepository } from './channels.repository.js';

export interface Caller {
  actor: string;
  isAdmin: boolean;
}

export interface PromoteCommand extends Caller {
  family: string;
  channel: string;
  version: string;
  force?: boolean;
  reason?: string;
}

export interface MoveResult {
  family: string;
  channel: string;
  version: string;
  previousVersion: string | null;
}

/**
 * Promote a version to a channel, or roll a channel back to its previous assignment. Every
 * move is kept in the channel's history, published, and audited. A protected channel moves
 * only for admins; a version not yet available in every target region is refused unless forced.
 */
@Injectable()
export class MoveChannel {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ChannelsRepository) private readonly channels: ChannelsRepository,
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
  ) {}

  promote(command: PromoteCommand): Promise<MoveResult> {
    return this.db.transaction((tx) => this.promoteIn(tx, command));
  }

  /** The promote inside a transaction of the caller's (a consumer's, with its inbox entry). */
  async promoteIn(tx: EntityManager, command: PromoteCommand): Promise<MoveResult> {
    const current = await this.prepare(tx, command);
    const version = await this.versions.get(command.family, command.version, tx);
    if (!version)
      throw AppError.notFound(`version ${command.version} of family ${command.family} not found`);
    const missing = await this.missingRegions(tx, command.family, version.copies);
    if (missing.length > 0 && !command.force) {
      throw AppError.precondition(
        `version ${command.version} is not available in every target region yet (missing: ${missing.join(', ')}); wait for replication or promote with force`,
      );
    }
    return this.move(
      tx,
      command,
      current?.version ?? null,
      command.version,
      'promote',
      missing.length > 0,
    );
  }

  rollback(
    command: Caller & { family: string; channel: string; reason?: string },
  ): Promise<MoveResult> {
    return this.db.transaction(async (tx) => {
      const current = await this.prepare(tx, command);
      if (!current)
        throw AppError.notFound(`family ${command.family} has no channel ${command.channel}`);
      const last = await this.channels.latestAssignment(tx, command.family, command.channel);
      const target = last?.previousVersion;
      if (!target)
        throw AppError.precondition(
          `channel ${command.channel} of family ${command.family} has no previous version to roll back to`,
        );
      return this.move(tx, command, current.version, target, 'rollback', false);
    });
  }

  /**
   * Moves a channel that points to a revoked version back to its previous good one, inside the
   * revocation's transaction (the channel row is locked; protection does not stop it: a
   * revoked version must not stay in a channel because nobody may move it).
   */
  async fallBack(
    tx: EntityManager,
    command: Caller & { family: string; channel: string; reason: string },
    from: string,
    to: string,
  ): Promise<MoveResult> {
    await this.channels.lock(tx, command.family, command.channel);
    return this.move(tx, command, from, to, 'rollback', false);
  }

  setProtection(
    command: Caller & { family: string; channel: string; protect: boolean },
  ): Promise<void> {
    if (!command.isAdmin) throw AppError.forbidden('only admins protect or unprotect channels');
    return this.db.transaction(async (tx) => {
      const updated = await this.channels.setProtected(
        tx,
        command.family,
        command.channel,
        command.protect,
      );
      if (updated === 0)
        throw AppError.notFound(`family ${command.family} has no channel ${command.channel}`);
      await this.audit.record(tx, {
        actor: command.actor,
        action: command.protect ? 'channel.protected' : 'channel.unprotected',
        subject: { family: command.family },
        before: { channel: command.channel, protected: !command.protect },
        after: { channel: command.channel, protected: command.protect },
        outcome: 'succeeded',
      });
    });
  }

  private async prepare(tx: EntityManager, command: Caller & { family: string; channel: string }) {
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(command.channel) || command.channel === 'latest') {
      throw AppError.invalid(
        `channel name ${command.channel} is not valid ("latest" is reserved)`,
        [{ path: 'channel', message: 'lowercase letters, digits, dashes' }],
      );
    }
    if (!(await this.families.get(command.family, tx)))
      throw AppError.notFound(`family ${command.family} not found`);
    const current = await this.channels.lock(tx, command.family, command.channel);
    if (current?.protected && !command.isAdmin) {
      throw AppError.forbidden(
        `channel ${command.channel} of family ${command.family} is protected: only admins move it`,
      );
    }
    return current;
  }

  /** Target regions: the spec's distribution plus the build region. */
  private async missingRegions(
    tx: EntityManager,
    family: string,
    copies: Array<{ region: string; state: string }>,
  ): Promise<string[]> {
    const spec = (await this.families.currentSpec(family, tx))?.spec;
    const targets = new Set<string>([
      ...(spec?.distribution?.regions ?? []),
      ...(spec?.build ? [spec.build.region] : []),
    ]);
    const available = new Set(copies.filter((c) => c.state === 'available').map((c) => c.region));
    if (targets.size === 0) return available.size > 0 ? [] : ['(no available copy)'];
    return [...targets].filter((r) => !available.has(r)).sort();
  }

  private async move(
    tx: EntityManager,
    command: Caller & { family: string; channel: string; reason?: string },
    from: string | null,
    to: string,
    movement: 'promote' | 'rollback',
    forced: boolean,
  ): Promise<MoveResult> {
    await this.channels.point(tx, command.family, command.channel, to);
    // Moves of one channel are serialised on its row (locked in prepare, or created by point),
    // so assignment ids follow the order of the moves.
    const sequence = await this.channels.record(tx, {
      family: command.family,
      channel: command.channel,
      version: to,
      previousVersion: from,
      movement,
      actor: command.actor,
      forced,
      reason: command.reason ?? null,
    });
    await this.events.publish(
      tx,
      CHANNEL_MOVED,
      {
        family: command.family,
        channel: command.channel,
        version: to,
        previousVersion: from,
        movement,
        movedBy: command.actor,
        forced,
        sequence,
      },
      { key: command.family },
    );
    await this.audit.record(tx, {
      actor: command.actor,
      action: movement === 'promote' ? 'channel.promoted' : 'channel.rolled-back',
      subject: { family: command.family, version: to },
      before: { channel: command.channel, version: from },
      after: { channel: command.channel, version: to, forced },
      outcome: 'succeeded',
      reason: command.reason,
    });
    await this.invalidation.notify(tx, command.family);
    return { family: command.family, channel: command.channel, version: to, previousVersion: from };
  }
}
