import type { Command } from 'commander';
import { positiveInt, seg, type Cli } from '../cli.js';
import { table, when } from '../output.js';

/** `amictl maintenance …`: what the scanner found, what it asked for, and scans on request. */
export function registerMaintenance(program: Command, cli: () => Cli): void {
  const maintenance = program
    .command('maintenance')
    .description('the maintenance scanner: findings, rebuilds it asked for, scans');

  maintenance
    .command('findings [family]')
    .description('stale, moved or unresolvable sources, moved or revoked parents; per family')
    .option('--limit <n>', 'families per page', positiveInt)
    .option('--after <family>', 'the families after this one')
    .action(async (family: string | undefined, opts) => {
      const c = cli();
      const answer = family
        ? await c.api.call('maintenance-scanner', {
            path: `/v1/maintenance/findings/${seg(family)}`,
          })
        : await c.api.call('maintenance-scanner', {
            path: '/v1/maintenance/findings',
            query: { limit: opts.limit, after: opts.after },
          });
      c.emit(answer, (a: any) => {
        const reports = family ? [a] : a.items;
        c.lines(
          table(
            ['family', 'last build', 'age (days)', 'scanned', 'next scan', 'findings'],
            reports.map((r: any) => [
              r.family,
              r.findings?.lastBuild?.version,
              r.findings?.ageDays === null || r.findings?.ageDays === undefined
                ? null
                : r.findings.ageDays.toFixed(1),
              when(r.findings?.scannedAt),
              when(r.nextScanAt),
              describeFindings(r.findings),
            ]),
          ),
        );
        if (!family && a.nextAfter) c.out.line(`(more: --after ${a.nextAfter})`);
      });
    });

  maintenance
    .command('rebuilds <family>')
    .description('the rebuilds the scanner asked for, and what came of each')
    .action(async (family: string) => {
      const c = cli();
      const list = await c.api.call('maintenance-scanner', {
        path: `/v1/maintenance/rebuilds/${seg(family)}`,
      });
      c.emit(list, (l: any) =>
        c.lines(
          table(
            ['asked', 'cause', 'attempt', 'state', 'build', 'reason'],
            l.items.map((a: any) => [
              when(a.askedAt),
              a.cascadeOrigin ? `${a.cause} (from ${a.cascadeOrigin.family})` : a.cause,
              a.attempt,
              a.state,
              a.buildId,
              a.outcomeReason ?? a.reason,
            ]),
          ),
        ),
      );
    });

  maintenance
    .command('scan [family]')
    .description('scan a family now (operator); every family without one')
    .action(async (family: string | undefined) => {
      const c = cli();
      const r = await c.api.call('maintenance-scanner', {
        method: 'POST',
        path: '/v1/maintenance/scans',
        role: 'operator',
        body: family ? { family } : {},
      });
      c.emit(r, () => c.out.line(`${r.queued} family(ies) queued for a scan now`));
    });
}

/** The findings of one scan as a short phrase: `stale (31.0 > 30 days); source moved`. */
export function describeFindings(f: any): string {
  if (!f) return 'not scanned yet';
  const found: string[] = [];
  if (f.stale) found.push(`stale (${f.ageDays?.toFixed(1)} > ${f.maxAgeDays} days)`);
  if (f.sourceMoved) found.push(`source moved to ${f.sourceMoved.to}`);
  if (f.sourceDeprecated) found.push('source deprecated');
  if (f.sourceUnresolvable) found.push(`source unresolvable: ${f.sourceUnresolvable}`);
  if (f.parentMoved)
    found.push(
      `parent ${f.parentMoved.family}/${f.parentMoved.channel} moved to ${f.parentMoved.to}`,
    );
  for (const r of f.revokedAncestors ?? []) found.push(`ancestor ${r.family} ${r.version} revoked`);
  for (const p of f.pendingRebuilds ?? []) found.push(`rebuild ${p.state} (${p.cause})`);
  const failing = f.failingRebuilds;
  if (failing?.consecutiveFailures)
    found.push(
      `${failing.consecutiveFailures} failed rebuild(s)${failing.suspended ? ', SUSPENDED' : ''}${failing.lastReason ? `: ${failing.lastReason}` : ''}`,
    );
  return found.length ? found.join('; ') : 'ok';
}
