import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { awsConfigShape } from '@ami/aws';
import { messagingConfigShape } from '@ami/messaging';

export const maintenance_scannerConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
  ...awsConfigShape,
});

export type MaintenanceScannerConfig = z.infer<typeof maintenance_scannerConfigSchema>;
