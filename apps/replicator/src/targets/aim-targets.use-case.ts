import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { FamilyDistribution } from '../distribution/distributions.repository.js';
import { DistributionsRepository } from '../distribution/distributions.repository.js';
import { desiredTargets } from './desired-targets.js';
import { TargetOutcomes } from './target-outcomes.js';
import { TargetsRepository, type ChannelPointer } from './targets.repository.js';
import { lockFamily } from '../distribution/family-lock.js';

/**
 * Points a family's distribution targets at what its channels hold: on a channel move (the
 * catalog's event; a later move wins, a replayed or overtaken one changes nothing), and when
 * a spec adds, changes or removes targets. Runs in the inbox transaction; the writes happen in
 * the target worker.
 */
@Injectable()
export class AimTargets {
  constructor(
    @Inject(TargetsRepository) private readonly targets: TargetsRepository,
    @Inject(DistributionsRepository) private readonly distributions: DistributionsRepository,
    @Inject(TargetOutcomes) private readonly outcomes: TargetOutcomes,
  ) {}

  async channelMoved(tx: EntityManager, pointer: ChannelPointer): Promise<void> {
    await lockFamily(tx, pointer.family);
    if (!(await this.targets.savePointer(tx, pointer))) return;
    const distribution = await this.distributions.distribution(pointer.family, tx);
    if (!distribution) return; // the spec's arrival aims them
    await this.aim(tx, distribution, pointer, pointer.movement);
  }

  async specChanged(tx: EntityManager, distribution: FamilyDistribution): Promise<void> {
    await lockFamily(tx, distribution.family);
    const pointers = await this.targets.pointers(tx, distribution.family);
    for (const pointer of pointers) await this.aim(tx, distribution, pointer, 'spec');
    const dropped = await this.targets.dropChannelsExcept(
      tx,
      distribution.family,
      pointers.map((p) => p.channel),
    );
    await this.outcomes.dropped(tx, dropped, distribution.specVersion);
  }

  private async aim(
    tx: EntityManager,
    distribution: FamilyDistribution,
    pointer: ChannelPointer,
    movement: 'promote' | 'rollback' | 'spec',
  ): Promise<void> {
    const { dropped } = await this.targets.aim(
      tx,
      {
        family: pointer.family,
        channel: pointer.channel,
        version: pointer.version,
        movement,
        correlationId: pointer.correlationId,
      },
      desiredTargets(pointer.family, pointer.channel, distribution),
    );
    await this.outcomes.dropped(tx, dropped, distribution.specVersion);
  }
}
