// Carries out a fault plan against the running platform, on its schedule.
import { spawn } from 'node:child_process';
import { EventCatalog } from '@ami/contracts';
import { eventSourceOf, topicOwner } from '@ami/messaging';
import type { PoisonSent } from './invariants.js';
import type { Platform } from './platform.js';
import type { Fleet } from './replicas.js';
import { describeFault, type Fault } from './schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The header every poison message carries, so that its dead letters can be matched. */
export const POISON_HEADER = 'x-drill-poison';

/** For each consumed topic, an event type of it whose payload the drill breaks. */
const POISON_TYPES: Record<string, string> = Object.fromEntries(
  Object.entries(EventCatalog)
    .map(([type, entry]) => [entry.topic, type] as const)
    .reverse(),
);

/** A fact topic's events must come from its owner: the source a schema-invalid event claims. */
function sourceFor(topic: string): string {
  const owner = topicOwner(topic);
  return owner ? eventSourceOf(owner) : '/ci/drill';
}

export interface ChaosLog {
  at: number;
  line: string;
}

export class Chaos {
  readonly done: ChaosLog[] = [];
  readonly poisonSent: PoisonSent[] = [];
  /** Faults that could not be applied (or undone), with why. */
  readonly failures: string[] = [];
  private infra: Promise<void> = Promise.resolve();
  private readonly pending: Promise<void>[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private startedAt = Date.now();

  constructor(
    private readonly platform: Platform,
    private readonly fleet: Fleet,
    private readonly runId: string,
    /** The topics the drill's consumer groups read: where poison goes. */
    private readonly poisonTopics: () => Promise<string[]>,
    private readonly log: (line: string) => void,
    /** Sabotage: a kill takes every replica of the service, and nothing is restarted. */
    private readonly sabotage: { noRestart?: boolean } = {},
  ) {}

  private note(line: string): void {
    const at = Date.now() - this.startedAt;
    this.done.push({ at, line });
    this.log(`[fault t+${(at / 1000).toFixed(1)}s] ${line}`);
  }

  /** Schedules every fault; `settled()` resolves once the last one has been undone. */
  start(plan: Fault[]): void {
    this.startedAt = Date.now();
    for (const fault of plan) {
      this.timers.push(
        setTimeout(() => {
          const run = this.apply(fault).catch((error: Error) => {
            this.failures.push(`${describeFault(fault)}: ${error.message}`);
            this.note(`FAILED: ${describeFault(fault)}: ${error.message}`);
          });
          this.pending.push(run);
        }, fault.at),
      );
    }
  }

  async settled(planEndMs: number): Promise<void> {
    const wait = planEndMs - (Date.now() - this.startedAt);
    if (wait > 0) await sleep(wait + 100);
    // Faults scheduled later may push more.
    for (let i = 0; i < this.pending.length; i++) await this.pending[i];
    await this.infra;
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  /** Kafka and PostgreSQL restarts and poison runs one at a time (a producer's retry across a broker restart could send twice). */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const next = this.infra.then(fn, fn);
    this.infra = next.catch(() => undefined);
    return next;
  }

  private async apply(fault: Fault): Promise<void> {
    switch (fault.kind) {
      case 'kill': {
        if (this.sabotage.noRestart) {
          for (const r of this.fleet.of(fault.service)) await r.kill();
          this.note(`SIGKILL every ${fault.service} replica, not restarted (sabotage)`);
          return;
        }
        const replica = this.fleet.replica(fault.service, fault.replica);
        await replica.kill();
        this.note(`SIGKILL ${replica.name}`);
        await sleep(fault.downMs);
        replica.start();
        await replica.ready();
        this.note(`${replica.name} restarted and ready`);
        return;
      }
      case 'pause': {
        const replica = this.fleet.replica(fault.service, fault.replica);
        replica.signal('SIGSTOP');
        this.note(`SIGSTOP ${replica.name} for ${fault.forMs} ms`);
        await sleep(fault.forMs);
        if (!replica.paused)
          return this.note(`${replica.name} was restarted meanwhile; nothing to continue`);
        replica.signal('SIGCONT');
        this.note(`SIGCONT ${replica.name}`);
        return;
      }
      case 'restart-kafka':
        return this.exclusive(() => this.restartInfra('kafka'));
      case 'restart-postgres':
        return this.exclusive(() => this.restartInfra('postgres'));
      case 'ec2-throttle':
        return this.throttle(fault.fraction, fault.forMs);
      case 'poison':
        return this.exclusive(() => this.poison(fault.round));
    }
  }

  /** `scripts/stack.sh restart <component>`: the stack's own stop and start (pg.sh, kafka.sh). */
  async restartInfra(component: 'kafka' | 'postgres' | 'proxy'): Promise<void> {
    const t0 = Date.now();
    this.note(`restarting ${component}`);
    let output = '';
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', ['scripts/stack.sh', 'restart', component], {
        cwd: process.cwd(),
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', resolve);
    });
    if (code !== 0)
      throw new Error(`stack.sh restart ${component} exited ${code}: ${output.slice(-500)}`);
    this.note(`${component} restarted and ready in ${Date.now() - t0} ms`);
  }

  async fidelity(method: string, path: string, body?: unknown): Promise<any> {
    const base =
      process.env.FIDELITY_URL ?? `http://127.0.0.1:${process.env.FIDELITY_PORT ?? 4576}`;
    const res = await fetch(`${base}/_fidelity/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    if (!res.ok)
      throw new Error(`fidelity ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** The proxy must know the 'throttled' fault kind; one started before it did is restarted. */
  async ensureFractionalThrottle(): Promise<void> {
    const probe = { action: 'DrillProbe', kind: 'throttled', count: 1 };
    const added = await this.fidelity('POST', 'faults', probe).catch(() => undefined);
    if (added) {
      await this.fidelity('DELETE', `faults/${added.rules[0].id}`);
      return;
    }
    this.log(
      'the fidelity proxy does not know the throttled fault kind (started from older code): restarting it',
    );
    await this.restartInfra('proxy');
    const again = await this.fidelity('POST', 'faults', probe);
    await this.fidelity('DELETE', `faults/${again.rules[0].id}`);
  }

  private async throttle(fraction: number, forMs: number): Promise<void> {
    const before = await this.fidelity('GET', 'config');
    await this.fidelity('PUT', 'config', {
      pendingMs: Math.max(before.pendingMs, 3000),
      visibilityMs: Math.max(before.visibilityMs, 2000),
    });
    const added = await this.fidelity('POST', 'faults', {
      service: 'ec2',
      kind: 'throttled',
      probability: fraction,
    });
    const id = added.rules[0].id as string;
    this.note(
      `throttling ${Math.round(fraction * 100)}% of EC2 calls (rule ${id}), pending and visibility delays on`,
    );
    await sleep(forMs);
    const rules = (await this.fidelity('GET', 'faults')).rules as Array<{
      id: string;
      hits: number;
    }>;
    const hits = rules.find((r) => r.id === id)?.hits ?? 0;
    await this.fidelity('DELETE', `faults/${id}`);
    await this.fidelity('PUT', 'config', {
      pendingMs: before.pendingMs,
      visibilityMs: before.visibilityMs,
    });
    this.note(
      `EC2 throttling off after ${hits} throttled calls; delays back to ${before.pendingMs}/${before.visibilityMs} ms`,
    );
  }

  /** A poison message left out of the count: the dead-letter invariant must notice it. */
  async sendUnrecordedPoison(topic: string): Promise<void> {
    const marker = `drill-${this.runId}-unrecorded`;
    await this.platform.send('ami-admin', topic, [
      { key: marker, value: 'not json at all', headers: { [POISON_HEADER]: marker } },
    ]);
  }

  /** Per consumed topic: one message that is not JSON, one valid envelope with an invalid payload. */
  private async poison(round: number): Promise<void> {
    const topics = await this.poisonTopics();
    for (const topic of topics) {
      const base = `drill-${this.runId}-poison-${round}-${topic}`;
      const malformed = `${base}-json`;
      const invalid = `${base}-payload`;
      const type = POISON_TYPES[topic];
      const event = {
        specversion: '1.0',
        id: invalid,
        source: sourceFor(topic),
        type,
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: { family: 42, drill: invalid },
      };
      await this.platform.send('ami-admin', topic, [
        {
          key: malformed,
          value: `{"drill": "${malformed}", not json`,
          headers: { [POISON_HEADER]: malformed },
        },
        { key: invalid, value: JSON.stringify(event), headers: { [POISON_HEADER]: invalid } },
      ]);
      this.poisonSent.push({ marker: malformed, topic, what: 'malformed-json' });
      this.poisonSent.push({ marker: invalid, topic, what: 'invalid-payload' });
    }
    this.note(`poison round ${round}: ${topics.length * 2} messages on ${topics.join(', ')}`);
  }
}
