// `npm run bench [part...]`: the benchmarks of BENCHMARKS.md. Parts: throughput (default: all).
import { cpus } from 'node:os';
import { throughput, throughputTable } from './throughput.js';

const parts = process.argv.slice(2);
const wanted = (part: string) => parts.length === 0 || parts.includes(part);

console.log(`# Registrar benchmarks\n`);
console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}\n`,
);
if (wanted('throughput')) {
  console.log('## Registration throughput\n');
  console.log(throughputTable(await throughput()));
  console.log();
}
