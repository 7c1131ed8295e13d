import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ReflectionService } from '@grpc/reflection';
import { TokenVerifier } from '@ami/auth';
import { APP_CONFIG } from '@ami/config';
import { familySpecJsonSchema } from '@ami/contracts';
import { buildOpenApiDocument, protoRoot, serveOpenApi } from '@ami/runtime';
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
  connectCatalogGrpc(app, config, () => ({ resolver, verifier }));
}

/**
 * The gRPC server as @ami/runtime's connectGrpc makes it (the catalog's protos, grpc.health.v1,
 * reflection; inheritAppConfig so the global auth guard and filter apply), on CatalogGrpcServer
 * so that ResolveImage's cache hits skip Nest's per-call pipeline.
 */
function connectCatalogGrpc(
  app: NestFastifyApplication,
  config: CatalogConfig,
  deps: Parameters<CatalogGrpcServer['useFastResolve']>[0],
): void {
  const root = protoRoot();
  const server = new CatalogGrpcServer({
    url: `${config.GRPC_HOST}:${config.GRPC_PORT}`,
    package: ['ami.catalog.v1', 'grpc.health.v1'],
    protoPath: ['ami/catalog/v1/catalog.proto', 'grpc/health/v1/health.proto'].map(
      (p) => `${root}/${p}`,
    ),
    loader: {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [root],
    },
    onLoadPackageDefinition: (definition: any, grpcServer: any) =>
      new ReflectionService(definition).addToServer(grpcServer),
  });
  server.useFastResolve(deps);
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
}
