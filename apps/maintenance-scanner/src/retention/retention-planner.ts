import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AMI_QUOTA_PER_REGION,
  digestOf,
  RETENTION_REPORTED,
  type FamilySpec,
  type FamilyStorage,
} from '@ami/contracts';
import { Ec2Gateway } from '@ami/aws';
import { AuditRecorder, EventPublisher, lockFamily } from '@ami/messaging';
import { SCANNER_ACTOR } from '../scans/learn-facts.use-case.js';
import { ImageInventory, type RegionInventory } from './image-inventory.js';
import { planRetention, type CopyState, type PlanContent, type Use } from './retention-plan.js';
import { judge, type RetentionPolicy, type Verdict } from './retention-rules.js';
import {
  RetentionRepository,
  type RetentionFacts,
  type StoredPlan,
} from './retention.repository.js';
import { UsageChecks } from './usage-checks.js';

export interface PlanRequest {
  family: string;
  maintenance: FamilySpec['maintenance'];
}

const scopeKey = (account: string, region: string) => `${account}/${region}`;

/**
 * Computes and stores retention plans. For the families asked about it reads each account x
 * region once (ImageInventory), checks where the versions due for a stage are used
 * (UsageChecks, only for those), applies the rules, and stores one plan per family with what
 * it keeps and why, its storage and quota, and an event and audit entry. A scheduled plan of a
 * family in `enforce` mode starts executing at once; a plan asked for by API is a dry run until
 * someone executes it.
 */
