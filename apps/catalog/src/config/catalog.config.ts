import { z } from 'zod';
import { commonConfigShape } from '@ami/config';
import { messagingConfigShape } from '@ami/messaging';

export const catalogConfigSchema = z.object({
  ...commonConfigShape,
  ...messagingConfigShape,
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
