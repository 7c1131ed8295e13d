import { DynamicModule, Global, Module } from '@nestjs/common';
import { z } from 'zod';
import { loadConfig } from './load-config.js';
import { CommonConfig } from './common-config.js';

/** Injection token for the service's validated configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export interface ServiceIdentity {
  /** Service name, e.g. "catalog"; also the Kafka client id and consumer group prefix. */
  name: string;
}
export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');

@Global()
@Module({})
export class ConfigModule {
  /** Validates the environment once at boot; the app refuses to start on any problem. */
  static forService<S extends z.ZodObject>(
    name: string,
    schema: S,
    env = process.env,
  ): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        // Loaded when the app is created, so a bad variable fails NestFactory.create with a ConfigError.
        {
          provide: APP_CONFIG,
          useFactory: () => loadConfig(schema, env) as z.infer<S> & CommonConfig,
        },
        { provide: SERVICE_IDENTITY, useValue: { name } satisfies ServiceIdentity },
      ],
      exports: [APP_CONFIG, SERVICE_IDENTITY],
    };
  }
}
