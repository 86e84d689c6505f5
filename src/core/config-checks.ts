/**
 * The value checks configuration is built from: each takes the value and the
 * name of its key, and throws a `ConfigurationError` naming that key when the
 * value has the wrong type.
 *
 * @module
 */

import { ConfigurationError } from './errors.js';

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

/** An object whose members `checks` names each pass their check when present. */
export function members(value: unknown, name: string, checks: Readonly<Record<string, ConfigCheck>>): void {
  const record = object(value, name);
  for (const [member, check] of Object.entries(checks)) {
    if (record[member] !== undefined) check(record[member], `${name}.${member}`);
  }
}

/** An object with a function under each of `methods`. */
export function methods(value: unknown, name: string, names: readonly string[]): void {
  const record = object(value, name);
  for (const method of names) func(record[method], `${name}.${method}`);
}
