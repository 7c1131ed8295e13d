import { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a cascade started: each rebuild asked because a parent moved names the root cause. */
export class AskOrigins1765100200000 implements MigrationInterface {
  name = 'AskOrigins1765100200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE maintenance_scanner.rebuild_asks ADD COLUMN origin jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE maintenance_scanner.rebuild_asks DROP COLUMN origin');
  }
}