@Injectable()
export class RetentionPlanner {
  private readonly inventory: ImageInventory;
  private readonly usage: UsageChecks;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(RetentionRepository) private readonly plans: RetentionRepository,
    @Inject(Ec2Gateway) private readonly ec2: Ec2Gateway,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
  ) {
    this.inventory = new ImageInventory(ec2);
    this.usage = new UsageChecks(ec2);
  }

  async plan(
    requests: PlanRequest[],
    trigger: 'schedule' | 'api',
    requestedBy: string,
    now = new Date(),
  ): Promise<(StoredPlan & { wakeAt: Date | null })[]> {
    const platform = this.ec2.defaultAccount;
    const families = await Promise.all(
      requests.map(async (r) => {
        const facts = await this.plans.facts(this.db, r.family, platform);
        const policy = policyOf(r.maintenance);
        return {
          ...r,
          facts,
          policy,
          verdicts: judge(facts.versions, facts.channels, policy, now),
        };
      }),
    );
    // One inventory per account x region, for every family that has copies there.
    const scopes = new Map<
      string,
      { account: string; region: string; families: Set<string>; ids: Set<string>; due: Set<string> }
    >();
    for (const f of families) {
      this.assumeRoles(f.facts);
      const due = new Set(f.verdicts.filter((v) => v.due.length > 0).map((v) => v.version));
      for (const c of f.facts.copies) {
        const key = scopeKey(c.account, c.region);
        const scope = scopes.get(key) ?? {
          account: c.account,
          region: c.region,
          families: new Set(),
          ids: new Set(),
          due: new Set(),
        };
        scope.families.add(f.family);
        scope.ids.add(c.imageId);
        if (due.has(c.version)) scope.due.add(c.imageId);
        scopes.set(key, scope);
      }
    }
    const read = new Map<
      string,
      {
        inventory: RegionInventory;
        uses: Map<string, Use[]>;
        unknown: string[];
        orphans: Set<string>;
      }
    >();
    await Promise.all(
      [...scopes].map(async ([key, s]) => {
        const inventory = await this.inventory.scanRegion({
          region: s.region,
          account: s.account,
          families: [...s.families],
          knownIds: [...s.ids],
        });
        const candidates = [...s.due].filter((id) => inventory.images.has(id));
        const usage = await this.usage.check(s.region, candidates, s.account);
        const orphans = await this.orphans(inventory);
        read.set(key, { inventory, uses: usage.uses, unknown: usage.unknown, orphans });
      }),
    );
    const stored: (StoredPlan & { wakeAt: Date | null })[] = [];
    for (const f of families) {
      const states = new Map<string, CopyState>();
      const uses = new Map<string, Use[]>();
      const snapshotUsers = new Map<string, string[]>();
      const unknownUsage: string[] = [];
      for (const c of f.facts.copies) {
        const r = read.get(scopeKey(c.account, c.region))!;
        const state = r.inventory.images.get(c.imageId);
        if (state) states.set(c.imageId, state);
        const found = r.uses.get(c.imageId);
        if (found) uses.set(c.imageId, found);
        else if (r.unknown.length > 0)
          uses.set(
            c.imageId,
            r.unknown.map((why) => ({ kind: 'unknown', id: why })),
          );
      }
      for (const key of new Set(f.facts.copies.map((c) => scopeKey(c.account, c.region)))) {
        const r = read.get(key)!;
        for (const [snapshot, users] of r.inventory.snapshotUsers)
          snapshotUsers.set(snapshot, users);
        for (const why of r.unknown) unknownUsage.push(`${key}: ${why}`);
      }
      const content = planRetention({
        verdicts: f.verdicts,
        copies: f.facts.copies,
        states,
        uses,
        snapshotUsers,
        policy: f.policy,
        now,
      });
      const storage = this.storageOf(f.family, f.facts, read);
      const plan = await this.store(f, content, storage, unknownUsage, trigger, requestedBy);
      stored.push({ ...plan, wakeAt: wakeAt(f.verdicts) });
    }
    return stored;
  }

  private async store(
    f: PlanRequest & { policy: RetentionPolicy },
    content: PlanContent,
    storage: FamilyStorage[],
    unknownUsage: string[],
    trigger: 'schedule' | 'api',
    requestedBy: string,
  ): Promise<StoredPlan> {
    const mode = f.maintenance.retentionMode ?? 'enforce';
    const execute = trigger === 'schedule' && mode === 'enforce';
    const state = content.actions.length === 0 ? 'done' : execute ? 'executing' : 'planned';
    const plan = {
      id: randomUUID(),
      family: f.family,
      trigger,
      requestedBy,
      state,
      policy: { ...f.policy, retentionMode: mode },
      kept: content.kept,
      sharedSnapshots: content.sharedSnapshots,
      storage,
      unknownUsage,
      bytesRecovered: content.bytesRecovered,
    } as const;
    await this.db.transaction(async (tx) => {
      await lockFamily(tx, 'maintenance_scanner', f.family);
      const previous = await this.plans.latestPlan(tx, f.family);
      await this.plans.insertPlan(tx, plan, content.actions);
      if (state === 'executing')
        await tx.query(
          `UPDATE maintenance_scanner.retention_plans SET execute_requested_by = $2, started_at = now(), next_attempt_at = now() WHERE id = $1`,
          [plan.id, SCANNER_ACTOR],
        );
      const count = (kind: string) => content.actions.filter((a) => a.action === kind).length;
      const report = {
        family: f.family,
        planId: plan.id,
        plannedAt: new Date().toISOString(),
        mode,
        actions: {
          deprecate: count('deprecate'),
          disable: count('disable'),
          deregister: count('deregister'),
          deleteSnapshot: count('delete-snapshot'),
        },
        bytesRecovered: content.bytesRecovered,
        kept: content.kept.map((k) => ({ version: k.version, reasons: k.reasons })),
        storage,
      };
      const unchanged =
        previous !== null &&
        content.actions.length === 0 &&
        digestOf({ kept: previous.plan.kept, storage: previous.plan.storage }) ===
          digestOf({ kept: JSON.parse(JSON.stringify(content.kept)), storage });
      if (!unchanged || trigger === 'api')
        await this.events.publish(tx, RETENTION_REPORTED, report, { key: f.family });
      if (content.actions.length > 0)
        await this.audit.record(tx, {
          actor: trigger === 'schedule' ? SCANNER_ACTOR : requestedBy,
          action: 'retention.planned',
          subject: { family: f.family },
          before: null,
          after: {
            planId: plan.id,
            state,
            actions: report.actions,
            bytesRecovered: content.bytesRecovered,
          },
          outcome: execute ? 'started' : 'succeeded',
          reason: execute
            ? 'the schedule runs the plan (retentionMode enforce)'
            : `a dry run asked by ${requestedBy}`,
        });
    });
    return (await this.plans.plan(this.db, plan.id))!.plan;
  }

  /** Per account x region: the family's AMIs against the quota, its snapshots' size, its orphans. */
  private storageOf(
    family: string,
    facts: RetentionFacts,
    read: Map<string, { inventory: RegionInventory; orphans: Set<string> }>,
  ): FamilyStorage[] {
    const ids = new Set(facts.copies.map((c) => c.imageId));
    const scopes = [...new Set(facts.copies.map((c) => scopeKey(c.account, c.region)))].sort();
    return scopes.map((key) => {
      const { inventory, orphans } = read.get(key)!;
      const images = [...inventory.images.values()].filter(
        (i) => i.family === family || ids.has(i.imageId),
      );
      const sizes = new Map<string, number>();
      for (const i of images) for (const s of i.snapshots) sizes.set(s.snapshotId, s.sizeGiB);
      const tagged = inventory.snapshots.filter((s) => s.family === family);
      for (const s of tagged) sizes.set(s.snapshotId, s.sizeGiB);
      return {
        account: inventory.account,
        region: inventory.region,
        amiCount: images.length,
        amiQuota: AMI_QUOTA_PER_REGION,
        snapshotGiB: [...sizes.values()].reduce((a, b) => a + b, 0),
        orphanedSnapshots: tagged
          .filter((s) => orphans.has(s.snapshotId))
          .map((s) => ({ snapshotId: s.snapshotId, sizeGiB: s.sizeGiB })),
      };
    });
  }

  /**
   * The tagged snapshots no image uses: those the families' images do not use, confirmed with
   * DescribeImages filtered by block-device-mapping.snapshot-id (200 a call) over every image
   * the account owns, since an image of no family could use one.
   */
  private async orphans(inventory: RegionInventory): Promise<Set<string>> {
    const candidates = inventory.snapshots
      .map((s) => s.snapshotId)
      .filter((id) => !inventory.snapshotUsers.has(id));
    const orphans = new Set(candidates);
    for (let i = 0; i < candidates.length; i += 200)
      for await (const image of this.ec2.eachImage(
        inventory.region,
        {
          Owners: ['self'],
          IncludeDisabled: true,
          IncludeDeprecated: true,
          Filters: [
            { Name: 'block-device-mapping.snapshot-id', Values: candidates.slice(i, i + 200) },
          ],
        },
        { account: inventory.account },
      ))
        for (const m of image.BlockDeviceMappings ?? [])
          if (m.Ebs?.SnapshotId) orphans.delete(m.Ebs.SnapshotId);
    return orphans;
  }

  private assumeRoles(facts: RetentionFacts) {
    for (const [account, role] of facts.roles) this.ec2.useRole(account, role);
  }
}

/** When the family's verdicts change by time alone: the next stage due, or a channel window ending. */
export function wakeAt(verdicts: Verdict[]): Date | null {
  const times = verdicts.flatMap((v) =>
    v.kept.flatMap((k) =>
      k.kind === 'not-yet-due' ? [k.at] : k.kind === 'channel-window' ? [k.until] : [],
    ),
  );
  return times.length ? new Date(Math.min(...times.map((t) => t.getTime()))) : null;
}

export function policyOf(m: FamilySpec['maintenance']): RetentionPolicy {
  return {
    keepLatest: m.keepLatest,
    channelWindowDays: m.channelWindowDays ?? 14, // specs stored before it existed
    deprecateAfterDays: m.deprecateAfterDays,
    disableAfterDays: m.disableAfterDays,
    retireAfterDays: m.retireAfterDays,
    perRunCap: m.perRunCap,
  };
}
