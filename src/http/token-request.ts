/**
 * Reading the client credentials of a token request (RFC 6749 §2.3, §3.2)
 * from a Web `Request` or from what a host's framework already parsed.
 *
 * @module
 */

import { decodeUtf8 } from '../core/credentials/encoding.js';
import { invalidClient, invalidRequest, type RegistrationError } from '../core/errors.js';
import type { TokenRequestCredentials } from '../core/host/authenticate-client.js';
import { payloadTooLarge } from './error-response.js';
import { mediaType } from './responses.js';
import { fromWebRequest } from './web-request.js';

/** A token request a host has already parsed (for example on `node:http` or Express). */
export interface TokenRequest {
  /** The request headers; only `Authorization` is read. Names are matched case-insensitively. */
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * The form body (`application/x-www-form-urlencoded`): as received, as
   * `URLSearchParams`, or as the object a framework's form parser made (a
   * repeated parameter as an array, as Express's `urlencoded()` gives it).
   * Any value that is neither a string nor an array of strings (the nested
   * objects of `urlencoded({ extended: true })`, a number, `null`) makes the
   * request fail with 401 `invalid_client`.
   */
  readonly body: URLSearchParams | string | Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** The values of a string or an array of strings (a repeated parameter or header); `null` for anything else. */
function stringsOf(value: unknown): readonly string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value;
  return null;
}

/**
 * What a form value that is not a string (a nested object or array from an
 * extended parser, a number or `null` from the host's own code) answers:
 * such a request carries no credentials Registrar can read.
 */
function notAFormValue(name: string): RegistrationError {
  return invalidClient(undefined, new Error(`the form value ${name} is not a string`));
}

function formOf(body: unknown): URLSearchParams {
  if (typeof body === 'string') return new URLSearchParams(body);
  if (body instanceof URLSearchParams) return body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw notAFormValue('body');
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const entries = stringsOf(value);
    if (entries === null) throw notAFormValue(name);
    for (const entry of entries) form.append(name, entry);
  }
  return form;
}

function header(headers: unknown, name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  if (typeof headers !== 'object' || headers === null) return null;
  const record = headers as Record<string, unknown>;
  // Node and the frameworks on it give header names in lower case: look that up before scanning.
  const key = Object.hasOwn(record, name)
    ? name
    : Object.keys(record).find(
        (candidate) => candidate.toLowerCase() === name && record[candidate] !== undefined,
      );
  const value = key === undefined ? undefined : record[key];
  if (value === undefined) return null;
  const values = stringsOf(value);
  if (values === null) throw invalidClient(undefined, new Error(`the ${name} header is not a string`));
  // A repeated Authorization header is never valid; joining makes it fail to parse.
  return values.join(', ');
}

/**
 * The credentials of a token request. A Web `Request` is read through a
 * clone, so the host can still read its body; a body that is not a form
 * (RFC 6749 §3.2) contributes no parameters.
 */
export async function readTokenRequest(
  request: Request | TokenRequest,
  maxBodyBytes: number,
): Promise<TokenRequestCredentials> {
  if (!(request instanceof Request)) {
    return { authorization: header(request.headers, 'authorization'), form: formOf(request.body) };
  }
  const authorization = request.headers.get('authorization');
  if (
    mediaType(request.headers.get('content-type')) !== 'application/x-www-form-urlencoded' ||
    request.bodyUsed
  ) {
    return { authorization, form: new URLSearchParams() };
  }
  const bytes = await fromWebRequest(request.clone()).body(maxBodyBytes);
  if (bytes === null) throw payloadTooLarge(maxBodyBytes);
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch {
    throw invalidRequest('The request body is not valid UTF-8.');
  }
  return { authorization, form: new URLSearchParams(text) };
}
