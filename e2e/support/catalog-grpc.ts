import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_ROOT = fileURLToPath(new URL('../../libs/contracts/proto', import.meta.url));

/** The catalog's gRPC API as an outside client sees it: the published proto, a bearer token. */
export interface CatalogGrpc {
  /** Calls a unary method; rejects with the gRPC error (code, details) when the call fails. */
  call(method: string, request: unknown): Promise<any>;
  close(): void;
}

export function catalogGrpc(address: string, token: string): CatalogGrpc {
  const definition = protoLoader.loadSync(`${PROTO_ROOT}/ami/catalog/v1/catalog.proto`, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    includeDirs: [PROTO_ROOT],
  });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const client = new loaded.ami.catalog.v1.CatalogService(
    address,
    grpc.credentials.createInsecure(),
  );
  return {
    call(method, request) {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      return new Promise((resolve, reject) =>
        client[method](request, metadata, (error: grpc.ServiceError | null, value: any) =>
          error ? reject(error) : resolve(value),
        ),
      );
    },
    close: () => client.close(),
  };
}
