import { z } from 'zod';
import { family, version } from '../shared.js';

/**
 * A version was revoked (by an admin, with a reason): resolve refuses it, the channels that
 * pointed to it fell back to their previous good version (or, with none, still point to it
 * and resolve refuses them), and families built from it are rebuilt by the scanner.
 */
export const VERSION_REVOKED = 'ami.version.revoked';
export const versionRevokedSchema = z
  .object({
    family,
    version,
    reason: z.string().min(1).max(500),
    revokedBy: z.string().min(1),
    channels: z.array(
      z.object({ channel: z.string().min(1), fellBackTo: version.nullable() }).strict(),
    ),
  })
  .strict();
export type VersionRevoked = z.infer<typeof versionRevokedSchema>;
