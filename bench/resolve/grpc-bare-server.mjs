// A bare @grpc/grpc-js server for ResolveImage (no Nest, no auth, no database): the gRPC
// counterpart of the nginx baseline. It answers every key of <grpc-data.json> from a Map with an
// answer shaped like the catalog's, so the protocol, the library and the load generator cost
// the same as in the catalog run, and what is left is the catalog's own per-call work.
//   node grpc-bare-server.mjs <port> <proto root> <grpc-data.json>
import { readFileSync } from 'node:fs';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [port, root, dataFile] = process.argv.slice(2);
// The catalog's loader options (libs/runtime/src/grpc.ts).
const definition = protoLoader.loadSync('ami/catalog/v1/catalog.proto', {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [root],
});
const { CatalogService } = grpc.loadPackageDefinition(definition).ami.catalog.v1;

const answers = new Map();
JSON.parse(readFileSync(dataFile, 'utf8')).forEach(({ family, channel, region }, i) => {
  answers.set(`${family}\u0000${channel}\u0000${region}`, {
    family,
    channel,
    region,
    version: '2026.11.04-1',
    imageId: `ami-0be${i.toString(16).padStart(14, '0')}`,
    state: 'available',
  });
});

const server = new grpc.Server();
server.addService(CatalogService.service, {
  resolveImage(call, callback) {
    const { family, channel, region } = call.request;
    const answer = answers.get(`${family}\u0000${channel || 'prod'}\u0000${region}`);
    if (answer) callback(null, answer);
    else callback({ code: grpc.status.NOT_FOUND, message: `no ${family} in ${region}` });
  },
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`ready on 127.0.0.1:${port}`);
});
const stop = () => server.tryShutdown(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
