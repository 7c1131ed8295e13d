// Prints <n> distinct free TCP ports on 127.0.0.1, one a line (all held open until all are found),
// chosen below Linux's ephemeral range (32768+) so that outgoing connections made before the
// servers bind them cannot take them (as libs/testing/src/ports.ts does).
import { createServer } from 'node:net';

const n = Number(process.argv[2] ?? 1);

function listen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const servers = [];
for (let tries = 0; servers.length < n; tries++) {
  if (tries > 50 * n) throw new Error('no free ports found between 20000 and 32000');
  const server = await listen(20_000 + Math.floor(Math.random() * 12_000));
  if (server) servers.push(server);
}
console.log(servers.map((s) => s.address().port).join('\n'));
await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
