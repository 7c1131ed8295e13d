import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { APP_CONFIG, CommonConfig, ConfigError } from '@ami/config';
import { createEventServer } from '@ami/messaging';
import { PinoNestLogger, ROOT_LOGGER, createLogger } from '@ami/observability';
import { EdgeValidationPipe } from './api/edge-validation.pipe.js';
import { ProblemDetailsFilter, routingProblem } from './problem-details.filter.js';

export interface BootOptions {
  name: string;
  schema: string;
  /** Connect the Kafka event transport (services with @EventPattern handlers). */
  consumeEvents?: boolean;
  /** Extra set-up before listening (gRPC, OpenAPI, ...). */
  configure?: (app: NestFastifyApplication) => Promise<void> | void;
}

/** Creates a service's Nest application without listening: used by main.ts and by tests. */
export async function createServiceApp(
  module: Type<unknown>,
  options: BootOptions,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: 1_048_576, frameworkErrors: routingProblem }),
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  const logger = app.get<Logger>(ROOT_LOGGER);
  app.useLogger(new PinoNestLogger(logger));
  app.enableShutdownHooks();
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  // Route arguments declared with a schema (@Query({ schema }), ...) are validated here.
  app.useGlobalPipes(new EdgeValidationPipe());
  if (options.consumeEvents) {
    app.connectMicroservice(
      { strategy: createEventServer((token) => app.get(token), { schema: options.schema }) },
      { inheritAppConfig: true },
    );
  }
  await options.configure?.(app);
  return app;
}

export async function startService(app: INestApplication): Promise<void> {
  const config = app.get<CommonConfig>(APP_CONFIG);
  const logger = app.get<Logger>(ROOT_LOGGER);
  // init first: module hooks (topic creation, schema checks) must run before consumers subscribe.
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.HTTP_PORT }, 'service started');
}

/** main.ts of every service: boot, or exit 1 with a message that says what to fix. */
export async function runService(module: Type<unknown>, options: BootOptions): Promise<void> {
  try {
    const app = await createServiceApp(module, options);
    await startService(app);
  } catch (error) {
    const logger = createLogger(options.name);
    if (error instanceof ConfigError) {
      logger.fatal({ problems: error.problems }, error.message);
    } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      logger.fatal(
        `port already in use: ${(error as Error).message}; set HTTP_PORT to a free port`,
      );
    } else {
      logger.fatal({ err: error }, `${options.name} failed to start: ${(error as Error).message}`);
    }
    // Let pino flush before exiting.
    setTimeout(() => process.exit(1), 50);
  }
}
