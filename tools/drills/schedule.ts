// The fault plan of a drill: which faults happen when, drawn from a seed so that a run can be
// repeated exactly (`npm run drills -- --seed N`). Pure: no clocks, no processes.

export const SERVICES = [
  'catalog',
  'builder',
  'replicator',
  'permissions',
  'maintenance-scanner',
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Every replica of a service: the drill runs two of each. */
export const REPLICAS = 2;

export type Fault =
  /** SIGKILL one replica (a crash, an OOM kill, a lost node); it is restarted after downMs. */
  | { kind: 'kill'; at: number; service: ServiceName; replica: number; downMs: number }
  /** SIGSTOP one replica for longer than the Kafka session timeout (a GC pause, a frozen VM), then SIGCONT. */
  | { kind: 'pause'; at: number; service: ServiceName; replica: number; forMs: number }
  /** Stop and start the broker (a rolling upgrade or a crash of the only broker). */
  | { kind: 'restart-kafka'; at: number }
  /** Stop and start PostgreSQL (a fail-over, a restart for a parameter change). */
  | { kind: 'restart-postgres'; at: number }
  /** A fraction of EC2 calls throttled, with EC2's eventual consistency on (a busy account). */
  | { kind: 'ec2-throttle'; at: number; forMs: number; fraction: number }
  /** Malformed and schema-invalid messages on every consumed topic (a bad producer). */
  | { kind: 'poison'; at: number; round: number };

export interface PlanOptions {
  seed: number;
  /** The span faults are spread over, from the start of the journey. */
  windowMs: number;
  /** SIGKILLs per service. */
  killsPerService: number;
  /** The consumers' session timeout: a pause lasts longer than this. */
  sessionTimeoutMs: number;
  throttleForMs: number;
  throttleFraction: number;
  poisonRounds: number;
}

/** mulberry32: a small, good-enough PRNG whose whole state is one 32-bit number. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function between(random: () => number, from: number, to: number): number {
  return Math.round(from + random() * (to - from));
}

function shuffled<T>(random: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** When a replica is down or paused, [from, to). */
interface Outage {
  service: ServiceName;
  replica: number;
  from: number;
  to: number;
}

/** A restarted replica takes a while to be ready again (more on a busy machine). */
const RECOVERY_MS = 20_000;

/** The service has a replica away at the same time (or still recovering): one outage at a time per service. */
function clashes(a: Outage, b: Outage): boolean {
  return a.service === b.service && a.from < b.to + RECOVERY_MS && b.from < a.to + RECOVERY_MS;
}

/**
 * The plan, sorted by time. Never more than one replica of a service is away at once (the
 * other keeps serving); Kafka and PostgreSQL are restarted in different parts of the window.
 */
export function planFaults(options: PlanOptions): Fault[] {
  const random = seededRandom(options.seed);
  const w = options.windowMs;
  const faults: Fault[] = [];
  const outages: Outage[] = [];

  faults.push({
    kind: 'ec2-throttle',
    at: between(random, 0.02 * w, 0.15 * w),
    forMs: options.throttleForMs,
    fraction: options.throttleFraction,
  });

  const paused = SERVICES[Math.floor(random() * SERVICES.length)];
  const pause: Fault = {
    kind: 'pause',
    at: between(random, 0.03 * w, 0.15 * w),
    service: paused,
    replica: Math.floor(random() * REPLICAS),
    forMs: options.sessionTimeoutMs + 10_000,
  };
  faults.push(pause);
  outages.push({
    service: paused,
    replica: pause.replica,
    from: pause.at,
    to: pause.at + pause.forMs,
  });

  faults.push({ kind: 'restart-kafka', at: between(random, 0.25 * w, 0.45 * w) });
  faults.push({ kind: 'restart-postgres', at: between(random, 0.6 * w, 0.8 * w) });

  for (let round = 0; round < options.killsPerService; round++) {
    for (const service of shuffled(random, SERVICES)) {
      // Draw until the other replica is not away then; a service with no such moment in the
      // window is not killed in this round.
      for (let attempt = 0; attempt < 50; attempt++) {
        const at = between(random, 0.03 * w, 0.9 * w);
        const downMs = between(random, 1000, 5000);
        const replica = Math.floor(random() * REPLICAS);
        const outage = { service, replica, from: at, to: at + downMs };
        if (outages.some((o) => clashes(o, outage))) continue;
        outages.push(outage);
        faults.push({ kind: 'kill', at, service, replica, downMs });
        break;
      }
    }
  }

  for (let round = 0; round < options.poisonRounds; round++) {
    const from = (round / options.poisonRounds) * 0.9 * w;
    const to = ((round + 1) / options.poisonRounds) * 0.9 * w;
    faults.push({ kind: 'poison', at: between(random, from, to), round });
  }
  return faults.sort((a, b) => a.at - b.at);
}

/** One line per fault, for the drill's log. */
export function describeFault(fault: Fault): string {
  const at = `t+${(fault.at / 1000).toFixed(1)}s`;
  switch (fault.kind) {
    case 'kill':
      return `${at} SIGKILL ${fault.service}#${fault.replica}, restarted after ${fault.downMs} ms`;
    case 'pause':
      return `${at} SIGSTOP ${fault.service}#${fault.replica} for ${fault.forMs} ms, then SIGCONT`;
    case 'restart-kafka':
      return `${at} restart Kafka`;
    case 'restart-postgres':
      return `${at} restart PostgreSQL`;
    case 'ec2-throttle':
      return `${at} throttle ${Math.round(fault.fraction * 100)}% of EC2 calls for ${fault.forMs} ms, eventual consistency on`;
    case 'poison':
      return `${at} poison messages on every consumed topic (round ${fault.round})`;
  }
}
