import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the builder keeps of other services' facts remembers each fact's position, so that a
 * late or replayed event never moves it backwards: a channel pointer its move's sequence in
 * the channel's history (and the event's time, for moves published without one), a known image
 * the time of the fact that named it. Rows from before this migration take the next fact.
 */
export class ProjectionPositions1765000000000 implements MigrationInterface {
  name = 'ProjectionPositions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE builder.channel_pointers
      ADD COLUMN sequence bigint, ADD COLUMN moved_at timestamptz`);
    await q.query('ALTER TABLE builder.known_images ADD COLUMN fact_time timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE builder.channel_pointers DROP COLUMN sequence, DROP COLUMN moved_at',
    );
    await q.query('ALTER TABLE builder.known_images DROP COLUMN fact_time');
  }
}
