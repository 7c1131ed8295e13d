import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Consumer, type SASLOptions } from 'kafkajs';
import { CliError, EXIT } from './errors.js';

export const AUDIT_TOPIC = 'ami.audit.v1';
/** how long a read waits for the next message before it takes what it has */
const IDLE_MS = 15_000;

type Env = Record<string, string | undefined>;

export interface AuditEntry {
  id: string;
  time: string;
  source: string;
  family: string;
  actor: string;
  action: string;
  outcome: string;
  subject: Record<string, string>;
  reason?: string;
  before: unknown;
  after: unknown;
}

export interface AuditQuery {
  family?: string;
  /** messages read back per partition, at most, before the newest */
  scan: number;
  follow: boolean;
}

/**
 * Reads the audit stream as ops do: as the `ami-ops` principal (KAFKA_OPS_PASSWORD), in a
 * throwaway consumer group of its own (ops may use groups named ami-ops*), committing nothing,
 * so no offsets are left behind. Without `follow` it reads up to the newest entry and stops.
 */
export class AuditReader {
  private readonly kafka: Kafka;

  constructor(env: Env = process.env) {
    this.kafka = opsKafka(env);
  }

  async read(query: AuditQuery, onEntry: (entry: AuditEntry) => void): Promise<void> {
    const ends = await this.ends();
    const consumer = this.kafka.consumer({
      groupId: `ami-ops-amictl-${randomBytes(6).toString('hex')}`,
    });
    const pending = new Set(
      ends.filter((e) => !query.follow && e.high > e.low).map((e) => e.partition),
    );
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    // a partition whose last offset is never delivered (a control record) must not hang a read
    let idle = setTimeout(caughtUp, IDLE_MS);
    const stillReading = () => {
      clearTimeout(idle);
      idle = setTimeout(caughtUp, IDLE_MS);
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: AUDIT_TOPIC, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          stillReading();
          const entry = parseEntry(message.value?.toString('utf8'), message.key?.toString('utf8'));
          if (entry && (!query.family || entry.family === query.family)) onEntry(entry);
          const end = ends.find((e) => e.partition === partition)!;
          if (!query.follow && BigInt(message.offset) + 1n >= end.high) {
            pending.delete(partition);
            if (pending.size === 0) caughtUp();
          }
        },
      });
      for (const e of ends)
        consumer.seek({
          topic: AUDIT_TOPIC,
          partition: e.partition,
          offset: String(
            query.follow && query.scan === 0 ? e.high : maxOf(e.low, e.high - BigInt(query.scan)),
          ),
        });
      if (pending.size === 0 && !query.follow) return;
      await (query.follow ? new Promise<void>(() => undefined) : done);
    } catch (error) {
      throw busError(error as Error);
    } finally {
      clearTimeout(idle);
      await stop(consumer);
    }
  }

  /** Where each partition of the audit topic starts and ends now. */
  private async ends(): Promise<{ partition: number; low: bigint; high: bigint }[]> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(AUDIT_TOPIC);
      return offsets.map((o) => ({
        partition: o.partition,
        low: BigInt(o.low),
        high: BigInt(o.high),
      }));
    } catch (error) {
      throw busError(error as Error);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/** A CloudEvents audit record (structured mode, as the relay writes it) as an entry, else null. */
export function parseEntry(value: string | undefined, key: string | undefined): AuditEntry | null {
  if (!value) return null;
  try {
    const event = JSON.parse(value);
    const data = event?.data;
    // what is not an audit record (a test's stray message, another envelope) is not shown
    if (typeof event?.time !== 'string' || typeof data?.action !== 'string') return null;
    return {
      id: event.id,
      time: event.time,
      source: event.source,
      family: data.subject?.family ?? key ?? '',
      actor: data.actor,
      action: data.action,
      outcome: data.outcome,
      subject: data.subject ?? {},
      reason: data.reason,
      before: data.before ?? null,
      after: data.after ?? null,
    };
  } catch {
    return null;
  }
}

/** amictl's Kafka client, as the ops principal (reads the audit and dead-letter topics). */
export function opsKafka(env: Env): Kafka {
  return new Kafka({
    clientId: 'amictl',
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
    sasl: saslOf(env),
    ssl: sslOf(env),
    connectionTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
}

function saslOf(env: Env): SASLOptions {
  const username = env.AMI_AUDIT_USERNAME || 'ami-ops';
  const password =
    env.AMI_AUDIT_PASSWORD || (username === 'ami-ops' ? env.KAFKA_OPS_PASSWORD : undefined);
  if (!password)
    throw new CliError(
      'reading the audit stream needs the ami-ops principal\'s password: set KAFKA_OPS_PASSWORD (eval "$(bash scripts/stack.sh env)"), or AMI_AUDIT_USERNAME and AMI_AUDIT_PASSWORD',
      EXIT.unauthorised,
    );
  const mechanism =
    env.KAFKA_SASL_MECHANISM === 'scram-sha-256' ? 'scram-sha-256' : 'scram-sha-512';
  return { mechanism, username, password } as SASLOptions;
}

function sslOf(env: Env): boolean | { ca: string[] } {
  if (env.KAFKA_SECURITY_PROTOCOL !== 'SASL_SSL') return false;
  return env.KAFKA_SSL_CA_FILE ? { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] } : true;
}

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);

function busError(error: Error): CliError {
  if (error instanceof CliError) return error;
  const name = error.name ?? '';
  const code = /SASL|Authentication|Authorization/i.test(`${name} ${error.message}`)
    ? EXIT.unauthorised
    : /Connection|NumberOfRetriesExceeded/.test(name)
      ? EXIT.unreachable
      : EXIT.failed;
  return new CliError(`cannot read ${AUDIT_TOPIC}: ${error.message}`, code);
}

async function stop(consumer: Consumer): Promise<void> {
  await consumer.stop().catch(() => undefined);
  await consumer.disconnect().catch(() => undefined);
}
