// `npm run bench [throughput] [token] [resolve] [refusals] [management] [rss] [flood]`: the benchmarks of BENCHMARKS.md (default:
// all but the flood, which runs for most of an hour and only when named).
// Settings come from BENCH_* environment variables; see BENCHMARKS.md.
import { cpus, loadavg, totalmem } from 'node:os';
import { flood, floodTable } from './flood.js';
import { buildRegistrar } from './lib/target.js';
import { management, managementTable } from './management.js';
import { refusals, refusalsTable } from './refusals.js';
import { resolve, resolveTable } from './resolve.js';
import { rss, rssTable } from './rss.js';
import { throughput, throughputTable } from './throughput.js';
import { token, tokenTable } from './token.js';

const parts = process.argv.slice(2);
const wanted = (part: string) => (parts.length === 0 ? part !== 'flood' : parts.includes(part));
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

buildRegistrar();
console.log('# Registrar benchmarks\n');
console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${new Date().toISOString()}; load average at start ${load()}\n`,
);
/** Each part: its name on the command line, its heading, and what measures it and prints its table. */
const PARTS: readonly [string, string, () => Promise<string>][] = [
  ['throughput', 'Registration throughput', async () => throughputTable(await throughput())],
  ['token', "The token endpoint's client authentication", async () => tokenTable(await token())],
  ['resolve', "An authorization request's client lookup", async () => resolveTable(await resolve())],
  ['refusals', 'What a refusal costs', async () => refusalsTable(await refusals())],
  [
    'management',
    'Management GET with few and many stored clients',
    async () => managementTable(await management()),
  ],
  ['rss', 'Server memory across many registrations (SQLite)', async () => rssTable(await rss())],
  [
    'flood',
    'A registration flood under an activation window and a cap',
    async () => floodTable(await flood()),
  ],
];
for (const [part, heading, measure] of PARTS) {
  if (!wanted(part)) continue;
  console.log(`## ${heading}\n`);
  console.log(await measure());
  console.log();
}
console.log(`Load average at the end: ${load()}`);
