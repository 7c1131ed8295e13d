import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revoked versions (from the catalog's ami.version.revoked, kept apart from versions so the
 * order the facts arrive in does not matter), each family's distribution regions, and the
 * promotions the scanner owes after its rebuilds (maintenance.promoteAfterRebuild).
 */
export class RevocationsAndPromotions1765100100000 implements MigrationInterface {
  name = 'RevocationsAndPromotions1765100100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE maintenance_scanner.revoked_versions (
      family text NOT NULL,
      version text NOT NULL,
      reason text NOT NULL,
      revoked_by text NOT NULL,
      revoked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, version)
    )`);
    await q.query(
      `ALTER TABLE maintenance_scanner.families ADD COLUMN regions text[] NOT NULL DEFAULT '{}'`,
    );
    await q.query(`CREATE TABLE maintenance_scanner.promotions (
      family text NOT NULL,
      version text NOT NULL,
      channel text NOT NULL,
      ask_id uuid NOT NULL,
      state text NOT NULL CHECK (state IN ('waiting', 'requested')),
      created_at timestamptz NOT NULL DEFAULT now(),
      requested_at timestamptz,
      PRIMARY KEY (family, version, channel)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE maintenance_scanner.promotions');
    await q.query('ALTER TABLE maintenance_scanner.families DROP COLUMN regions');
    await q.query('DROP TABLE maintenance_scanner.revoked_versions');
  }
}
