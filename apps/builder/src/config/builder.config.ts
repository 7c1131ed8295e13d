import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { awsConfigShape } from '@ami/aws';
import { messagingConfigShape } from '@ami/messaging';

export const builderConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
});

export type BuilderConfig = z.infer<typeof builderConfigSchema>;
