/**
 * What every `registrar` subcommand writes to, and how it shows times.
 *
 * @module
 */

/** Where a command writes. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Unix seconds as an ISO 8601 time, or `-` when there is none. */
export function isoDate(seconds: number | undefined): string {
  return seconds === undefined ? '-' : new Date(seconds * 1000).toISOString();
}
