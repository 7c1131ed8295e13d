import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const builderConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
});

export type BuilderConfig = z.infer<typeof builderConfigSchema>;
