/**
 * Encodings the core shares: base64url for credentials, strict UTF-8
 * decoding of bodies, constant-time comparison, the JSON object check and
 * the JSON nesting limit, written against Web-standard APIs so the core runs
 * on any runtime.
 *
 * @module
 */

import { invalidRequest, type RegistrationError } from '../errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The two characters of every 12-bit value, so three bytes cost two lookups and one concatenation. */
const PAIRS: readonly string[] = Array.from(
  { length: 4096 },
  (_, n) => (ALPHABET[n >> 6] as string) + (ALPHABET[n & 63] as string),
);

/** base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += (PAIRS[n >> 12] as string) + (PAIRS[n & 4095] as string);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    out += PAIRS[(bytes[i] as number) << 4] as string;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += (PAIRS[n >> 12] as string) + (ALPHABET[(n >> 6) & 63] as string);
  }
  return out;
}

// One strict decoder for every caller: without `stream`, each decode starts afresh.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8, throwing a `TypeError` on any malformed sequence. */
export function decodeUtf8(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

/**
 * Compares two strings in time that depends only on their lengths. Used on
 * hashes, whose length is fixed, so the length reveals nothing.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  }
  return diff === 0;
}

/** Whether `value` is a JSON object: not `null`, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The deepest nesting of arrays and objects Registrar accepts in JSON a
 * client supplies: a request body (raw, or as a framework parsed it), the
 * claims of a software statement and a Client ID Metadata Document. The
 * outermost array or object is level 1, so `{"a":[{}]}` is 3 levels deep. Deeper
 * JSON is refused before any other use of it, because parsing it is cheap
 * for the runtime but serialising it again (in a store, in a response)
 * exhausts the stack.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`: one pass
 * over the characters, counting brackets outside strings, so it costs no
 * stack and stops at the first level too deep. Text that is not JSON gets
 * an answer too; parsing it still decides whether it is JSON.
 */
export function jsonTextTooDeep(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a value (as `JSON.parse` or a framework's parser made it) nests
 * arrays and objects deeper than `limit`, with the outermost one at level 1.
 * Walks with its own stack, never recursion, and stops at the first level
 * too deep, so a cyclic value is "too deep" rather than endless.
 */
export function jsonValueTooDeep(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const pending: { value: object; depth: number }[] = [];
  if (typeof value === 'object' && value !== null) pending.push({ value, depth: 1 });
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > limit) return true;
    for (const member of Object.values(next.value)) {
      if (typeof member === 'object' && member !== null)
        pending.push({ value: member, depth: next.depth + 1 });
    }
  }
  return false;
}

/** The 400 `invalid_request` for a request body that is not JSON (or not UTF-8). */
export function bodyNotJson(): RegistrationError {
  return invalidRequest('The request body is not valid JSON.');
}

/** The 400 `invalid_request` for a request body nested deeper than {@link MAX_JSON_DEPTH}. */
export function bodyTooDeep(): RegistrationError {
  return invalidRequest(`The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`);
}
