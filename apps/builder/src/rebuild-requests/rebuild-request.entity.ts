import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A rebuild request as the builder received it, from Kafka or its API. */
@Entity({ name: 'rebuild_requests' })
export class RebuildRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  family: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'requested_by', type: 'text' })
  requestedBy: string;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  @Column({ type: 'boolean', default: false })
  force: boolean;

  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId: string;

  /** build-started, duplicate, or rejected. */
  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Column({ name: 'build_id', type: 'uuid', nullable: true })
  buildId: string | null;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
