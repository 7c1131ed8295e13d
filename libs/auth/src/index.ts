/**
 * @ami/auth: bearer-token authentication and roles for every HTTP and gRPC API.
 * AuthModule installs a global guard: a JWT verified once (HS256 secret, PEM public key or JWKS)
 * is cached until it expires; roles are ordered reader < operator < admin. Handlers opt out with
 * @Public(), ask for more with @RequireRole(...), and read the caller with @CurrentActor() or
 * actorFrom(metadata). Kafka event handlers are never authenticated here.
 */
export * from './actor.js';
export * from './auth-config.js';
export * from './auth-error.js';
export * from './auth.guard.js';
export * from './auth.module.js';
export * from './current-actor.decorator.js';
export * from './mint-token.js';
export * from './public.decorator.js';
export * from './require-role.decorator.js';
export * from './roles.js';
export * from './token-verifier.js';
