import type { DataSource } from 'typeorm';
import { AppError } from '@ami/runtime';
import type { Resolved } from './resolve.service.js';

/** States a launch system may still launch from. */
const LAUNCHABLE = ['available', 'deprecated'];

// One statement each, so the family, the channel's version and the copy come from one
// snapshot: read in several statements, a promote committed in between would pair the old
// version with whatever the copy looks like afterwards.
const NAMED_CHANNEL = `
  SELECT f.name IS NOT NULL AS known, ch.version, c.image_id, c.state, iv.revoked_at, iv.revoke_reason
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN catalog.families f ON f.name = $1
  LEFT JOIN catalog.channels ch ON ch.family = f.name AND ch.name = $2
  LEFT JOIN catalog.image_versions iv ON iv.family = ch.family AND iv.version = ch.version
  LEFT JOIN catalog.regional_copies c ON c.family = ch.family AND c.version = ch.version AND c.region = $3`;

const LATEST = `
  SELECT f.name IS NOT NULL AS known, v.version, c.image_id, c.state
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN catalog.families f ON f.name = $1
  LEFT JOIN LATERAL (
    SELECT iv.version FROM catalog.image_versions iv
    JOIN catalog.regional_copies rc ON rc.family = iv.family AND rc.version = iv.version
    WHERE iv.family = f.name AND rc.region = $2 AND rc.state = ANY($3) AND iv.revoked_at IS NULL
    ORDER BY iv.created_at DESC, iv.version DESC LIMIT 1
  ) v ON true
  LEFT JOIN catalog.regional_copies c ON c.family = f.name AND c.version = v.version AND c.region = $2`;

/** What resolve answers for family + channel + region, read in one snapshot; 404s as AppError. */
export async function readResolve(
  db: DataSource,
  family: string,
  channel: string,
  region: string,
): Promise<Resolved> {
  const [row] =
    channel === 'latest'
      ? await db.query(LATEST, [family, region, LAUNCHABLE])
      : await db.query(NAMED_CHANNEL, [family, channel, region]);
  if (!row.known) throw AppError.notFound(`family ${family} not found`);
  if (!row.version) {
    throw AppError.notFound(
      channel === 'latest'
        ? `family ${family} has no launchable image in region ${region}`
        : `family ${family} has no channel ${channel}`,
    );
  }
  const version: string = row.version;
  if (row.revoked_at)
    throw AppError.notFound(
      `version ${version} of family ${family} (channel ${channel}) was revoked: ${row.revoke_reason}`,
    );
  if (!row.state)
    throw AppError.notFound(
      `version ${version} of family ${family} has no copy in region ${region}`,
    );
  if (!LAUNCHABLE.includes(row.state) || !row.image_id) {
    throw AppError.notFound(
      `version ${version} of family ${family} is ${row.state} in region ${region}`,
    );
  }
  return { family, channel, region, version, imageId: row.image_id, state: row.state };
}
