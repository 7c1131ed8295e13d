import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_CONFIG } from '@ami/config';
import { buildOpenApiDocument, connectGrpc, serveOpenApi } from '@ami/runtime';
import type { ReplicatorConfig } from './config/replicator.config.js';

/** Replicator-specific boot: the OpenAPI document and the gRPC server. */
export async function configureReplicator(app: NestFastifyApplication): Promise<void> {
  const config = app.get<ReplicatorConfig>(APP_CONFIG);
  serveOpenApi(
    app,
    buildOpenApiDocument(app, {
      title: 'AMI factory replicator',
      description:
        'Regional copies of image versions: list, inspect, retry, request; distribution targets.',
    }),
  );
  connectGrpc(app, {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    packages: ['ami.replicator.v1'],
    protos: ['ami/replicator/v1/replicator.proto'],
  });
}
