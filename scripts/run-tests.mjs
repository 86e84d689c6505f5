#!/usr/bin/env node
// Runs the *.test.ts files under the given files and folders (all of test/ when none is given) with
// node's test runner (TypeScript through tsx). Node 20 takes no glob patterns on the command line,
// so the files are listed here. `--list` prints the files a run would start, and starts none.
//
// A suite whose first line is `// services: postgres, redis` needs those real
// services on 127.0.0.1. When one does not answer, the suite is skipped with one
// line saying how to run it, except under CI=true, where it runs (and fails): CI
// never skips silently. `chromium` is the browser the console suite drives (a file
// to find, not a port to probe). `postgres-server` means the suite stops and starts this
// machine's PostgreSQL: such suites run only when REGISTRAR_OUTAGE_TESTS=1 (one line
// says so otherwise, CI=true or not), alone, after all the others.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : find(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function servicesOf(file) {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^\/\/ services: (.+)$/.exec(first);
  return match ? match[1].split(',').map((name) => name.trim()) : [];
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function onPath(command) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));
}

// The browser the console suite drives (Debian's chromium package; REGISTRAR_TEST_CHROMIUM names another).
const CHROMIUM = process.env.REGISTRAR_TEST_CHROMIUM ?? '/usr/bin/chromium';

const SERVICES = {
  postgres: { label: 'PostgreSQL on 127.0.0.1:5432', probe: () => answers(5432) },
  redis: { label: 'Redis on 127.0.0.1:6379', probe: () => answers(6379) },
  'postgres-server': {
    label: 'a local PostgreSQL cluster this user can stop and start (pg_ctlcluster)',
    probe: async () => onPath('pg_ctlcluster') && existsSync('/etc/postgresql') && (await answers(5432)),
  },
  chromium: {
    label: `the chromium browser at ${CHROMIUM} (apt-get install chromium)`,
    probe: async () => existsSync(CHROMIUM),
  },
};

const args = process.argv.slice(2);
const listOnly = args.includes('--list');
const roots = args.filter((arg) => arg !== '--list');
const found = (roots.length > 0 ? roots : ['test']).flatMap((root) =>
  statSync(root).isDirectory() ? find(root) : [root],
);
const listed = [...new Set(found.map((file) => normalize(file)))].sort();
const outage = process.env.REGISTRAR_OUTAGE_TESTS === '1';
const stopsPostgres = (file) => servicesOf(file).includes('postgres-server');
const files = outage ? listed : listed.filter((file) => !stopsPostgres(file));
if (files.length < listed.length) {
  const left = listed.filter((file) => !files.includes(file));
  console.log(
    `Leaving out ${left.length} suite(s) that stop this machine's PostgreSQL (${left.join(', ')}): set REGISTRAR_OUTAGE_TESTS=1 to run them, as .ci/run does.`,
  );
}
if (listOnly) {
  for (const file of files) console.log(file);
  process.exit(0);
}
const needs = new Map(files.map((file) => [file, servicesOf(file)]));
const missing = new Set();
for (const name of new Set([...needs.values()].flat())) {
  if (!SERVICES[name]) throw new Error(`unknown service "${name}" in a // services: line`);
  if (!(await SERVICES[name].probe())) missing.add(name);
}

const ci = process.env.CI === 'true' || process.env.CI === '1';
let runnable = files;
if (missing.size > 0) {
  const labels = [...missing].map((name) => SERVICES[name].label).join(', ');
  if (ci) {
    console.error(`CI: not available: ${labels}; the suites that need it run anyway and fail.`);
  } else {
    const skipped = files.filter((file) => needs.get(file).some((name) => missing.has(name)));
    runnable = files.filter((file) => !skipped.includes(file));
    console.log(
      `Skipping ${skipped.length} suite(s) (${skipped.join(', ')}): not available: ${labels}. Start or install them as .ci/run does, then run npm test again.`,
    );
  }
}

const alone = runnable.filter((file) => needs.get(file).includes('postgres-server'));
const together = runnable.filter((file) => !alone.includes(file));
// Each batch also writes TAP to a file, so the run can end with one line that counts every batch.
const tapDir = mkdtempSync(join(tmpdir(), 'registrar-tests-'));
const totals = { pass: 0, fail: 0, skipped: 0 };
let status = 0;
for (const [index, batch] of [together, ...alone.map((file) => [file])].entries()) {
  if (batch.length === 0) continue;
  const tap = join(tapDir, `batch-${index}.tap`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...batch,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
  const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  for (const name of Object.keys(totals)) {
    const match = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(summary);
    totals[name] += match ? Number(match[1]) : 0;
  }
}
rmSync(tapDir, { recursive: true, force: true });
console.log(`total: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(ci && missing.size > 0 ? 1 : status);
