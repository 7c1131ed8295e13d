import { Controller, Inject, SetMetadata } from '@nestjs/common';
import { GrpcMethod, Transport } from '@nestjs/microservices';
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

/**
 * Connects a gRPC server to the app: the service's protos plus grpc.health.v1 and server
 * reflection. inheritAppConfig makes the global guard (auth) and filters apply to gRPC too.
 */
export function connectGrpc(app: NestFastifyApplication, options: GrpcServerOptions): void {
  const root = protoRoot();
  app.connectMicroservice(
    {
      transport: Transport.GRPC,
      options: {
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
      },
    },
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
