import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each projected regional copy remembers the position of the fact it holds (the producing
 * event's time, and a rank that breaks ties between kinds of fact), and its launch permissions
 * the time of theirs, so that a late or replayed fact never moves a row backwards
 * (docs/adr/012-catalog-projection-order.md). Rows from before this migration have no position
 * and take the next fact whatever its time.
 */
export class ProjectionPositions1765000000000 implements MigrationInterface {
  name = 'ProjectionPositions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog.regional_copies
      ADD COLUMN fact_time timestamptz,
      ADD COLUMN fact_rank smallint NOT NULL DEFAULT 0,
      ADD COLUMN permissions_time timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog.regional_copies
      DROP COLUMN fact_time, DROP COLUMN fact_rank, DROP COLUMN permissions_time`);
  }
}
