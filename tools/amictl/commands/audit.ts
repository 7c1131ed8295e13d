import type { Command } from 'commander';
import { AuditReader, type AuditEntry } from '../audit-reader.js';
import type { Cli } from '../cli.js';
import { positiveInt } from '../cli.js';
import { when } from '../output.js';

/** `amictl audit [family]`: the ordered audit stream (ami.audit.v1), as ops read it. */
export function registerAudit(program: Command, cli: () => Cli): void {
  program
    .command('audit [family]')
    .description('who did what to which image: the newest audit entries, of one family or all')
    .option('--limit <n>', 'entries to show', positiveInt, 20)
    .option('--scan <n>', 'messages read back per partition to find them', positiveInt, 10_000)
    .option('-f, --follow', 'then keep printing new entries (Ctrl-C to stop)')
    .action(async (family: string | undefined, opts) => {
      const c = cli();
      const reader = new AuditReader(c.api.env);
      const seen: AuditEntry[] = [];
      const print = (e: AuditEntry) =>
        c.json ? c.out.line(JSON.stringify(e)) : c.out.line(auditLine(e));
      await reader.read({ family, scan: opts.scan, follow: false }, (e) => seen.push(e));
      // each family's entries are in order on its partition; across families, by time
      seen.sort((a, b) => a.time.localeCompare(b.time));
      for (const e of seen.slice(-opts.limit)) print(e);
      if (opts.follow) await reader.read({ family, scan: 0, follow: true }, print);
    });
}

/** `2026-12-04 14:38:31Z  alice  channel.promoted  web-base prod 2026.12.04-1  (why)`; the outcome unless it succeeded */
export function auditLine(e: AuditEntry): string {
  const s = e.subject;
  // channel moves name their channel in `after`, beside the version they point to
  const channel = s.channel ?? (e.after as { channel?: string } | null)?.channel;
  const what = [e.family, channel, s.version, s.region, s.imageId, s.target]
    .filter(Boolean)
    .join(' ');
  const outcome = e.outcome === 'succeeded' ? '' : `  ${e.outcome}`;
  return `${when(e.time)}  ${e.actor}  ${e.action}  ${what}${outcome}${e.reason ? `  (${e.reason})` : ''}`;
}
