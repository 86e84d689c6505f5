/**
 * The value checks configuration is built from: each takes the value and the
 * name of its key, and throws a `ConfigurationError` naming that key when the
 * value has the wrong type.
 *
 * @module
 */

import { ConfigurationError } from '../errors.js';

/** A check of one configuration value; `name` is the key as the error names it. */
export type ConfigCheck = (value: unknown, name: string) => void;

/** A plain object (not `null`, not an array). */
export function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${name} must be an object.`);
  }
  return value as Record<string, unknown>;
}

/** A non-empty string. */
export function string(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new ConfigurationError(`${name} must be a non-empty string.`);
  return value;
}

/** `true` or `false`. */
export function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigurationError(`${name} must be a boolean.`);
  return value;
}

/** A function. */
export function func(value: unknown, name: string): void {
  if (typeof value !== 'function') throw new ConfigurationError(`${name} must be a function.`);
}

/** An array whose every element is a non-empty string; a string is refused, never split. */
export function stringArray(value: unknown, name: string): readonly string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry === '')) {
    throw new ConfigurationError(`${name} must be an array of non-empty strings.`);
  }
  return value as string[];
}

/** An array of functions. */
export function functionArray(value: unknown, name: string): void {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'function')) {
    throw new ConfigurationError(`${name} must be an array of functions.`);
  }
}

/** A safe integer of at least `min`. */
export function integer(value: unknown, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new ConfigurationError(
      `${name} must be a ${min === 0 ? 'non-negative' : min === 1 ? 'positive' : `${min} or larger`} integer.`,
    );
  }
  return value as number;
}

/** An absolute URL string. */
export function url(value: unknown, name: string): URL {
  try {
    if (typeof value !== 'string') throw new TypeError(typeof value);
    return new URL(value);
  } catch {
    throw new ConfigurationError(`${name} must be an absolute URL.`);
  }
}

/** The edit distance between two keys (insertions, deletions, substitutions, transpositions). */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const previous = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * The known key closest to `key`, when one is near enough to be a typo of it:
 * at most a third of its length away (at least one edit), or the same key in
 * another case.
 */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    if (candidate.toLowerCase() === key.toLowerCase()) return candidate;
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * Refuses a key of `record` that `known` does not hold, naming it and the
 * closest known key; `prefix` is the name of the object the keys are in.
 */
export function knownKeys(record: object, known: ReadonlySet<string>, prefix?: string): void {
  for (const key of Object.keys(record)) {
    if (known.has(key)) continue;
    const name = prefix === undefined ? key : `${prefix}.${key}`;
    const near = closestKey(key, known);
    throw new ConfigurationError(
      `${name} is not a configuration key${near === undefined ? '' : ` (did you mean ${prefix === undefined ? near : `${prefix}.${near}`}?)`}.`,
    );
  }
}

/**
 * An object whose members `checks` names each pass their check when present;
 * a member `checks` does not name is refused as unknown.
 */
export function members(value: unknown, name: string, checks: Readonly<Record<string, ConfigCheck>>): void {
  const record = object(value, name);
  knownKeys(record, new Set(Object.keys(checks)), name);
  for (const [member, check] of Object.entries(checks)) {
    if (record[member] !== undefined) check(record[member], `${name}.${member}`);
  }
}

/** An object with a function under each of `methods`. */
export function methods(value: unknown, name: string, names: readonly string[]): void {
  const record = object(value, name);
  for (const method of names) func(record[method], `${name}.${method}`);
}

const DURATION = /^(\d+)([smhd]?)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration text (`3600`, `90s`, `30m`, `12h`, `7d`); `NaN` for anything else. */
export function durationTextSeconds(text: string): number {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number) : Number.NaN;
}

/** The longest duration a configuration key takes: 3650 days (10 years). */
export const MAX_DURATION_SECONDS: number = 3650 * 86400;

/**
 * A duration: whole seconds (a non-negative integer; 0 turns the setting off)
 * or a text such as `90s`, `30m`, `1h` or `7d`, at most `MAX_DURATION_SECONDS`. Answers seconds.
 */
export function duration(value: unknown, name: string): number {
  const seconds =
    typeof value === 'string'
      ? durationTextSeconds(value)
      : Number.isSafeInteger(value)
        ? (value as number)
        : -1;
  if (!(seconds >= 0) || (typeof value === 'string' && seconds === 0)) {
    throw new ConfigurationError(`${name} must be whole seconds or a duration such as 90s, 30m, 1h or 7d.`);
  }
  if (seconds > MAX_DURATION_SECONDS) {
    throw new ConfigurationError(`${name} must be at most 3650d (10 years).`);
  }
  return seconds;
}
