import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG } from '@ami/config';
import { buildOpenApiDocument, connectGrpc, serveOpenApi } from '@ami/runtime';
import type { BuilderConfig } from './config/builder.config.js';

/** Builder-specific boot: the OpenAPI document and the gRPC server. */
export async function configureBuilder(app: NestFastifyApplication): Promise<void> {
  const config = app.get<BuilderConfig>(APP_CONFIG);
  const document = buildOpenApiDocument(app, {
    title: 'AMI factory builder',
    description: 'Builds: list, inspect, request, cancel, retry.',
  });
  serveOpenApi(app, document);
  connectGrpc(app, {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    packages: ['ami.builder.v1'],
    protos: ['ami/builder/v1/builder.proto'],
  });
}
