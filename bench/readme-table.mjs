// Puts bench/results/latest.md into the README, between its bench:latest markers, so the README
// shows the figures of the last `npm run bench` (bench/run.sh calls this after each run).
//   node bench/readme-table.mjs <latest.md> <README.md>
import { readFileSync, writeFileSync } from 'node:fs';

const [latestPath, readmePath] = process.argv.slice(2);
const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';
const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) {
  console.error(`${readmePath}: no ${START} ... ${END} section to put the table in`);
  process.exit(1);
}
// The table's own heading becomes a line of the README's section (which has its own heading).
const table = readFileSync(latestPath, 'utf8')
  .trim()
  .replace(/^# (.*)$/m, '**$1**');
writeFileSync(
  readmePath,
  `${readme.slice(0, from + START.length)}\n${table}\n${readme.slice(to)}`,
);
console.log(`${readmePath}: the benchmark table is the one in ${latestPath}`);
