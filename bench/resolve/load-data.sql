-- Bench data for the resolve benchmark, loaded into the catalog's own tables as the
-- catalog role: :families families named bench-00001 ..., each with spec version 1,
-- 5 image versions (origin build, 2026.11.01-1 .. 2026.11.05-1, created_at ascending),
-- 8 available regional copies per version, and a prod channel on the 4th version.
--
--   psql -v families=10000 -f bench/resolve/load-data.sql
--
-- run.sh calls this only when the bench rows are missing or incomplete. It replaces any
-- previous bench rows (names matching ^bench-[0-9]+$) in one transaction, so a failed or
-- interrupted load leaves nothing behind. Nothing else in the catalog is touched: no events
-- are published, so the other services never hear of these families.
\set ON_ERROR_STOP on
\set QUIET on

-- (The catalog role may not create temporary tables: each statement generates its families.)
BEGIN;
SET LOCAL synchronous_commit = off;

DELETE FROM catalog.channel_assignments WHERE family ~ '^bench-[0-9]+$';
DELETE FROM catalog.channels WHERE family ~ '^bench-[0-9]+$';
DELETE FROM catalog.regional_copies WHERE family ~ '^bench-[0-9]+$';
DELETE FROM catalog.image_versions WHERE family ~ '^bench-[0-9]+$';
DELETE FROM catalog.family_spec_versions WHERE family ~ '^bench-[0-9]+$';
DELETE FROM catalog.families WHERE name ~ '^bench-[0-9]+$';

INSERT INTO catalog.families (name, description, owner, spec_version, created_at, updated_at)
SELECT name, 'resolve benchmark family (bench/resolve)', 'bench', 1,
       timestamptz '2026-11-01 00:00:00+00', timestamptz '2026-11-01 00:00:00+00'
FROM (SELECT i, 'bench-' || lpad(i::text, 5, '0') AS name FROM generate_series(1, :families) AS i) AS f;

-- The spec as the catalog stores it (validated, defaults filled in); the text is the canonical
-- JSON (keys sorted, no spaces), so the digest is the one @ami/contracts digestOf() computes.
INSERT INTO catalog.family_spec_versions (family, version, spec, digest, applied_by, applied_at)
SELECT name, 1, canonical::jsonb, 'sha256:' || encode(sha256(convert_to(canonical, 'UTF8')), 'hex'),
       'bench', timestamptz '2026-11-01 00:00:00+00'
FROM (
  SELECT name,
         '{"description":"resolve benchmark family (bench/resolve)","distribution":{"kmsKeys":{},"regions":'
         || '["us-east-1","us-east-2","us-west-2","eu-west-1","eu-central-1","ap-southeast-1","ap-southeast-2","ap-northeast-1"]},'
         || '"maintenance":{"keepLatest":3,"perRunCap":10,"rebuildOnSourceChange":true},"name":"' || name
         || '","owner":"bench","sharing":{"accounts":[],"organizationArns":[],"organizationalUnitArns":[],"public":false},'
         || '"source":{"ssmParameter":"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}}'
           AS canonical
  FROM (SELECT i, 'bench-' || lpad(i::text, 5, '0') AS name FROM generate_series(1, :families) AS i) AS f
) AS s;

INSERT INTO catalog.image_versions (family, version, origin, build_id, spec_version, recipe_digest,
                                    source_image_id, source_region, source_description, created_at)
SELECT f.name, '2026.11.0' || v || '-1', 'build', gen_random_uuid(), 1, 'sha256:bench',
       NULL, NULL, 'bench data',
       timestamptz '2026-11-01 06:00:00+00' + (v - 1) * interval '1 day'
FROM (SELECT i, 'bench-' || lpad(i::text, 5, '0') AS name FROM generate_series(1, :families) AS i) AS f
CROSS JOIN generate_series(1, 5) AS v;

-- Unique fake ids: "ami-0be" + 14 hex digits of a running number (17 hex digits in all).
INSERT INTO catalog.regional_copies (family, version, region, image_id, snapshot_ids, state,
                                     owner_type, root_device_type, updated_at)
SELECT f.name, '2026.11.0' || v || '-1', g.region,
       'ami-0be' || lpad(to_hex(n), 14, '0'), ARRAY['snap-0be' || lpad(to_hex(n), 14, '0')],
       'available', 'self', 'ebs', timestamptz '2026-11-01 06:00:00+00' + (v - 1) * interval '1 day'
FROM (SELECT i, 'bench-' || lpad(i::text, 5, '0') AS name FROM generate_series(1, :families) AS i) AS f
CROSS JOIN generate_series(1, 5) AS v
CROSS JOIN (SELECT region, ordinality::int AS r
                     FROM unnest(ARRAY['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1',
                                       'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1'])
                          WITH ORDINALITY AS region) AS g
CROSS JOIN LATERAL (SELECT ((f.i - 1) * 5 + (v - 1)) * 8 + g.r AS n) AS k;

INSERT INTO catalog.channels (family, name, version, protected, updated_at)
SELECT name, 'prod', '2026.11.04-1', false, timestamptz '2026-11-04 12:00:00+00'
FROM (SELECT i, 'bench-' || lpad(i::text, 5, '0') AS name FROM generate_series(1, :families) AS i) AS f;

INSERT INTO catalog.channel_assignments (family, channel, version, previous_version, movement,
                                         actor, forced, reason, at)
SELECT name, 'prod', '2026.11.04-1', NULL, 'promote', 'bench', false, 'bench data',
       timestamptz '2026-11-04 12:00:00+00'
FROM (SELECT i, 'bench-' || lpad(i::text, 5, '0') AS name FROM generate_series(1, :families) AS i) AS f;

COMMIT;

ANALYZE catalog.families, catalog.family_spec_versions, catalog.image_versions,
        catalog.regional_copies, catalog.channels, catalog.channel_assignments;
