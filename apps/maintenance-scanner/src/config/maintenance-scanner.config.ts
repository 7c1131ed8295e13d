import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const maintenance_scannerConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
});

export type MaintenanceScannerConfig = z.infer<typeof maintenance_scannerConfigSchema>;
