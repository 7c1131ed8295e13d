// npm run drills [-- --short] [--seed N]: a scripted, repeatable fault drill. Two replicas of
// each of the five services run a journey (specs, rebuilds, copies, shares, promotions) while
// faults are injected on a seeded schedule; then the invariants are checked and printed, and
// the exit code is 1 if any fails. scripts/drills.sh prepares the stack; docs/drills.md.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { Chaos } from './chaos.js';
import { evaluate, formatResults, type InvariantResult } from './invariants.js';
import { Journey } from './journey.js';
import {
  assemble,
  endOffsets,
  groupSubscriptions,
  observedTopics,
  observeMoto,
  observeTables,
  quiescent,
  readAuditAndDeadLetters,
} from './observe.js';
import { Platform } from './platform.js';
import { Fleet } from './replicas.js';
import { describeFault, planFaults, SERVICES, type Fault } from './schedule.js';

const SABOTAGES = ['no-restart', 'leak-instance', 'unrecorded-poison'] as const;
type Sabotage = (typeof SABOTAGES)[number];

interface Options {
  short: boolean;
  seed: number;
  families?: number;
  sabotage: Set<Sabotage>;
}

function usage(): never {
  console.log(`usage: npm run drills -- [--short] [--seed N] [--families N] [--sabotage ${SABOTAGES.join('|')}]

  --short      the CI variant: 2 families, 2 regions, faults within 60 s (about 3 minutes in all)
  --seed N     the fault schedule's seed (default: random, printed); the same seed, the same faults
  --families N how many families the journey applies
  --sabotage   break the drill on purpose to see the invariants fail (may be repeated):
               no-restart (a killed service stays down, both replicas), leak-instance (an
               instance launched behind the platform's back), unrecorded-poison (a poison
               message the drill does not count)`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    short: false,
    seed: randomBytes(4).readUInt32BE(),
    sabotage: new Set(),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) usage();
      return v;
    };
    if (arg === '--short') options.short = true;
    else if (arg === '--full') options.short = false;
    else if (arg.startsWith('--seed')) options.seed = Number(value()) >>> 0;
    else if (arg.startsWith('--families')) options.families = Number(value());
    else if (arg.startsWith('--sabotage')) {
      const s = value() as Sabotage;
      if (!SABOTAGES.includes(s)) usage();
      options.sabotage.add(s);
    } else usage();
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
const profile = options.short
  ? {
      families: 2,
      regions: ['us-east-1', 'eu-west-1'],
      rounds: 1,
      windowMs: 60_000,
      sessionTimeoutMs: 10_000,
      killsPerService: 1,
      poisonRounds: 2,
      journeyMs: 150_000,
      settleMs: 45_000,
    }
  : {
      families: 4,
      regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
      rounds: 2,
      windowMs: 240_000,
      sessionTimeoutMs: 30_000,
      killsPerService: 2,
      poisonRounds: 3,
      journeyMs: 480_000,
      settleMs: 90_000,
    };
