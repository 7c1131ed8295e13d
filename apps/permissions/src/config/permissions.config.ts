import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { awsConfigShape } from '@ami/aws';
import { messagingConfigShape } from '@ami/messaging';

export const permissionsConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
});

export type PermissionsConfig = z.infer<typeof permissionsConfigSchema>;
