import { MigrationInterface, QueryRunner } from 'typeorm';

/** A version may be revoked: who did it, when and why (resolve refuses it from then on). */
export class VersionRevocation1765100000000 implements MigrationInterface {
  name = 'VersionRevocation1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog.image_versions
      ADD COLUMN revoked_at timestamptz,
      ADD COLUMN revoked_by text,
      ADD COLUMN revoke_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE catalog.image_versions
      DROP COLUMN revoked_at, DROP COLUMN revoked_by, DROP COLUMN revoke_reason`);
  }
}
