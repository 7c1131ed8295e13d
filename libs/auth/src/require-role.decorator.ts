import { SetMetadata } from '@nestjs/common';
import type { Role } from './roles.js';

export const REQUIRED_ROLE = 'ami:required-role';

/**
 * The least role a handler (or every handler of a controller) needs. Handlers without it need
 * 'reader'; a method's decorator overrides its controller's.
 */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);
