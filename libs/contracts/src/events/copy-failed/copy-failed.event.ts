import { z } from 'zod';
import { family, region, version } from '../shared.js';

export const COPY_FAILED = 'ami.copy.failed';
export const copyFailedSchema = z
  .object({ family, version, region, reason: z.string().min(1) })
  .strict();
export type CopyFailed = z.infer<typeof copyFailedSchema>;
