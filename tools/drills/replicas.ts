// The five services, two replicas each, as processes of their own (as the stack runs them):
// started, SIGKILLed, SIGSTOPped and continued, restarted on the same ports.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@ami/testing';
import { REPLICAS, SERVICES, type ServiceName } from './schedule.js';

/** Worker ticks and leases short enough for a drill of minutes. */
const FAST_ENV: Record<ServiceName, Record<string, string>> = {
  catalog: {},
  builder: {
    BUILD_POLL_INTERVAL_MS: '300',
    BUILD_WORKER_INTERVAL_MS: '200',
    BUILD_LEASE_MS: '4000',
    BUILD_STEP_RETRY_BASE_MS: '300',
  },
  replicator: {
    COPY_POLL_INTERVAL_MS: '400',
    COPY_WORKER_INTERVAL_MS: '200',
    COPY_LEASE_MS: '4000',
    COPY_RETRY_BASE_MS: '300',
    COPY_RETRY_MAX_MS: '3000',
  },
  permissions: {
    PERMISSIONS_WORKER_INTERVAL_MS: '200',
    PERMISSIONS_LEASE_MS: '4000',
    PERMISSIONS_RETRY_BASE_MS: '300',
    PERMISSIONS_RETRY_MAX_MS: '3000',
  },
  'maintenance-scanner': { SCAN_WORKER_INTERVAL_MS: '500', SCAN_LEASE_MS: '4000' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Replica {
  child?: ChildProcess;
  paused = false;
  starts = 0;
  /** Exits the drill did not cause, with when and how: each is restarted, as an orchestrator would. */
  readonly crashes: string[] = [];
  /** The drill stopped it on purpose: no restart until it says so. */
  private down = false;
  private log?: WriteStream;

  constructor(
    readonly service: ServiceName,
    readonly index: number,
    readonly port: number,
    readonly grpcPort: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  get name(): string {
    return `${this.service}#${this.index}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  start(): void {
    this.down = false;
    if (this.running) return;
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    this.log.write(`\n===== ${new Date().toISOString()} starting ${this.name}\n`);
    this.starts++;
    const child = spawn(process.execPath, [`dist/apps/${this.service}/src/main.js`], {
      cwd: process.cwd(),
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.once('exit', (code, signal) => {
      if (this.down || this.child !== child) return;
      this.crashes.push(`${new Date().toISOString()} exit ${code ?? signal}`);
      this.log?.write(
        `\n===== ${new Date().toISOString()} exited on its own (${code ?? signal}); restarting\n`,
      );
      setTimeout(() => {
        if (!this.down && this.child === child) this.start();
      }, 1000).unref();
    });
    this.child = child;
    this.paused = false;
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    this.child!.kill(signal);
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
  }

  async waitExit(timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(timeoutMs)]);
  }

  async kill(): Promise<void> {
    this.down = true;
    this.signal('SIGKILL');
    await this.waitExit();
  }

  /** Until it answers ready; an exit on its own meanwhile is restarted (see start). */
  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.down) throw new Error(`${this.name} was stopped while starting`);
      if (!this.running) {
        await sleep(300);
        continue;
      }
      const res = await fetch(`${this.url}/health/ready`, {
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined);
      if (res?.status === 200) return;
      await sleep(300);
    }
    throw new Error(
      `${this.name} not ready after ${timeoutMs} ms (${this.crashes.length} exits on its own; log: ${this.logFile}); its log ends:\n${this.logTail()}`,
    );
  }

  /** The last lines of its log, so that a failure explains itself where CI prints it. */
  private logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async stop(): Promise<void> {
    this.down = true;
    if (this.paused) this.signal('SIGCONT');
    this.signal('SIGTERM');
    await this.waitExit(15_000);
    if (this.running) await this.kill();
    this.log?.end();
  }
}

export interface FleetOptions {
  runId: string;
  logDir: string;
  /** Settings every replica gets on top of its own. */
  env?: Record<string, string>;
}

/**
 * Builds each replica's environment the way scripts/lib/services.sh does: the service's own
 * database role and bus principal only (no admin credentials, no other principal's password),
 * and one consumer group per service for this run, shared by its two replicas.
 */
function replicaEnv(
  service: ServiceName,
  port: number,
  grpcPort: number,
  runId: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'DB_ADMIN_USER' || k === 'DB_ADMIN_PASSWORD') continue;
    if (/^KAFKA_.*_PASSWORD$/.test(k)) continue;
    env[k] = v;
  }
  const role = service.replace(/-/g, '_');
  const pwVar = `KAFKA_${role.toUpperCase()}_PASSWORD`;
  return {
    ...env,
    LOG_LEVEL: process.env.DRILL_SERVICE_LOG_LEVEL ?? 'warn',
    HTTP_PORT: String(port),
    GRPC_PORT: String(grpcPort),
    DB_USER: role,
    DB_PASSWORD: process.env[`${role.toUpperCase()}_DB_PASSWORD`] ?? `${role}-local-dev`,
    KAFKA_SASL_USERNAME: `ami-${service}`,
    KAFKA_SASL_PASSWORD: process.env[pwVar] ?? `${service}-kafka-local-dev`,
    KAFKA_GROUP_ID: `${service}-drill-${runId}`,
    KAFKA_NEW_GROUP_FROM_END: 'true',
    ...FAST_ENV[service],
  };
}

export class Fleet {
  readonly replicas = new Map<ServiceName, Replica[]>();

  private constructor() {}

  static async create(options: FleetOptions): Promise<Fleet> {
    mkdirSync(options.logDir, { recursive: true });
    const fleet = new Fleet();
    for (const service of SERVICES) {
      const list: Replica[] = [];
      for (let i = 0; i < REPLICAS; i++) {
        const port = await freePort();
        const grpcPort = await freePort();
        list.push(
          new Replica(
            service,
            i,
            port,
            grpcPort,
            { ...replicaEnv(service, port, grpcPort, options.runId), ...options.env },
            join(options.logDir, `${service}-${i}.log`),
          ),
        );
      }
      fleet.replicas.set(service, list);
    }
    return fleet;
  }

  all(): Replica[] {
    return [...this.replicas.values()].flat();
  }

  of(service: ServiceName): Replica[] {
    return this.replicas.get(service)!;
  }

  replica(service: ServiceName, index: number): Replica {
    return this.of(service)[index];
  }

  /** Starts every replica, a service's first replica before its second (the first runs its checks alone). */
  async startAll(): Promise<void> {
    for (const index of [0, 1]) {
      for (const r of this.all().filter((r) => r.index === index)) r.start();
      await Promise.all(
        this.all()
          .filter((r) => r.index === index)
          .map((r) => r.ready()),
      );
    }
  }

  /** Whatever a drill left down or paused is brought back. */
  async heal(): Promise<string[]> {
    const healed: string[] = [];
    for (const r of this.all()) {
      if (r.paused) {
        r.signal('SIGCONT');
        healed.push(`${r.name} continued`);
      }
      if (!r.running) {
        r.start();
        healed.push(`${r.name} restarted`);
      }
    }
    await Promise.all(this.all().map((r) => r.ready()));
    return healed;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all().map((r) => r.stop()));
  }
}
