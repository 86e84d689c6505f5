// Part 3: the server's resident memory while it registers many clients on SQLite. A server that
// keeps something per client in process memory grows with every registration; one that does not
// stays flat once its caches are warm.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_BODY } from './lib/document.js';
import { format, numberFromEnv } from './lib/env.js';
import { REGISTRAR_MAIN, startTarget, unlimitedConfig } from './lib/target.js';

/** RSS after a given number of registrations. */
export interface RssSample {
  readonly registrations: number;
  readonly rssBytes: number;
  readonly seconds: number;
}

/** The outcome of one long registration run. */
export interface RssRun {
  readonly registrations: number;
  readonly non201: number;
  readonly samples: RssSample[];
  readonly databaseBytes: number;
  readonly seconds: number;
}

/** Registers BENCH_RSS_REGISTRATIONS clients (default 100,000) and samples the server's RSS four times a second. */
export async function rss(): Promise<RssRun> {
  const total = numberFromEnv('BENCH_RSS_REGISTRATIONS', 100_000);
  const connections = numberFromEnv('BENCH_CONNECTIONS', 10);
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-rss-'));
  const config = unlimitedConfig(dir);
  const database = join(dir, 'rss.db');
  const server = await startTarget(
    'Registrar, SQLite',
    REGISTRAR_MAIN,
    ['serve', '--port', '0', '--store', `sqlite:${database}`, '--config', config],
    join(dir, 'server.log'),
  );
  try {
    let done = 0;
    let non201 = 0;
    const started = Date.now();
    const samples: RssSample[] = [{ registrations: 0, rssBytes: server.rssBytes(), seconds: 0 }];
    const timer = setInterval(() => {
      samples.push({
        registrations: done,
        rssBytes: server.rssBytes(),
        seconds: (Date.now() - started) / 1000,
      });
    }, 250);
    await new Promise<void>((resolve, reject) => {
      const instance = autocannon(
        {
          url: server.url,
          connections,
          amount: total,
          timeout: 30,
          requests: [
            {
              method: 'POST',
              path: '/oauth/register',
              headers: { 'content-type': 'application/json' },
              body: BENCH_BODY,
            },
          ],
        },
        (error) => (error ? reject(error) : resolve()),
      );
      instance.on('response', (_client, statusCode) => {
        done++;
        if (statusCode !== 201) non201++;
      });
    });
    clearInterval(timer);
    samples.push({
      registrations: done,
      rssBytes: server.rssBytes(),
      seconds: (Date.now() - started) / 1000,
    });
    const databaseBytes = ['', '-wal', '-shm'].reduce((sum, suffix) => {
      try {
        return sum + statSync(`${database}${suffix}`).size;
      } catch {
        return sum;
      }
    }, 0);
    return { registrations: done, non201, samples, databaseBytes, seconds: (Date.now() - started) / 1000 };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS at every tenth of the run, and the growth over the last nine tenths. */
export function rssTable(run: RssRun): string {
  const mb = (bytes: number) => format(bytes / 2 ** 20, 1);
  const lines = ['| registrations | elapsed s | server RSS MiB |', '| ---: | ---: | ---: |'];
  const atTenth = (tenth: number) =>
    run.samples.find((sample) => sample.registrations >= (run.registrations * tenth) / 10) ??
    (run.samples[run.samples.length - 1] as RssSample);
  for (let tenth = 0; tenth <= 10; tenth++) {
    const sample = tenth === 0 ? (run.samples[0] as RssSample) : atTenth(tenth);
    lines.push(`| ${format(sample.registrations)} | ${format(sample.seconds, 0)} | ${mb(sample.rssBytes)} |`);
  }
  const first = atTenth(1);
  const peak = Math.max(
    ...run.samples.filter((s) => s.registrations >= first.registrations).map((s) => s.rssBytes),
  );
  lines.push(
    '',
    `${format(run.registrations)} registrations (${run.non201} not 201) in ${format(run.seconds, 0)} s; database ${mb(run.databaseBytes)} MiB on disk.`,
    `RSS after the first tenth: ${mb(first.rssBytes)} MiB; peak after it: ${mb(peak)} MiB (${format(((peak - first.rssBytes) / first.rssBytes) * 100, 1)}% growth over the remaining ${format((run.registrations * 9) / 10)} registrations).`,
  );
  return lines.join('\n');
}
