import { Controller, Inject, SetMetadata } from '@nestjs/common';
import { GrpcMethod, Transport, type CustomTransportStrategy } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ReflectionService } from '@grpc/reflection';
import { fileURLToPath } from 'node:url';
import { HealthRegistry } from '@ami/observability';

/** Where the .proto files live (libs/contracts/proto), from source or from dist. */
export function protoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const repo = here.includes('/dist/')
    ? here.slice(0, here.indexOf('/dist/'))
    : here.slice(0, here.indexOf('/libs/'));
  return `${repo}/libs/contracts/proto`;
}

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** e.g. ['ami.catalog.v1'] with protos ['ami/catalog/v1/catalog.proto'] */
  packages: string[];
  protos: string[];
}

/** The gRPC server's options: the service's protos plus grpc.health.v1, and server reflection. */
export function grpcServerOptions(options: GrpcServerOptions) {
  const root = protoRoot();
  return {
    url: `${options.host}:${options.port}`,
    package: [...options.packages, 'grpc.health.v1'],
    protoPath: [...options.protos, 'grpc/health/v1/health.proto'].map((p) => `${root}/${p}`),
    loader: {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [root],
    },
    onLoadPackageDefinition: (definition: any, server: any) =>
      new ReflectionService(definition).addToServer(server),
  };
}

/**
 * Connects a gRPC server to the app (grpcServerOptions). inheritAppConfig makes the global guard
 * (auth) and filters apply to gRPC too. `strategy` replaces Nest's own gRPC server with one built
 * from the same options (a subclass of ServerGrpc, e.g. one that answers a hot call itself).
 */
export function connectGrpc(
  app: NestFastifyApplication,
  options: GrpcServerOptions,
  strategy?: (options: ReturnType<typeof grpcServerOptions>) => CustomTransportStrategy,
): void {
  const serverOptions = grpcServerOptions(options);
  app.connectMicroservice(
    strategy
      ? { strategy: strategy(serverOptions) }
      : { transport: Transport.GRPC, options: serverOptions },
    { inheritAppConfig: true },
  );
}

/** grpc.health.v1.Health/Check, answered from the same checks as /health/ready. Open, like /health. */
@Controller()
@SetMetadata('ami:public', true)
export class GrpcHealthController {
  constructor(@Inject(HealthRegistry) private readonly health: HealthRegistry) {}

  @GrpcMethod('Health', 'Check')
  async check() {
    const report = await this.health.report();
    return { status: report.status === 'ok' ? 'SERVING' : 'NOT_SERVING' };
  }
}
