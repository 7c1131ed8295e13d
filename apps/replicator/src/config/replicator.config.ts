import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { awsConfigShape } from '@ami/aws';
import { messagingConfigShape } from '@ami/messaging';

export const replicatorConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
});

export type ReplicatorConfig = z.infer<typeof replicatorConfigSchema>;
