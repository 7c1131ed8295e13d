// Prints <n> distinct free TCP ports on 127.0.0.1, one a line (all held open until all are found).
import { createServer } from 'node:net';

const n = Number(process.argv[2] ?? 1);
const servers = await Promise.all(
  Array.from(
    { length: n },
    () =>
      new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
  ),
);
console.log(servers.map((s) => s.address().port).join('\n'));
await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