const families = options.families ?? profile.families;
const runId = randomBytes(3).toString('hex');
const t0 = Date.now();
const log = (line: string) =>
  console.log(`[drill t+${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const plan: Fault[] = planFaults({
  seed: options.seed,
  windowMs: profile.windowMs,
  killsPerService: profile.killsPerService,
  // The replicas' consumers are given this session timeout (KAFKA_SESSION_TIMEOUT_MS).
  sessionTimeoutMs: profile.sessionTimeoutMs,
  throttleForMs: 60_000,
  throttleFraction: 0.3,
  poisonRounds: profile.poisonRounds,
});

log(
  `${options.short ? 'short' : 'full'} drill, seed ${options.seed}, run ${runId}: ${families} families, regions ${profile.regions.join(', ')}, at least ${profile.rounds} build(s) each, more while faults last${options.sabotage.size ? `, SABOTAGE ${[...options.sabotage].join(', ')}` : ''}`,
);
log(`fault plan:\n  ${plan.map(describeFault).join('\n  ')}`);

const logDir = join(process.env.STACK_DIR ?? '.stack/test', 'drills', runId);
const fleet = await Fleet.create({
  runId,
  logDir,
  env: { KAFKA_SESSION_TIMEOUT_MS: String(profile.sessionTimeoutMs) },
});
const platform = new Platform(fleet, log);
const admin = platform.kafka('ami-admin');
const runGroups = SERVICES.map((s) => `${s}-drill-${runId}`);
let exitCode = 1;

try {
  const since = await endOffsets(admin, observedTopics());
  let groupsByTopic: Record<string, string[]> = {};
  const chaos = new Chaos(platform, fleet, runId, async () => Object.keys(groupsByTopic), log, {
    noRestart: options.sabotage.has('no-restart'),
  });
  await chaos.ensureFractionalThrottle();
  log(`starting ${fleet.all().length} service processes (logs: ${logDir})`);
  await fleet.startAll();
  log('every replica ready');
  // The groups have joined once every replica is ready; the broker says what each reads.
  for (let i = 0; i < 30; i++) {
    groupsByTopic = await groupSubscriptions(admin, runGroups);
    const joined = new Set(Object.values(groupsByTopic).flat());
    if (runGroups.every((g) => joined.has(g))) break;
    await sleep(1000);
  }
  log(
    `consumed topics: ${Object.entries(groupsByTopic)
      .map(([t, g]) => `${t} (${g.length} groups)`)
      .join(', ')}`,
  );

  const journey = new Journey(
    platform,
    {
      runId,
      families,
      regions: profile.regions,
      sharingAccounts: ['111122223333'],
      minRounds: profile.rounds,
      continueUntil: Date.now() + profile.windowMs,
      deadlineAt: Date.now() + profile.journeyMs,
    },
    log,
  );
  chaos.start(plan);
  const planEnd = Math.max(
    ...plan.map((f) =>
      f.kind === 'pause'
        ? f.at + f.forMs
        : f.kind === 'ec2-throttle'
          ? f.at + f.forMs
          : f.kind === 'kill'
            ? f.at + f.downMs
            : f.at,
    ),
  );
  await journey.run();
  log(
    `journey finished${journey.record.errors.length ? ` with errors: ${journey.record.errors.join('; ')}` : ''}`,
  );
  await chaos.settled(planEnd);
  chaos.cancel();
  log('every fault applied and undone');

  if (options.sabotage.has('leak-instance')) {
    const client = new EC2Client({
      endpoint: process.env.MOTO_URL,
      region: profile.regions[0],
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const [built] = await platform.query<{ image_id: string }>(
      'SELECT image_id FROM builder.builds WHERE family = ANY($1) AND image_id IS NOT NULL LIMIT 1',
      [journey.record.families],
    );
    await client.send(
      new RunInstancesCommand({
        ImageId: built.image_id,
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [{ Key: 'ami-factory:family', Value: journey.record.families[0] }],
          },
        ],
      }),
    );
    client.destroy();
    log('SABOTAGE: launched an instance tagged for the first family');
  }
  if (options.sabotage.has('unrecorded-poison')) {
    await chaos.sendUnrecordedPoison(Object.keys(groupsByTopic)[0]);
    log('SABOTAGE: sent a poison message the drill does not count');
  }

  if (!options.sabotage.has('no-restart')) {
    const healed = await fleet.heal();
    if (healed.length) log(`healed: ${healed.join(', ')}`);
  }
  let busy: string | undefined = 'not looked yet';
  const settleUntil = Date.now() + profile.settleMs;
  while (Date.now() < settleUntil) {
    busy = await quiescent(platform, journey.record.families).catch((e: Error) => e.message);
    if (!busy) break;
    await sleep(1000);
  }
  log(busy ? `still in progress after ${profile.settleMs} ms: ${busy}` : 'quiescent');
  // Dead letters and audit entries are produced as their transactions commit: a moment more.
  await sleep(3000);

  const { tables, knownSnapshotIds } = await observeTables(platform, journey.record.families);
  const moto = await observeMoto(profile.regions, journey.record.families, knownSnapshotIds);
  const bus = await readAuditAndDeadLetters(admin, since, journey.record.families, runGroups);
  const observed = assemble(journey.record, tables, moto, bus, chaos.poisonSent, groupsByTopic);
  const results: InvariantResult[] = evaluate(observed);
  results.push({
    name: 'every planned fault was applied and undone',
    pass: chaos.failures.length === 0,
    detail: `${plan.length} planned, ${plan.length - chaos.failures.length} applied`,
    problems: chaos.failures,
  });
  results.push(await infrastructureHealthy(platform));

  log(
    `faults applied:\n  ${chaos.done.map((d) => `t+${(d.at / 1000).toFixed(1)}s ${d.line}`).join('\n  ')}`,
  );
  console.log(
    `\n==== invariants (seed ${options.seed}, run ${runId}, ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
  console.log(formatResults(results));
  const crashed = fleet.all().filter((r) => r.crashes.length > 0);
  if (crashed.length)
    console.log(
      `note: replicas that exited on their own and were restarted: ${crashed.map((r) => `${r.name} ${r.crashes.length}x (${r.crashes.join(', ')})`).join('; ')}`,
    );
  exitCode = results.every((r) => r.pass) ? 0 : 1;
} catch (error) {
  log(`the drill itself failed: ${(error as Error).stack ?? error}`);
  exitCode = 1;
} finally {
  await fleet.stopAll().catch(() => undefined);
  await platform.close();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${exitCode}`);
}
process.exit(exitCode);

/** The drill restarts Kafka and PostgreSQL: both must be up and answering when it ends. */
async function infrastructureHealthy(p: Platform): Promise<InvariantResult> {
  const problems: string[] = [];
  await p
    .query('SELECT 1', [], 10_000)
    .catch((e: Error) => problems.push(`PostgreSQL: ${e.message}`));
  const kafkaAdmin = p.kafka('ami-admin').admin();
  await kafkaAdmin
    .connect()
    .then(() => kafkaAdmin.listTopics())
    .catch((e: Error) => problems.push(`Kafka: ${e.message}`))
    .finally(() => kafkaAdmin.disconnect().catch(() => undefined));
  return {
    name: 'Kafka and PostgreSQL running and healthy after the drill',
    pass: problems.length === 0,
    detail: problems.length ? 'not healthy' : 'both answer',
    problems,
  };
}
