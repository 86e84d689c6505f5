/**
 * The log of `registrar serve` and the CLI (docs/operations.md#logs): pino,
 * one JSON line per record, info and below to one sink and warnings and
 * errors to another, each line carrying the `request_id` of the request it
 * was written for. Redaction is the second guard: no record is meant to hold
 * a secret, and a member named like one is masked if one ever does.
 *
 * @module
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream, type Level } from 'pino';
import type { Logger } from '../core/events.js';

/** The levels `--log-level` accepts, most to least verbose, and `silent`. */
export const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** A `Logger` that also writes below info, for lines an operator asks for with `--log-level debug`. */
export interface ServerLogger extends Logger {
  debug(record: Record<string, unknown>): void;
}

/**
 * Members masked wherever they appear at the top of a record or one level
 * down: the names under which a credential would travel.
 */
const SECRET_MEMBERS = [
  'client_secret',
  'registration_access_token',
  'initial_access_token',
  'access_token',
  'refresh_token',
  'client_assertion',
  'software_statement',
  'authorization',
  'password',
  'secret',
  'token',
] as const;

/** What a masked member's value is written as. */
export const REDACTED = '[redacted]';

const SECRET_NAMES: ReadonlySet<string> = new Set(SECRET_MEMBERS);

/**
 * `value` with its credential-named members masked, and theirs `depth` levels further down,
 * copied only when there is one to mask. Written here instead of pino's `redact`, whose wildcard
 * paths (`*.token`) cost a tenth of the CPU of a refused request (BENCHMARKS.md, what a refusal
 * costs); a loop over a record's few members does the same.
 */
function maskMembers(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  let masked: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const member = value[key];
    let written = member;
    if (SECRET_NAMES.has(key)) written = REDACTED;
    else if (depth > 0 && typeof member === 'object' && member !== null && !Array.isArray(member)) {
      written = maskMembers(member as Record<string, unknown>, depth - 1);
    }
    if (written !== member) {
      masked ??= { ...value };
      masked[key] = written;
    }
  }
  return masked ?? value;
}

const requestContext = new AsyncLocalStorage<{ readonly requestId: string }>();

/**
 * A well-formed `X-Request-Id`: 1 to 128 of letters, digits and `-_.:=+/@`,
 * enough for UUIDs, ULIDs and the ids proxies and tracing systems make, and
 * nothing that could break a log line or a header.
 */
const REQUEST_ID = /^[A-Za-z0-9\-_.:=+/@]{1,128}$/;

/** The request's id: its `X-Request-Id` when that is one well-formed value, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Runs `work` with `requestId` on every line logged until it settles, however deep the call. */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return requestContext.run({ requestId }, work);
}

/** Where the lines go: `out` for trace to info, `err` for warn and above. */
export interface LogSinks {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** A sink as pino writes to it: whole lines, each ending in a newline the sinks do not want. */
function stream(write: (line: string) => void): DestinationStream {
  return { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
}

/** Builds the logger; `level` is one of LOG_LEVELS (the caller has checked it). */
export function createServerLogger(sinks: LogSinks, level = 'info'): ServerLogger {
  const logger = pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      // A record is masked at the top and one level down.
      formatters: { level: (label) => ({ level: label }), log: (record) => maskMembers(record, 1) },
      mixin: () => {
        const context = requestContext.getStore();
        return context === undefined ? {} : { request_id: context.requestId };
      },
    },
    pino.multistream(
      [
        { level: 'trace', stream: stream(sinks.out) },
        { level: 'warn', stream: stream(sinks.err) },
      ],
      { dedupe: true },
    ),
  );
  const at =
    (name: Level) =>
    (record: Record<string, unknown>): void =>
      logger[name](record);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
