// The load generator: autocannon, with latencies recorded at full resolution.
import autocannon from 'autocannon';

/** One request shape; `setupRequest` may vary it per request. */
export interface LoadSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Called before every request; returns the path and headers to use for it. */
  readonly setupRequest?: () => { path: string; headers?: Record<string, string> };
}

/** What one load window measured. */
export interface LoadResult {
  /** Responses received in the window. */
  readonly responses: number;
  /** Responses with a status other than `expectedStatus`. */
  readonly unexpected: number;
  /** How many responses of each status arrived. */
  readonly statuses: ReadonlyMap<number, number>;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly seconds: number;
  /** Every response time in milliseconds, for exact percentiles. */
  readonly latencies: Float64Array;
}

/** Runs `connections` connections against `url` for `seconds` seconds (or `amount` requests). */
export async function runLoad(
  url: string,
  spec: LoadSpec,
  options: { seconds?: number; amount?: number; connections: number; expectedStatus: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let unexpected = 0;
  const statuses = new Map<number, number>();
  const started = process.hrtime.bigint();
  const setup = spec.setupRequest;
  let finish: (error: unknown, result: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon(
    {
      url,
      connections: options.connections,
      ...(options.amount === undefined ? { duration: options.seconds ?? 5 } : { amount: options.amount }),
      requests: [
        {
          method: spec.method,
          path: spec.path,
          headers: {
            ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...spec.headers,
          },
          ...(spec.body === undefined ? {} : { body: spec.body }),
          ...(setup
            ? {
                setupRequest: (request: autocannon.Request) => {
                  const next = setup();
                  return { ...request, path: next.path, headers: { ...request.headers, ...next.headers } };
                },
              }
            : {}),
        },
      ],
    },
    (error, result) => finish(error, result),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (statusCode !== options.expectedStatus) unexpected++;
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
  });
  const result = await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    responses: latencies.length,
    unexpected,
    statuses,
    errors: result.errors + result.timeouts,
    seconds,
    latencies: Float64Array.from(latencies),
  };
}

/** The `q` quantile (0..1) of `values`, nearest-rank. */
export function percentile(values: Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Concatenates latency samples from several windows. */
export function concatLatencies(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The count of answers other than `expected` over several windows, with their statuses: `0`, or `12 (503 × 12)`. */
export function unexpectedAnswers(results: readonly LoadResult[], expected: number): string {
  const counts = new Map<number, number>();
  for (const result of results) {
    for (const [status, count] of result.statuses) {
      if (status !== expected) counts.set(status, (counts.get(status) ?? 0) + count);
    }
  }
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return '0';
  return `${total} (${[...counts].map(([status, count]) => `${status} × ${count}`).join(', ')})`;
}
