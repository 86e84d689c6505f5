/**
 * The checker's only way onto the network: every request goes through one
 * session, which keeps the run to the hosts the operator named, to a rate, to
 * a number of requests and to a time bound, and waits out a 429's
 * `Retry-After` when the bound allows it.
 *
 * @module
 */

/** Why a case could not be run: the checker's own limits, never the server's fault. */
export class NotRunError extends Error {
  override readonly name = 'NotRunError';
}

/** One answer as the checker keeps it: the body is read up to a cap and kept as text. */
export interface CheckResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON when it is JSON, else `undefined`. */
  readonly json: unknown;
}

/** A request the checker makes. */
export interface CheckRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** The limits a session keeps. */
export interface SessionLimits {
  readonly issuer: URL;
  readonly allowHosts: readonly string[];
  readonly requestsPerSecond: number;
  readonly maxRequests: number;
  readonly timeLimitMs: number;
  readonly requestTimeoutMs: number;
}

// An answer larger than this is cut: the checker reads what it needs to judge, and no more.
const MAX_RESPONSE_BYTES = 1024 * 1024;
const USER_AGENT = 'registrar-check';

/** `Retry-After` as milliseconds from now (RFC 9110 §10.2.3): delay-seconds or an HTTP date. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function readCapped(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The guarded fetch of one run. */
export class CheckSession {
  readonly #limits: SessionLimits;
  readonly #started = Date.now();
  readonly #stop = new AbortController();
  readonly #deadline: ReturnType<typeof setTimeout>;
  #sent = 0;
  #reserved = 0;
  #nextSlot = 0;

  constructor(limits: SessionLimits) {
    this.#limits = limits;
    this.#deadline = setTimeout(() => this.#stop.abort(), limits.timeLimitMs);
    this.#deadline.unref();
  }

  /** Requests sent so far, retries after a 429 included. */
  get requestsSent(): number {
    return this.#sent;
  }

  /** Milliseconds since the run started. */
  get elapsedMs(): number {
    return Date.now() - this.#started;
  }

  /**
   * Keeps one request of the bound for the end of the run, when each client
   * the run created is deleted again.
   */
  reserve(): void {
    this.#reserved += 1;
  }

  /** Whether `url` is on a host the run may reach: the issuer's, or one `--allow-host` named. */
  allows(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    return parsed.host === this.#limits.issuer.host || this.#limits.allowHosts.includes(parsed.host);
  }

  #remainingMs(): number {
    return this.#limits.timeLimitMs - this.elapsedMs;
  }

  /** Stops the deadline timer; the session sends nothing afterwards. */
  close(): void {
    clearTimeout(this.#deadline);
    this.#stop.abort();
  }

  async #wait(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.#stop.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Waits for the next slot the rate allows, then takes it. */
  async #takeSlot(): Promise<void> {
    const interval = 1000 / this.#limits.requestsPerSecond;
    const now = Date.now();
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + interval;
    await this.#wait(slot - now);
  }

  #assertWithinBounds(reserved: boolean): void {
    if (this.#stop.signal.aborted || this.#remainingMs() <= 0) {
      throw new NotRunError(`the time bound (${this.#limits.timeLimitMs / 1000} s) was reached`);
    }
    const limit = reserved ? this.#limits.maxRequests : this.#limits.maxRequests - this.#reserved;
    if (this.#sent >= limit) {
      throw new NotRunError(`the request bound (${this.#limits.maxRequests} requests) was reached`);
    }
  }

  /**
   * Sends one request. Throws {@link NotRunError} when a limit or the host
   * rule stops it, and an `Error` saying what was seen (a dropped connection,
   * no answer in time) when the server did not answer.
   */
  async send(request: CheckRequest, options: { reserved?: boolean } = {}): Promise<CheckResponse> {
    const reserved = options.reserved === true && this.#reserved > 0;
    if (!this.allows(request.url)) {
      throw new NotRunError(`${request.url} is not on the issuer's host (see --allow-host)`);
    }
    for (;;) {
      this.#assertWithinBounds(reserved);
      await this.#takeSlot();
      this.#assertWithinBounds(reserved);
      this.#sent += 1;
      if (reserved) this.#reserved -= 1;
      const timeout = Math.max(1, Math.min(this.#limits.requestTimeoutMs, this.#remainingMs()));
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: { 'user-agent': USER_AGENT, ...request.headers },
          ...(request.body === undefined ? {} : { body: request.body }),
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(timeout), this.#stop.signal]),
        });
      } catch (error) {
        if (this.#stop.signal.aborted) {
          throw new NotRunError(`the time bound (${this.#limits.timeLimitMs / 1000} s) was reached`);
        }
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        if ((error as Error).name === 'TimeoutError') {
          throw new Error(`no answer within ${Math.round(timeout / 100) / 10} s`);
        }
        throw new Error(`no answer: ${cause ?? (error as Error).message}`);
      }
      let text: string;
      try {
        text = await readCapped(response);
      } catch {
        throw new Error(`the connection closed while the answer (${response.status}) was read`);
      }
      if (response.status === 429) {
        const wait = retryAfterMs(response.headers.get('retry-after'), Date.now());
        if (wait === undefined || wait >= this.#remainingMs()) {
          throw new NotRunError(
            wait === undefined
              ? 'the server answered 429 without Retry-After'
              : `the server answered 429 with Retry-After ${Math.ceil(wait / 1000)} s, beyond the time bound`,
          );
        }
        await this.#wait(wait);
        continue;
      }
      return { status: response.status, headers: response.headers, text, json: parseJson(text) };
    }
  }
}
