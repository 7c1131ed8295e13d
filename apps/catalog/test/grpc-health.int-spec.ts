import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CatalogHarness, startCatalog } from './catalog-harness.js';

describe('catalog gRPC server: standard health service, open without a token', () => {
  let catalog: CatalogHarness;
  beforeAll(async () => {
    catalog = await startCatalog();
  });
  afterAll(async () => {
    await catalog?.close();
  });

  it('answers grpc.health.v1.Health/Check with SERVING while database and broker are up', async () => {
    const root = fileURLToPath(new URL('../../../libs/contracts/proto', import.meta.url));
    const definition = protoLoader.loadSync(`${root}/grpc/health/v1/health.proto`, {
      enums: String,
    });
    const Health = (grpc.loadPackageDefinition(definition) as any).grpc.health.v1.Health;
    const client = new Health(catalog.grpcUrl, grpc.credentials.createInsecure());
    const answer = await new Promise<any>((resolve, reject) =>
      client.Check({ service: '' }, (error: Error | null, value: unknown) =>
        error ? reject(error) : resolve(value),
      ),
    );
    client.close();
    expect(answer).toEqual({ status: 'SERVING' });
  });
});
