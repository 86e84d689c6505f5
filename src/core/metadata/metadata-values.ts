/**
 * The value checks every metadata rule is built from: strings, string
 * arrays and absolute URLs, each naming the member in its error.
 *
 * @module
 */

import { invalidClientMetadata, type RegistrationError } from '../errors.js';
import { isLoopbackHostname } from './redirect-uri.js';

/** A string, or `invalid_client_metadata`. */
export function string(value: unknown, member: string): string {
  if (typeof value !== 'string') throw invalidClientMetadata(`${member} must be a string.`);
  return value;
}

/** Whether `value` is a string; a type guard for `Array.prototype.every`. */
export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** An array of strings, or the error `error` builds (`invalid_client_metadata` unless given). */
export function stringArray(
  value: unknown,
  member: string,
  error: (description: string) => RegistrationError = invalidClientMetadata,
): string[] {
  if (!Array.isArray(value) || !value.every(isString)) {
    throw error(`${member} must be an array of strings.`);
  }
  return value;
}

/** What an absolute URL member admits beyond `https` without a fragment. */
export interface UrlRules {
  /** `http` too: on any host (pages a person reads), or only on a loopback host. */
  readonly http?: 'any' | 'loopback';
  /** A fragment (a `request_uris` entry may carry a hash of its content; page URLs may link into a page). */
  readonly fragment?: boolean;
}

const SCHEMES_WORDING = {
  https: 'https',
  any: 'https or http',
  loopback: 'https (or http on a loopback host)',
} as const;

/** An absolute URL without whitespace or user information, under `rules`; else `invalid_client_metadata`. */
export function absoluteUrl(value: unknown, member: string, rules: UrlRules = {}): string {
  const text = string(value, member);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidClientMetadata(`${member} must be an absolute URL.`);
  }
  const http =
    url.protocol === 'http:' &&
    (rules.http === 'any' || (rules.http === 'loopback' && isLoopbackHostname(url.hostname)));
  if (url.protocol !== 'https:' && !http) {
    throw invalidClientMetadata(`${member} must use ${SCHEMES_WORDING[rules.http ?? 'https']}.`);
  }
  if (/\s/.test(text) || url.username !== '' || url.password !== '') {
    throw invalidClientMetadata(`${member} must not contain whitespace or user information.`);
  }
  if (rules.fragment !== true && text.includes('#')) {
    throw invalidClientMetadata(`${member} must not contain a fragment.`);
  }
  return text;
}
