/**
 * Reading the client credentials of a token request (RFC 6749 §2.3, §3.2)
 * from a Web `Request` or from what a host's framework already parsed.
 *
 * @module
 */

import type { TokenRequestCredentials } from '../core/authenticate-client.js';
import { decodeUtf8 } from '../core/encoding.js';
import { invalidRequest, payloadTooLarge } from '../core/errors.js';
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
   */
  readonly body: URLSearchParams | string | Readonly<Record<string, string | readonly string[] | undefined>>;
}

function formOf(body: TokenRequest['body']): URLSearchParams {
  if (typeof body === 'string') return new URLSearchParams(body);
  if (body instanceof URLSearchParams) return body;
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    for (const entry of typeof value === 'string' ? [value] : value) {
      // A nested object from an extended parser is not a form value; it becomes a value that matches nothing.
      form.append(name, typeof entry === 'string' ? entry : '');
    }
  }
  return form;
}

function header(headers: TokenRequest['headers'], name: string): string | null {
  if (headers instanceof Headers) return headers.get(name);
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    // A repeated Authorization header is never valid; joining makes it fail to parse.
    return typeof value === 'string' ? value : value.join(', ');
  }
  return null;
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
