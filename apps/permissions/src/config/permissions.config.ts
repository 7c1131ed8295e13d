import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const permissionsConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
});

export type PermissionsConfig = z.infer<typeof permissionsConfigSchema>;
