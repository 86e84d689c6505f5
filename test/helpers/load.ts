// Test helpers: a bounded load generator over real HTTP that records every answer it saw.

/** An answer the load generator received. */
export interface Seen {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

/** A running load. */
export interface Load {
  /** Every 201 body, in arrival order. */
  readonly created: Record<string, unknown>[];
  /** How many answers of each status arrived. */
  readonly statuses: Map<number, number>;
  /** Requests that got no answer (connection refused or reset). */
  readonly failures: { count: number };
  /** Resolves once `count` answers with `status` have arrived (or the load has ended). */
  reached(status: number, count: number): Promise<void>;
  /** Stops every worker and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** Options for `startLoad`. */
export interface LoadOptions {
  /** Concurrent request loops. */
  readonly workers: number;
  /** Builds worker `worker`'s next request: a URL and the fetch init. */
  readonly request: (worker: number) => { url: string; init: RequestInit };
  /** Called with every answer (after it is recorded). */
  readonly onAnswer?: (answer: Seen, worker: number) => void | Promise<void>;
  /** Hard bounds: the load stops by itself after this many requests or milliseconds. */
  readonly maxRequests?: number;
  readonly maxMilliseconds?: number;
}

/** Starts `workers` request loops; a request that fails is retried after a pause, within the bounds. */
export function startLoad(options: LoadOptions): Load {
  const created: Record<string, unknown>[] = [];
  const statuses = new Map<number, number>();
  const failures = { count: 0 };
  const maxRequests = options.maxRequests ?? 20_000;
  const deadline = Date.now() + (options.maxMilliseconds ?? 60_000);
  let sent = 0;
  let stopped = false;
  const waiters: { status: number; count: number; resolve: () => void }[] = [];
  const settle = (all = false) => {
    for (const waiter of [...waiters]) {
      if (all || (statuses.get(waiter.status) ?? 0) >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const worker = async (index: number) => {
    while (!stopped && sent < maxRequests && Date.now() < deadline) {
      sent++;
      const { url, init } = options.request(index);
      let answer: Seen;
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        answer = {
          status: response.status,
          headers: response.headers,
          json: text.startsWith('{') ? JSON.parse(text) : {},
        };
      } catch {
        failures.count++;
        await new Promise((resolve) => setTimeout(resolve, 25));
        continue;
      }
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 201) created.push(answer.json);
      await options.onAnswer?.(answer, index);
      settle();
    }
  };
  const running = Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index))).then(() =>
    settle(true),
  );
  return {
    created,
    statuses,
    failures,
    reached(status, count) {
      return new Promise<void>((resolve) => {
        waiters.push({ status, count, resolve });
        settle();
        running.then(resolve);
      });
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** A JSON POST of `body` to the registration endpoint of `url`. */
export function registration(url: string, body: unknown): { url: string; init: RequestInit } {
  return {
    url: `${url}/oauth/register`,
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  };
}
