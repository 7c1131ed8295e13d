import { MigrationInterface, QueryRunner } from 'typeorm';

/** Families and their spec versions, image versions and regional copies, channels, orphans. */
export class CatalogModel1764201800000 implements MigrationInterface {
  name = 'CatalogModel1764201800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE catalog.families (
      name text PRIMARY KEY,
      description text NOT NULL DEFAULT '',
      owner text NOT NULL,
      spec_version integer NOT NULL,
      parent_family text REFERENCES catalog.families(name),
      parent_channel text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query('CREATE INDEX families_parent_idx ON catalog.families (parent_family)');
    await q.query(`CREATE TABLE catalog.family_spec_versions (
      family text NOT NULL REFERENCES catalog.families(name),
      version integer NOT NULL,
      spec jsonb NOT NULL,
      digest text NOT NULL,
      applied_by text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, version)
    )`);
    await q.query(`CREATE TABLE catalog.image_versions (
      family text NOT NULL REFERENCES catalog.families(name),
      version text NOT NULL,
      origin text NOT NULL CHECK (origin IN ('build', 'import')),
      build_id uuid,
      spec_version integer,
      recipe_digest text,
      source_image_id text,
      source_region text,
      source_description text,
      parent_family text,
      parent_version text,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (family, version),
      FOREIGN KEY (parent_family, parent_version) REFERENCES catalog.image_versions(family, version)
    )`);
    await q.query(
      'CREATE INDEX image_versions_created_idx ON catalog.image_versions (family, created_at DESC)',
    );
    await q.query(
      'CREATE INDEX image_versions_parent_idx ON catalog.image_versions (parent_family, parent_version)',
    );
    await q.query(`CREATE TABLE catalog.regional_copies (
      family text NOT NULL,
      version text NOT NULL,
      region text NOT NULL,
      image_id text,
      snapshot_ids text[] NOT NULL DEFAULT '{}',
      state text NOT NULL CHECK (state IN ('pending', 'available', 'failed', 'deprecated', 'disabled', 'deregistered')),
      state_reason text,
      owner_id text,
      owner_type text,
      root_device_type text,
      launch_permissions jsonb,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, version, region),
      FOREIGN KEY (family, version) REFERENCES catalog.image_versions(family, version)
    )`);
    await q.query('CREATE INDEX regional_copies_image_idx ON catalog.regional_copies (image_id)');
    await q.query(`CREATE TABLE catalog.channels (
      family text NOT NULL REFERENCES catalog.families(name),
      name text NOT NULL,
      version text NOT NULL,
      protected boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (family, name),
      FOREIGN KEY (family, version) REFERENCES catalog.image_versions(family, version)
    )`);
    await q.query(`CREATE TABLE catalog.channel_assignments (
      id bigserial PRIMARY KEY,
      family text NOT NULL,
      channel text NOT NULL,
      version text NOT NULL,
      previous_version text,
      movement text NOT NULL CHECK (movement IN ('promote', 'rollback')),
      actor text NOT NULL,
      forced boolean NOT NULL DEFAULT false,
      reason text,
      at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      'CREATE INDEX channel_assignments_idx ON catalog.channel_assignments (family, channel, id DESC)',
    );
    await q.query(`CREATE TABLE catalog.orphan_events (
      event_id text PRIMARY KEY,
      event_type text NOT NULL,
      family text NOT NULL,
      payload jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      adopted_at timestamptz
    )`);
    await q.query(
      'CREATE INDEX orphan_events_family_idx ON catalog.orphan_events (family) WHERE adopted_at IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'orphan_events',
      'channel_assignments',
      'channels',
      'regional_copies',
      'image_versions',
      'family_spec_versions',
      'families',
    ]) {
      await q.query(`DROP TABLE catalog.${t}`);
    }
  }
}
