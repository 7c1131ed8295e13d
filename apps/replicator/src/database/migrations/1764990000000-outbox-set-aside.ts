import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingSetAsideDown, messagingSetAsideUp } from '@ami/messaging';

/** The relay sets an unpublishable outbox row aside instead of stalling (libs/messaging). */
export class OutboxSetAside1764990000000 implements MigrationInterface {
  name = 'OutboxSetAside1764990000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingSetAsideUp('replicator')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingSetAsideDown('replicator')) await queryRunner.query(sql);
  }
}
