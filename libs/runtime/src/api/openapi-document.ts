import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { problemContent } from './api-answers.decorator.js';
import { jsonSchemaOf, JsonSchema, standardSchemaToOpenApi } from './json-schema.js';
import { problemSchema } from './problem.schema.js';

/** The auth guard's mark for open handlers (@ami/auth's @Public(), observability's health). */
const IS_PUBLIC = 'ami:public';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

export interface OpenApiOptions {
  title: string;
  description: string;
  /** Named schemas the operations $ref, e.g. { FamilySpec: familySpecJsonSchema() }. */
  schemas?: Record<string, JsonSchema>;
}

/**
 * The service's OpenAPI 3.1 document, built from the code: paths from the controllers,
 * parameters and bodies from the zod schemas the EdgeValidationPipe validates with, answers
 * from @ApiAnswers. Then every operation gets the answers it shares with all others, so the
 * document lists each status a caller can see:
 *   - public handlers (the guard's own mark) get `security: []`, the others 401, 403 and 503;
 *   - operations with parameters or a body get 400; with a body also 413 and 415; with path
 *     parameters 414 (Fastify's router refuses one over 100 characters);
 *   - every operation gets 500 (only a bug answers it; the fuzzer fails on any 5xx).
 */
export function buildOpenApiDocument(
  app: NestFastifyApplication,
  options: OpenApiOptions,
): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
    {
      operationIdFactory: (controller, method) => `${controller}_${method}`,
      standardSchemaConverter: standardSchemaToOpenApi,
    },
  );
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      Problem: jsonSchemaOf(problemSchema),
      ...options.schemas,
    },
  };
  const open = publicHandlers(app);
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // A handler on several paths (/health and /health/ready) gets ids suffixed [0], [1]...
      const handler = (operation.operationId ?? '').replace(/\[\d+\]$/, '');
      completeAnswers(operation, open.has(handler));
      // One handler may serve several paths (/health and /health/ready): ids must be unique.
      if (operation.operationId && seen.has(operation.operationId))
        operation.operationId = `${operation.operationId}_${path.replace(/\W+/g, '_')}`;
      seen.add(operation.operationId ?? '');
    }
  }
  return document;
}

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

function completeAnswers(operation: Operation, isPublic: boolean): void {
  const answers = (operation.responses ??= {});
  const add = (status: number, description: string) => {
    answers[status] ??= { description, content: problemContent() };
  };
  if (isPublic) operation.security = [];
  else {
    add(401, 'no bearer token, or one that is expired or not signed by a trusted issuer');
    add(403, 'the token has no role that may do this');
    add(503, 'the token cannot be checked right now (key source unreachable)');
  }
  if (operation.parameters?.length || operation.requestBody)
    add(400, 'a parameter or the body is not valid; `errors` names each one');
  if (operation.parameters?.some((p) => 'in' in p && p.in === 'path'))
    add(414, 'a path parameter is longer than 100 characters');
  if (operation.requestBody) {
    add(413, 'the body is larger than 1 MiB');
    add(415, 'the body is in a media type the operation does not take');
  }
  add(500, 'internal error');
}

/** `<Controller>_<method>` of every handler marked public, as operationIdFactory names them. */
function publicHandlers(app: NestFastifyApplication): Set<string> {
  const open = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller?.prototype) continue;
      const classOpen = Reflect.getMetadata(IS_PUBLIC, controller) === true;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (classOpen || Reflect.getMetadata(IS_PUBLIC, handler) === true)
          open.add(`${controller.name}_${name}`);
      }
    }
  }
  return open;
}

/** GET /openapi.json, open like health: a client needs the document before it has a token. */
export function serveOpenApi(app: NestFastifyApplication, document: OpenAPIObject): void {
  app
    .getHttpAdapter()
    .getInstance()
    .get('/openapi.json', (_request, reply) => {
      reply.send(document);
    });
}
