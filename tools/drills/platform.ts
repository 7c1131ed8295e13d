// How the drill reaches the platform: the services' HTTP APIs through whichever replica
// answers, PostgreSQL as the admin (to read every service's tables), the bus as a principal.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { mintToken } from '@ami/auth';
import type { Fleet } from './replicas.js';
import type { ServiceName } from './schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ApiAnswer {
  status: number;
  body: any;
}

export class Platform {
  private token = '';
  private tokenAt = 0;
  readonly db: pg.Pool;

  constructor(
    readonly fleet: Fleet,
    private readonly log: (line: string) => void,
  ) {
    this.db = new pg.Pool({
      host: process.env.DB_HOST ?? '127.0.0.1',
      port: Number(process.env.DB_PORT ?? 56432),
      database: process.env.DB_NAME ?? 'ami',
      user: process.env.DB_ADMIN_USER ?? 'ami_admin',
      password: process.env.DB_ADMIN_PASSWORD ?? 'ami-admin-local',
      max: 4,
      connectionTimeoutMillis: 3000,
    });
    // A restart of PostgreSQL ends idle connections: the pool drops them and reconnects.
    this.db.on('error', () => undefined);
  }

  private async bearer(): Promise<string> {
    if (Date.now() - this.tokenAt > 300_000) {
      this.token = await mintToken({
        subject: 'drill',
        roles: ['admin'],
        secret: process.env.AUTH_JWT_SECRET ?? 'ami-local-development-secret-not-for-production',
        expiresIn: 600,
      });
      this.tokenAt = Date.now();
    }
    return this.token;
  }

  /**
   * One call to a service, answered by the first replica that answers in time: a killed or
   * paused replica is passed over, as a load balancer would. Connection failures and 5xx are
   * retried until `deadlineMs`; other answers are returned as they are.
   */
  async call(
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
    deadlineMs = 60_000,
  ): Promise<ApiAnswer> {
    const deadline = Date.now() + deadlineMs;
    let last = 'no replica tried';
    for (let round = 0; ; round++) {
      const replicas = this.fleet.of(service).filter((r) => r.running && !r.paused);
      for (const replica of replicas) {
        try {
          const res = await fetch(`${replica.url}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${await this.bearer()}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(5000),
          });
          const answer = { status: res.status, body: await res.json().catch(() => null) };
          if (res.status < 500) return answer;
          last = `${replica.name} answered ${res.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
        } catch (error) {
          last = `${replica.name}: ${(error as Error).message}`;
        }
      }
      if (Date.now() > deadline) throw new Error(`${method} ${service} ${path}: ${last}`);
      await sleep(Math.min(2000, 200 * (round + 1)));
    }
  }

  /** A query as the admin, retried while PostgreSQL is away. */
  async query<T = any>(sql: string, params: unknown[] = [], deadlineMs = 90_000): Promise<T[]> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      try {
        return (await this.db.query(sql, params)).rows as T[];
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  kafka(principal: string, clientId = 'ami-drill'): Kafka {
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    const name = principal.replace(/^ami-/, '').replace(/-/g, '_').toUpperCase();
    return new Kafka({
      clientId,
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(','),
      ssl: process.env.KAFKA_SECURITY_PROTOCOL === 'SASL_SSL',
      sasl: {
        mechanism: 'scram-sha-512',
        username: principal,
        password:
          process.env[`KAFKA_${name}_PASSWORD`] ??
          `${principal.replace(/^ami-/, '')}-kafka-local-dev`,
      },
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5000 },
    });
  }

  /** Sends with a producer of its own, retried across a broker restart. */
  async send(
    principal: string,
    topic: string,
    messages: Array<{ key?: string; value: string; headers?: Record<string, string> }>,
    deadlineMs = 120_000,
  ): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      let producer: Producer | undefined;
      try {
        producer = this.kafka(principal, 'ami-drill-producer').producer({
          idempotent: true,
          maxInFlightRequests: 1,
        });
        await producer.connect();
        await producer.send({ topic, acks: -1, messages });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        this.log(`send to ${topic} failed (${(error as Error).message}); retrying`);
        await sleep(1000);
      } finally {
        await producer?.disconnect().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.db.end().catch(() => undefined);
  }
}
