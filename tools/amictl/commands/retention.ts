import type { Command } from 'commander';
import { seg, type Cli } from '../cli.js';
import { table } from '../output.js';

const GIB = 1024 ** 3;

/** `amictl retention …`: dry runs, stored plans, execution, restore and storage. */
export function registerRetention(program: Command, cli: () => Cli): void {
  const retention = program
    .command('retention')
    .description(
      'retire old versions safely: plan (a dry run), execute exactly that plan, restore',
    );
  const base = '/v1/maintenance';

  retention
    .command('plan <family>')
    .description(
      'a dry run, stored: what would be deprecated, disabled, retired; what stays and why',
    )
    .action(async (family: string) => {
      const c = cli();
      const plan = await c.api.call('maintenance-scanner', {
        method: 'POST',
        path: `${base}/families/${seg(family)}/retention/plans`,
        role: 'operator',
      });
      c.emit(plan, (p: any) => {
        printPlan(c, p);
        if (p.actions.length) c.out.line(`execute it with: amictl retention execute ${p.planId}`);
      });
    });

  retention
    .command('latest <family>')
    .description("the family's newest plan")
    .action(async (family: string) => {
      const c = cli();
      const plan = await c.api.call('maintenance-scanner', {
        path: `${base}/families/${seg(family)}/retention/plans/latest`,
      });
      c.emit(plan, (p) => printPlan(c, p));
    });

  retention
    .command('show <plan-id>')
    .description('a plan and what each of its actions did')
    .action(async (planId: string) => {
      const c = cli();
      const plan = await c.api.call('maintenance-scanner', {
        path: `${base}/retention/plans/${seg(planId)}`,
      });
      c.emit(plan, (p) => printPlan(c, p));
    });

  retention
    .command('execute <plan-id>')
    .description('execute exactly that dry run (admin); usage is checked again before each step')
    .action(async (planId: string) => {
      const c = cli();
      const plan = await c.api.call('maintenance-scanner', {
        method: 'POST',
        path: `${base}/retention/plans/${seg(planId)}/execute`,
        role: 'admin',
      });
      c.emit(plan, (p) => printPlan(c, p));
    });

  retention
    .command('restore <family> <version>')
    .description(
      'enable a version again and cancel its deprecation in every copy, and hold it (operator)',
    )
    .requiredOption('--reason <why>', 'why the version is restored (audited)')
    .action(async (family: string, version: string, opts) => {
      const c = cli();
      const r = await c.api.call('maintenance-scanner', {
        method: 'POST',
        path: `${base}/families/${seg(family)}/versions/${seg(version)}/restore`,
        role: 'operator',
        body: { reason: opts.reason },
      });
      c.emit(r, () => {
        c.out.line(`${r.family} ${r.version} restored and held`);
        c.lines(
          table(
            ['account', 'region', 'image', 'state', 'reason'],
            r.copies.map((cp: any) => [cp.account, cp.region, cp.imageId, cp.state, cp.reason]),
          ).map((l) => `  ${l}`),
        );
      });
    });

  retention
    .command('release <family> <version>')
    .description('release the hold on a restored version (operator): retention applies again')
    .action(async (family: string, version: string) => {
      const c = cli();
      await c.api.call('maintenance-scanner', {
        method: 'DELETE',
        path: `${base}/families/${seg(family)}/versions/${seg(version)}/hold`,
        role: 'operator',
      });
      c.emit({ family, version, held: false }, () =>
        c.out.line(`${family} ${version}: hold released`),
      );
    });

  retention
    .command('storage <family>')
    .description(
      "the family's storage per account and region: AMIs against the quota, snapshot GiB",
    )
    .action(async (family: string) => {
      const c = cli();
      const s = await c.api.call('maintenance-scanner', {
        path: `${base}/families/${seg(family)}/storage`,
      });
      c.emit(s, () => {
        c.out.line(`${s.family}, measured ${s.measuredAt} (plan ${s.planId})`);
        c.lines(
          table(
            ['account', 'region', 'amis', 'quota', 'snapshot GiB', 'orphaned snapshots'],
            s.storage.map((x: any) => [
              x.account,
              x.region,
              x.amiCount,
              x.amiQuota,
              x.snapshotGiB,
              x.orphanedSnapshots.length,
            ]),
          ).map((l) => `  ${l}`),
        );
      });
    });
}

function printPlan(c: Cli, plan: any): void {
  const s = plan.summary;
  c.lines([
    `plan ${plan.planId} for ${plan.family}: ${plan.state} (${plan.trigger} by ${plan.requestedBy}, ${plan.createdAt}, mode ${plan.mode})`,
    `  deprecate ${s.deprecate}, disable ${s.disable}, deregister ${s.deregister}, delete snapshots ${s.deleteSnapshot}; recovers ${(s.bytesRecovered / GIB).toFixed(1)} GiB`,
  ]);
  if (plan.state !== 'planned')
    c.out.line(`  done ${s.done}, skipped ${s.skipped}, failed ${s.failed}, pending ${s.pending}`);
  if (plan.actions.length)
    c.lines(
      table(
        ['seq', 'state', 'action', 'version', 'account', 'region', 'resource', 'reason'],
        plan.actions.map((a: any) => [
          a.seq,
          a.state,
          a.action,
          a.version,
          a.account,
          a.region,
          a.snapshotId ?? a.imageId,
          a.reason,
        ]),
      ).map((l) => `  ${l}`),
    );
  for (const k of plan.kept) {
    c.out.line(`  keeps ${k.version}: ${k.reasons.join('; ')}`);
    for (const u of k.usedBy ?? [])
      c.out.line(
        `    ${u.imageId} (${u.region}) used by ${u.uses.map((x: any) => `${x.kind} ${x.id}`).join(', ')}`,
      );
  }
  for (const w of plan.unknownUsage) c.out.line(`  usage unknown (kept): ${w}`);
}
