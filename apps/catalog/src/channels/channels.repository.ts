import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '@ami/persistence';

export interface Channel {
  family: string;
  name: string;
  version: string;
  protected: boolean;
  updatedAt: Date;
}

export interface ChannelAssignment {
  id: string;
  family: string;
  channel: string;
  version: string;
  previousVersion: string | null;
  movement: 'promote' | 'rollback';
  actor: string;
  forced: boolean;
  reason: string | null;
  at: Date;
}

const toChannel = (r: any): Channel => ({
  family: r.family,
  name: r.name,
  version: r.version,
  protected: r.protected,
  updatedAt: r.updated_at,
});
const toAssignment = (r: any): ChannelAssignment => ({
  id: String(r.id),
  family: r.family,
  channel: r.channel,
  version: r.version,
  previousVersion: r.previous_version,
  movement: r.movement,
  actor: r.actor,
  forced: r.forced,
  reason: r.reason,
  at: r.at,
});

@Injectable()
export class ChannelsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async list(family: string): Promise<Channel[]> {
    return (
      await this.db.query('SELECT * FROM catalog.channels WHERE family = $1 ORDER BY name', [
        family,
      ])
    ).map(toChannel);
  }

  async lock(tx: EntityManager, family: string, name: string): Promise<Channel | null> {
    const rows = await tx.query(
      'SELECT * FROM catalog.channels WHERE family = $1 AND name = $2 FOR UPDATE',
      [family, name],
    );
    return rows[0] ? toChannel(rows[0]) : null;
  }

  /** The channels pointing to a version, locked for the rest of the transaction. */
  async lockPointingTo(tx: EntityManager, family: string, version: string): Promise<string[]> {
    const rows: { name: string }[] = await tx.query(
      'SELECT name FROM catalog.channels WHERE family = $1 AND version = $2 ORDER BY name FOR UPDATE',
      [family, version],
    );
    return rows.map((r) => r.name);
  }

  /** The newest version a channel held, other than `except`, that is not revoked. */
  async previousGood(
    tx: EntityManager,
    family: string,
    channel: string,
    except: string,
  ): Promise<string | null> {
    const [row] = await tx.query(
      `SELECT a.version FROM catalog.channel_assignments a
       JOIN catalog.image_versions v ON v.family = a.family AND v.version = a.version
       WHERE a.family = $1 AND a.channel = $2 AND a.version <> $3 AND v.revoked_at IS NULL
       ORDER BY a.id DESC LIMIT 1`,
      [family, channel, except],
    );
    return row?.version ?? null;
  }

  async point(tx: EntityManager, family: string, name: string, version: string): Promise<void> {
    await tx.query(
      `INSERT INTO catalog.channels (family, name, version) VALUES ($1, $2, $3)
       ON CONFLICT (family, name) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
      [family, name, version],
    );
  }

  async setProtected(
    tx: EntityManager,
    family: string,
    name: string,
    value: boolean,
  ): Promise<number> {
    const result = await tx.query(
      'UPDATE catalog.channels SET protected = $3, updated_at = now() WHERE family = $1 AND name = $2 RETURNING name',
      [family, name, value],
    );
    return returnedRows(result).length;
  }

  /** Appends to the channel's history; returns the assignment's id, its place in that history. */
  async record(tx: EntityManager, a: Omit<ChannelAssignment, 'id' | 'at'>): Promise<number> {
    const rows = await tx.query(
      `INSERT INTO catalog.channel_assignments (family, channel, version, previous_version, movement, actor, forced, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [a.family, a.channel, a.version, a.previousVersion, a.movement, a.actor, a.forced, a.reason],
    );
    return Number(rows[0].id);
  }

  async history(family: string, channel: string, limit = 100): Promise<ChannelAssignment[]> {
    const rows = await this.db.query(
      'SELECT * FROM catalog.channel_assignments WHERE family = $1 AND channel = $2 ORDER BY id DESC LIMIT $3',
      [family, channel, limit],
    );
    return rows.map(toAssignment);
  }

  async latestAssignment(
    tx: EntityManager,
    family: string,
    channel: string,
  ): Promise<ChannelAssignment | null> {
    const rows = await tx.query(
      'SELECT * FROM catalog.channel_assignments WHERE family = $1 AND channel = $2 ORDER BY id DESC LIMIT 1',
      [family, channel],
    );
    return rows[0] ? toAssignment(rows[0]) : null;
  }
}
