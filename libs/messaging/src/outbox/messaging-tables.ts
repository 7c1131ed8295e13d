/**
 * The tables every service keeps in its own schema for the event backbone. Each app's first
 * migration calls these, so the outbox and inbox live beside the state they protect.
 */
export function messagingTablesUp(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE ${s}.outbox (
      position bigserial PRIMARY KEY,
      event_id text NOT NULL UNIQUE,
      topic text NOT NULL,
      message_key text NOT NULL,
      event_type text NOT NULL,
      envelope text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`,
    `CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (position) WHERE published_at IS NULL`,
    `CREATE INDEX outbox_published_at_idx ON ${s}.outbox (published_at) WHERE published_at IS NOT NULL`,
    `CREATE TABLE ${s}.inbox (
      consumer text NOT NULL,
      event_id text NOT NULL,
      topic text NOT NULL,
      kafka_partition integer NOT NULL,
      kafka_offset bigint NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
  ];
}

export function messagingTablesDown(schema: string): string[] {
  return [`DROP TABLE "${schema}".inbox`, `DROP TABLE "${schema}".outbox`];
}

/** The NOTIFY channel the relay listens on; a commit that wrote to the outbox wakes it at once. */
export function outboxChannel(schema: string): string {
  return `ami_outbox_${schema}`;
}

/**
 * Second messaging migration: an outbox row the broker can never take (oversized, refused) is
 * set aside with the reason instead of blocking the rows behind it; the relay skips set-aside
 * rows. The inbox gets an index for pruning by age.
 */
export function messagingSetAsideUp(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `ALTER TABLE ${s}.outbox ADD COLUMN set_aside_at timestamptz, ADD COLUMN set_aside_reason text`,
    `DROP INDEX ${s}.outbox_unpublished_idx`,
    `CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (position) WHERE published_at IS NULL AND set_aside_at IS NULL`,
    `CREATE INDEX outbox_set_aside_idx ON ${s}.outbox (position) WHERE set_aside_at IS NOT NULL`,
    `CREATE INDEX inbox_processed_at_idx ON ${s}.inbox (processed_at)`,
  ];
}

export function messagingSetAsideDown(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `DROP INDEX ${s}.inbox_processed_at_idx`,
    `DROP INDEX ${s}.outbox_set_aside_idx`,
    `DROP INDEX ${s}.outbox_unpublished_idx`,
    `CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (position) WHERE published_at IS NULL`,
    `ALTER TABLE ${s}.outbox DROP COLUMN set_aside_at, DROP COLUMN set_aside_reason`,
  ];
}
