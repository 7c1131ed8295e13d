import { MigrationInterface, QueryRunner } from 'typeorm';

export class RebuildRequests1764201700000 implements MigrationInterface {
  name = 'RebuildRequests1764201700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE builder.rebuild_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      family text NOT NULL,
      reason text NOT NULL,
      requested_by text NOT NULL,
      idempotency_key text,
      force boolean NOT NULL DEFAULT false,
      event_id text NOT NULL UNIQUE,
      correlation_id text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(
      'CREATE INDEX rebuild_requests_family_idx ON builder.rebuild_requests (family, received_at)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE builder.rebuild_requests');
  }
}
