import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@ami/config';
import type { CommonConfig } from '@ami/config';
import { digestOf, FAMILY_SPEC_APPLIED, FamilySpec, validateFamilySpec } from '@ami/contracts';
import { AuditRecorder, EventPublisher } from '@ami/messaging';
import { AppError } from '@ami/runtime';
import { ResolveInvalidation } from '../resolve/resolve-invalidation.js';
import { OrphanAdoption } from '../versions/orphan-adoption.service.js';
import { FamiliesRepository } from './families.repository.js';

export interface ApplyFamilySpecCommand {
  document: unknown;
  actor: string;
}

export interface ApplyFamilySpecResult {
  family: string;
  specVersion: number;
  digest: string;
  changed: boolean;
}

/**
 * Applies a family spec: validates it (every problem with its path), refuses public sharing
 * unless the platform allows it and lineage that loops or names an unknown parent, stores a
 * new spec version when it differs from the current one, and publishes it with an audit event.
 * Applying the same spec again changes nothing.
 */
@Injectable()
export class ApplyFamilySpec {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(FamiliesRepository) private readonly families: FamiliesRepository,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(OrphanAdoption) private readonly orphans: OrphanAdoption,
    @Inject(APP_CONFIG) private readonly config: CommonConfig,
    @Inject(ResolveInvalidation) private readonly invalidation: ResolveInvalidation,
  ) {}

  async execute(command: ApplyFamilySpecCommand): Promise<ApplyFamilySpecResult> {
    const validation = validateFamilySpec(command.document);
    if (!validation.ok) throw AppError.invalid('the family spec is not valid', validation.problems);
    const spec = validation.spec;
    if (spec.sharing.public && !this.config.ALLOW_PUBLIC_AMIS) {
      throw AppError.invalid(
        'public sharing is disabled on this platform (ALLOW_PUBLIC_AMIS=false)',
        [{ path: 'sharing.public', message: 'public AMIs are not allowed here' }],
      );
    }
    const digest = digestOf(spec);
    return this.db.transaction(async (tx) => {
      // Serialise applies of one family; a new family is serialised by its primary key.
      const current = await this.families.lockForUpdate(tx, spec.name);
      if (current) {
        const currentSpec = await this.families.currentSpec(spec.name, tx);
        if (currentSpec?.digest === digest)
          return { family: spec.name, specVersion: current.specVersion, digest, changed: false };
      }
      await this.checkLineage(tx, spec);
      const version = (current?.specVersion ?? 0) + 1;
      await this.families.saveSpec(tx, spec, version, digest, command.actor);
      await this.events.publish(
        tx,
        FAMILY_SPEC_APPLIED,
        { family: spec.name, specVersion: version, digest, spec, appliedBy: command.actor },
        { key: spec.name },
      );
      await this.audit.record(tx, {
        actor: command.actor,
        action: 'family-spec.applied',
        subject: { family: spec.name },
        before: current ? { specVersion: current.specVersion } : null,
        after: { specVersion: version, digest },
        outcome: 'succeeded',
      });
      if (!current) await this.orphans.adopt(tx, spec.name);
      await this.invalidation.notify(tx, spec.name);
      return { family: spec.name, specVersion: version, digest, changed: true };
    });
  }

  private async checkLineage(tx: import('typeorm').EntityManager, spec: FamilySpec): Promise<void> {
    const parent = spec.source.family?.name;
    if (!parent) return;
    if (!(await this.families.get(parent, tx))) {
      throw AppError.invalid(`source family ${parent} does not exist; apply it first`, [
        { path: 'source.family.name', message: `unknown family ${parent}` },
      ]);
    }
    const ancestors = await this.families.ancestorsOf(tx, parent);
    if (ancestors.includes(spec.name)) {
      throw AppError.invalid(
        `lineage would loop: ${[spec.name, parent, ...ancestors.slice(0, ancestors.indexOf(spec.name) + 1)].join(' -> ')}`,
        [{ path: 'source.family.name', message: 'creates a cycle' }],
      );
    }
  }
}
