import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenVerifier } from '@ami/auth';
import { APP_CONFIG } from '@ami/config';
import { familySpecJsonSchema } from '@ami/contracts';
import { buildOpenApiDocument, connectGrpc, serveOpenApi } from '@ami/runtime';
import type { CatalogConfig } from './config/catalog.config.js';
import { CatalogGrpcServer } from './grpc/catalog-grpc.server.js';
import { installResolveFastPath, ResolveFastPath } from './resolve/resolve-fast-path.js';
import { ResolveService } from './resolve/resolve.service.js';

/** Catalog-specific boot: YAML bodies for specs, the OpenAPI document, the gRPC server. */
export async function configureCatalog(app: NestFastifyApplication): Promise<void> {
  const config = app.get<CatalogConfig>(APP_CONFIG);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  const { $id: _id, $schema: _dialect, ...familySpec } = familySpecJsonSchema();
  const document = buildOpenApiDocument(app, {
    title: 'AMI factory catalog',
    description:
      'Image families, versions and their regional copies, channels, lineage, imports, and resolve.',
    schemas: {
      FamilySpec: familySpec,
      // PUT /v1/families/{family}/spec: the path names the family, so the body may leave it out.
      FamilySpecInPath: {
        ...familySpec,
        required: (familySpec.required as string[]).filter((field) => field !== 'name'),
      },
    },
  });
  serveOpenApi(app, document);
  const resolver = app.get(ResolveService);
  const verifier = app.get(TokenVerifier);
  // Resolve's cache hits skip Fastify's routing and Nest's pipeline (resolve-fast-path.ts).
  installResolveFastPath(
    fastify.server,
    new ResolveFastPath(resolver, verifier, config.CATALOG_RESOLVE_MAX_AGE_S),
  );
  // On CatalogGrpcServer, so that ResolveImage's cache hits skip Nest's per-call pipeline.
  connectGrpc(
    app,
    {
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      packages: ['ami.catalog.v1'],
      protos: ['ami/catalog/v1/catalog.proto'],
    },
    (options) => new CatalogGrpcServer(options).useFastResolve(() => ({ resolver, verifier })),
  );
}
