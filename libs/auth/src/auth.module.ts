import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG } from '@ami/config';
import type { AuthConfig } from './auth-config.js';
import { AuthGuard } from './auth.guard.js';
import { TokenVerifier } from './token-verifier.js';

/** The auth settings the module uses; by default the service's APP_CONFIG. */
export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

/**
 * Authenticates every HTTP route and gRPC method of the app (a global guard). Import it once,
 * next to ConfigModule.forService(...) whose schema spreads authConfigShape. The app refuses to
 * start unless exactly one key source is configured.
 * For a hybrid app, connect the gRPC microservice with { inheritAppConfig: true }: without it
 * Nest does not apply global guards to that transport.
 */
@Global()
@Module({
  providers: [
    { provide: AUTH_CONFIG, inject: [APP_CONFIG], useFactory: (config: AuthConfig) => config },
    {
      provide: TokenVerifier,
      inject: [AUTH_CONFIG],
      useFactory: (config: AuthConfig) => new TokenVerifier(config),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenVerifier, AUTH_CONFIG],
})
export class AuthModule {
  /** The same module with explicit settings (tests, tools); no APP_CONFIG needed. */
  static withConfig(config: AuthConfig): DynamicModule {
    // Providers of a dynamic module are registered after the static ones and replace them.
    return { module: AuthModule, providers: [{ provide: AUTH_CONFIG, useValue: config }] };
  }
}
