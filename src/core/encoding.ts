/**
 * Encodings the core shares: base64url for credentials, strict UTF-8
 * decoding of bodies, constant-time comparison and the JSON object check,
 * written against Web-standard APIs so the core runs on any runtime.
 *
 * @module
 */

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
