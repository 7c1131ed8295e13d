import { SetMetadata } from '@nestjs/common';

/**
 * Metadata key marking a handler or controller as open to anonymous callers. A plain string, so
 * a lib that must not depend on @ami/auth (observability's health controller) can set it with
 * `SetMetadata('ami:public', true)`.
 */
export const IS_PUBLIC = 'ami:public';

/** No authentication: health, metrics, OpenAPI documents. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
