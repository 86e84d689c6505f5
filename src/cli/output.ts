/**
 * What every `registrar` subcommand writes to, how it shows times, and how
 * it keeps client-chosen text from driving the terminal.
 *
 * @module
 */

/** Where a command writes. */
export interface Output {
  /**
   * Writes one line to stdout; resolves once the stream can take more, so a
   * long listing waits for a slow reader instead of buffering in memory.
   */
  out(line: string): Promise<void>;
  err(line: string): void;
}

/** A stream `streamOutput` can write to: `process.stdout`, usually. */
export interface LineStream {
  write(text: string): boolean;
  once(event: 'drain' | 'close' | 'error', listener: (error?: unknown) => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: (error?: unknown) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/**
 * An `Output` over two streams. A line written while `stdout` is full
 * waits for its `drain`; once `stdout` has failed or closed (the reader
 * went away), the waiting line and every further one reject, so a listing
 * stops instead of waiting for a drain that never comes.
 */
export function streamOutput(stdout: LineStream, stderr: { write(text: string): unknown }): Output {
  let failure: unknown;
  let watching = false;
  return {
    async out(line) {
      // Watched from the first line on, not before: a command that never writes here (`serve`,
      // whose log has its own writer) keeps whatever error handling that writer gives stdout.
      if (!watching) {
        watching = true;
        stdout.on('error', (error) => {
          failure = error;
        });
        stdout.once('close', () => {
          failure ??= new Error('stdout was closed.');
        });
      }
      if (failure !== undefined) throw failure;
      if (stdout.write(`${line}\n`)) return;
      await new Promise<void>((resolve, reject) => {
        const settle = () => {
          stdout.off('drain', settle);
          stdout.off('close', settle);
          stdout.off('error', settle);
          if (failure !== undefined) reject(failure);
          else resolve();
        };
        stdout.once('drain', settle);
        stdout.once('close', settle);
        stdout.once('error', settle);
      });
    },
    err(line) {
      stderr.write(`${line}\n`);
    },
  };
}

/**
 * Characters that move the cursor, change colours, reorder text or break a
 * line on a terminal: C0 and C1 controls, DEL, the bidirectional marks,
 * embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069) and the line and paragraph separators.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

/** The terminal controls `JSON.stringify` leaves raw in strings (it escapes C0 itself). */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * `JSON.stringify(value, null, indent)` with every terminal control inside a
 * string written as a `\uXXXX` escape: still valid JSON that parses back to
 * the same value, and safe to print. This is the one place the CLI decides
 * how client-chosen text reaches a terminal; `printable` builds on it.
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    RAW_IN_JSON,
    (char) => `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A client-chosen value for a table cell or a message: when it holds a
 * terminal control, it is shown as the inside of its `toJson` string (`\n`,
 * `\t`, `\u001b`, `\u202e`, with `"` and `\` escaped), so it can neither
 * drive the terminal nor forge a row.
 */
export function printable(value: unknown): string {
  const text = String(value);
  return TERMINAL_CONTROL.test(text) ? toJson(text).slice(1, -1) : text;
}

/**
 * Writes `items` as one JSON array, element by element, formatted exactly
 * as `JSON.stringify(array, null, 2)` would: memory stays bounded by one
 * element however long the listing is. An element is written once the next
 * one is known, so that only the last goes without a comma.
 */
export async function writeJsonArray(
  output: Output,
  items: AsyncIterable<unknown> | Iterable<unknown>,
): Promise<void> {
  let pending: string | undefined;
  for await (const item of items) {
    await output.out(pending === undefined ? '[' : `${pending},`);
    pending = `  ${toJson(item, 2).replaceAll('\n', '\n  ')}`;
  }
  if (pending === undefined) {
    await output.out('[]');
    return;
  }
  await output.out(pending);
  await output.out(']');
}

/** Unix seconds as an ISO 8601 time; `-` when there is none, the number itself when no date can show it. */
export function isoDate(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}
