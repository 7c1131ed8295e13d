// Writes the request keys of the resolve benchmark: a deterministic spread of distinct
// (family, region) pairs over the bench data, channel prod.
//   node keys.mjs <families> <keys> <outdir>
// -> <outdir>/paths.txt (one HTTP path a line, for wrk) and <outdir>/grpc-data.json
//    (a JSON array of ResolveImageRequest, which ghz cycles through).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
];

const [families, keys, outdir] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  process.argv[4],
];
const total = families * REGIONS.length;
if (!(families > 0) || !(keys > 0) || !outdir) {
  console.error('usage: node keys.mjs <families> <keys> <outdir>');
  process.exit(2);
}
if (keys > total) {
  console.error(`asked for ${keys} keys but the data has only ${total} (family, region) pairs`);
  process.exit(2);
}

const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
// i -> i * stride mod total visits distinct pairs when stride and total are coprime.
let stride = 40503;
while (gcd(stride, total) !== 1) stride++;

const paths = [];
const requests = [];
for (let i = 0; i < keys; i++) {
  const p = (i * stride) % total;
  const family = `bench-${String(Math.floor(p / REGIONS.length) + 1).padStart(5, '0')}`;
  const region = REGIONS[p % REGIONS.length];
  paths.push(`/v1/families/${family}/resolve?channel=prod&region=${region}`);
  requests.push({ family, channel: 'prod', region });
}
writeFileSync(join(outdir, 'paths.txt'), `${paths.join('\n')}\n`);
writeFileSync(join(outdir, 'grpc-data.json'), JSON.stringify(requests));
console.log(`${keys} keys (stride ${stride} over ${total} pairs)`);
