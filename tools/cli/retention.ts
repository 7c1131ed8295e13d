import { parseArgs } from 'node:util';
import { mintToken } from '@ami/auth';

/**
 * npm run retention -- plan <family>              a dry run: what would go, what stays and why
 * npm run retention -- show <plan-id>             a plan and what each action did
 * npm run retention -- latest <family>            the family's newest plan
 * npm run retention -- execute <plan-id>          executes exactly that plan (admin)
 * npm run retention -- restore <family> <version> --reason <why>
 * npm run retention -- storage <family>
 *
 * Talks to the maintenance scanner's HTTP API (MAINTENANCE_SCANNER_URL, default
 * http://127.0.0.1:$MAINTENANCE_SCANNER_HTTP_PORT or 3005) with AMI_TOKEN, or a token minted
 * from AUTH_JWT_SECRET for local use. --json prints the API's answer as it is.
 */
const usage = `usage: npm run retention -- <plan <family> | latest <family> | show <plan-id> | execute <plan-id> | restore <family> <version> --reason <why> | storage <family>> [--json]`;

const parsed = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        reason: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
})();

const [command, ...args] = parsed.positionals;
if (parsed.values.help || !command) {
  console.log(usage);
  process.exit(parsed.values.help ? 0 : 2);
}

const base =
  process.env.MAINTENANCE_SCANNER_URL ??
  `http://127.0.0.1:${process.env.MAINTENANCE_SCANNER_HTTP_PORT ?? '3005'}`;

async function token(role: 'operator' | 'admin'): Promise<string> {
  if (process.env.AMI_TOKEN) return process.env.AMI_TOKEN;
  const secret = process.env.AUTH_JWT_SECRET;
  if (!secret)
    fail(
      'set AMI_TOKEN, or AUTH_JWT_SECRET to mint a local token (eval "$(npm run -s stack -- env)")',
    );
  return mintToken({ subject: process.env.USER ?? 'cli', roles: [role], secret, expiresIn: 600 });
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function call(method: string, path: string, role: 'operator' | 'admin', body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await token(role)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error: Error) =>
    fail(`cannot reach the maintenance scanner at ${base}: ${error.message}`),
  );
  const text = await res.text();
  const answer = text ? JSON.parse(text) : null;
  if (!res.ok) fail(`${res.status}: ${answer?.detail ?? answer?.title ?? text}`);
  return answer;
}

const GIB = 1024 ** 3;

function printPlan(plan: any) {
  const s = plan.summary;
  console.log(
    `plan ${plan.planId} for ${plan.family}: ${plan.state} (${plan.trigger} by ${plan.requestedBy}, ${plan.createdAt}, mode ${plan.mode})`,
  );
  console.log(
    `  deprecate ${s.deprecate}, disable ${s.disable}, deregister ${s.deregister}, delete snapshots ${s.deleteSnapshot}; recovers ${(s.bytesRecovered / GIB).toFixed(1)} GiB`,
  );
  if (plan.state !== 'planned')
    console.log(`  done ${s.done}, skipped ${s.skipped}, failed ${s.failed}, pending ${s.pending}`);
  for (const a of plan.actions)
    console.log(
      `  ${String(a.seq).padStart(3)} ${a.state.padEnd(7)} ${a.action.padEnd(15)} ${a.version} ${a.account}/${a.region} ${a.snapshotId ?? a.imageId}${a.reason ? `  (${a.reason})` : ''}`,
    );
  for (const k of plan.kept) {
    console.log(`  keeps ${k.version}: ${k.reasons.join('; ')}`);
    for (const u of k.usedBy ?? [])
      console.log(
        `    ${u.imageId} (${u.region}) used by ${u.uses.map((x: any) => `${x.kind} ${x.id}`).join(', ')}`,
      );
  }
  for (const w of plan.unknownUsage) console.log(`  usage unknown (kept): ${w}`);
}

function printStorage(storage: any[]) {
  for (const s of storage)
    console.log(
      `  ${s.account}/${s.region}: ${s.amiCount} AMIs of ${s.amiQuota} allowed, ${s.snapshotGiB} GiB of snapshots, ${s.orphanedSnapshots.length} orphaned`,
    );
}

const need = (n: number) => {
  if (args.length < n) fail(usage);
};
const out = async (answer: any, print: (a: any) => void) =>
  parsed.values.json ? console.log(JSON.stringify(answer, null, 2)) : print(answer);

switch (command) {
  case 'plan':
    need(1);
    await out(
      await call('POST', `/v1/maintenance/families/${args[0]}/retention/plans`, 'operator'),
      (p) => {
        printPlan(p);
        if (p.actions.length > 0)
          console.log(`execute it with: npm run retention -- execute ${p.planId}`);
      },
    );
    break;
  case 'latest':
    need(1);
    await out(
      await call('GET', `/v1/maintenance/families/${args[0]}/retention/plans/latest`, 'operator'),
      printPlan,
    );
    break;
  case 'show':
    need(1);
    await out(
      await call('GET', `/v1/maintenance/retention/plans/${args[0]}`, 'operator'),
      printPlan,
    );
    break;
  case 'execute':
    need(1);
    await out(
      await call('POST', `/v1/maintenance/retention/plans/${args[0]}/execute`, 'admin'),
      printPlan,
    );
    break;
  case 'restore':
    need(2);
    if (!parsed.values.reason) fail('restore needs --reason <why>');
    await out(
      await call(
        'POST',
        `/v1/maintenance/families/${args[0]}/versions/${args[1]}/restore`,
        'operator',
        {
          reason: parsed.values.reason,
        },
      ),
      (r) => {
        console.log(`${r.family} ${r.version} restored and held`);
        for (const c of r.copies)
          console.log(
            `  ${c.account}/${c.region} ${c.imageId}: ${c.state}${c.reason ? ` (${c.reason})` : ''}`,
          );
      },
    );
    break;
  case 'storage':
    need(1);
    await out(await call('GET', `/v1/maintenance/families/${args[0]}/storage`, 'operator'), (s) => {
      console.log(`${s.family}, measured ${s.measuredAt} (plan ${s.planId})`);
      printStorage(s.storage);
    });
    break;
  default:
    fail(`unknown command ${command}\n${usage}`);
}
