import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const replicatorConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
});

export type ReplicatorConfig = z.infer<typeof replicatorConfigSchema>;
