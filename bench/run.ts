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
if (wanted('throughput')) {
  console.log('## Registration throughput\n');
  console.log(throughputTable(await throughput()));
  console.log();
}
if (wanted('token')) {
  console.log("## The token endpoint's client authentication\n");
  console.log(tokenTable(await token()));
  console.log();
}
if (wanted('resolve')) {
  console.log("## An authorization request's client lookup\n");
  console.log(resolveTable(await resolve()));
  console.log();
}
if (wanted('refusals')) {
  console.log('## What a refusal costs\n');
  console.log(refusalsTable(await refusals()));
  console.log();
}
if (wanted('management')) {
  console.log('## Management GET with few and many stored clients\n');
  console.log(managementTable(await management()));
  console.log();
}
if (wanted('rss')) {
  console.log('## Server memory across many registrations (SQLite)\n');
  console.log(rssTable(await rss()));
  console.log();
}
if (wanted('flood')) {
  console.log('## A registration flood under an activation window and a cap\n');
  console.log(floodTable(await flood()));
  console.log();
}
console.log(`Load average at the end: ${load()}`);
