import { MigrationInterface, QueryRunner } from 'typeorm';
import { LEASE_COLUMNS_SQL } from '@ami/jobs';

/**
 * Retention: when each family is planned next, every pointer a channel had (versions a channel pointed to within the window are
 * kept), owned copies in other accounts (retired with the rest of their version), versions an
 * operator holds, and retention plans with their actions. A plan is a job: claimed with a
 * fenced lease while it is executed, one action at a time, each action's outcome saved as it
 * happens so a killed run goes on where it stopped.
 */
export class Retention1765200000000 implements MigrationInterface {
  name = 'Retention1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE maintenance_scanner.channel_history (
      family text NOT NULL,
      channel text NOT NULL,
      version text NOT NULL,
      sequence bigint,
      moved_at timestamptz NOT NULL,
      PRIMARY KEY (family, channel, moved_at, version)
    )`);
    await q.query(
      `ALTER TABLE maintenance_scanner.families ADD COLUMN accounts jsonb NOT NULL DEFAULT '[]'`,
    );
    await q.query(`CREATE TABLE maintenance_scanner.account_copies (
      family text NOT NULL,
      version text NOT NULL,
      account text NOT NULL,
      region text NOT NULL,
      image_id text NOT NULL,
      PRIMARY KEY (family, version, account, region)
    )`);
    await q.query(`CREATE TABLE maintenance_scanner.version_holds (
      family text NOT NULL,
      version text NOT NULL,
      reason text NOT NULL,
      held_by text NOT NULL,
      held_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, version)
    )`);
    // The retention schedule is a job table of its own: planning reads AWS and must not hold
    // the scan's lease, nor add to a scan's calls.
    await q.query(`CREATE TABLE maintenance_scanner.retention_schedule (
      id text PRIMARY KEY,
      next_plan_at timestamptz NOT NULL DEFAULT now(),
      generation bigint NOT NULL DEFAULT 0,
      last_plan_at timestamptz,
      ${LEASE_COLUMNS_SQL}
    )`);
    await q.query(
      'CREATE INDEX retention_schedule_due ON maintenance_scanner.retention_schedule (next_plan_at)',
    );
    await q.query(`CREATE TABLE maintenance_scanner.retention_plans (
      id uuid PRIMARY KEY,
      family text NOT NULL,
      trigger text NOT NULL CHECK (trigger IN ('schedule', 'api')),
      requested_by text NOT NULL,
      state text NOT NULL CHECK (state IN ('planned', 'executing', 'done', 'superseded')),
      policy jsonb NOT NULL,
      kept jsonb NOT NULL,
      shared_snapshots jsonb NOT NULL,
      storage jsonb NOT NULL,
      unknown_usage jsonb NOT NULL DEFAULT '[]',
      bytes_recovered bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      execute_requested_by text,
      started_at timestamptz,
      finished_at timestamptz,
      next_attempt_at timestamptz,
      ${LEASE_COLUMNS_SQL}
    )`);
    await q.query(
      'CREATE INDEX retention_plans_family ON maintenance_scanner.retention_plans (family, created_at DESC)',
    );
    await q.query(
      `CREATE INDEX retention_plans_executing ON maintenance_scanner.retention_plans (next_attempt_at) WHERE state = 'executing'`,
    );
    await q.query(`CREATE TABLE maintenance_scanner.retention_actions (
      plan_id uuid NOT NULL REFERENCES maintenance_scanner.retention_plans (id),
      seq integer NOT NULL,
      version text NOT NULL,
      account text NOT NULL,
      region text NOT NULL,
      image_id text NOT NULL,
      action text NOT NULL CHECK (action IN ('deprecate', 'disable', 'deregister', 'delete-snapshot')),
      snapshot_id text,
      bytes bigint NOT NULL DEFAULT 0,
      deprecate_at timestamptz,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'skipped', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      reason text,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      done_at timestamptz,
      PRIMARY KEY (plan_id, seq)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'retention_actions',
      'retention_plans',
      'version_holds',
      'retention_schedule',
      'account_copies',
      'channel_history',
    ])
      await q.query(`DROP TABLE maintenance_scanner.${table}`);
    await q.query('ALTER TABLE maintenance_scanner.families DROP COLUMN accounts');
  }
}
