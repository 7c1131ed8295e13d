import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@ami/messaging';

export class MessagingTables1764201600000 implements MigrationInterface {
  name = 'MessagingTables1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('builder')) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesDown('builder')) await queryRunner.query(sql);
  }
}
