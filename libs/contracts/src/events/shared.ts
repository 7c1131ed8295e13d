import { z } from 'zod';

/** Pieces several payloads share. */
export const family = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
export const version = z
  .string()
  .regex(
    /^\d{4}\.\d{2}\.\d{2}-i?\d+$/,
    'must look like 2026.11.27-1 (or 2026.11.27-i1 for an import)',
  );
export const region = z.string().min(1);
export const imageId = z.string().regex(/^ami-[0-9a-f]+$/);
export const snapshotIds = z.array(z.string().regex(/^snap-[0-9a-f]+$/));
export const timestamp = z.iso.datetime({ offset: true });
export const ownerType = z.enum(['self', 'amazon', 'marketplace', 'community', 'other-account']);
export const rootDeviceType = z.enum(['ebs', 'instance-store']);

/** The day part of a version name (2026.11.27), in UTC: versions are `<day>-<n>` (imports `<day>-i<n>`). */
export function versionDay(at: Date = new Date()): string {
  return at.toISOString().slice(0, 10).replace(/-/g, '.');
}
