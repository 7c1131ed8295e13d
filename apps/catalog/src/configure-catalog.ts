import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { APP_CONFIG } from '@ami/config';
import { connectGrpc } from '@ami/runtime';
import type { CatalogConfig } from './config/catalog.config.js';

/** Catalog-specific boot: YAML bodies for specs, the OpenAPI document, the gRPC server. */
export async function configureCatalog(app: NestFastifyApplication): Promise<void> {
  const config = app.get<CatalogConfig>(APP_CONFIG);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('AMI factory catalog')
      .setDescription(
        'Image families, versions and their regional copies, channels, lineage, imports, and resolve.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  );
  fastify.get('/openapi.json', (_req, reply) => {
    reply.send(document);
  });
  connectGrpc(app, {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    packages: ['ami.catalog.v1'],
    protos: ['ami/catalog/v1/catalog.proto'],
  });
}
