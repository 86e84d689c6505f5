/**
 * The request and response shapes the handler works on. `fetch` wraps Web
 * `Request`/`Response` into them; an adapter may translate its framework's
 * objects directly, skipping the Web objects on hot paths.
 *
 * @module
 */

import type { Settings } from '../core/config/settings.js';

/** An incoming HTTP request, as much as Registrar needs of it. */
export interface RegistrarRequest {
  /** Upper-case method. */
  readonly method: string;
  /** The absolute request URL (`https:` when the connection was TLS). */
  readonly url: string;
  /** A header value, or `null`; names are case-insensitive. */
  header(name: string): string | null;
  /** The peer's address (the socket's, not a forwarded one). */
  readonly remoteAddress?: string | undefined;
  /**
   * Reads the whole body. Resolves to `null`, having read no more than
   * `limit + 1` bytes, when the body is larger than `limit`.
   */
  body(limit: number): Promise<Uint8Array | null>;
}

/** An outgoing response. Header names are lower-case. */
export interface RegistrarResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The serialised body, or `null` for none. */
  readonly body: string | null;
}

/** The HTTP face of a Registrar: what the adapters mount. */
export interface RegistrarHandler {
  /** The resolved settings. */
  readonly settings: Settings<unknown>;
  /**
   * Answers a request for one of Registrar's endpoints, or resolves to `null`
   * when the path is not Registrar's (so an adapter can pass it on).
   */
  handle(request: RegistrarRequest): Promise<RegistrarResponse | null>;
  /**
   * The Web-standard entry point; answers 404 for paths that are not Registrar's.
   * `remoteAddress` is the socket peer: without it, rate limits count every
   * such request under one shared key, and the first one logs a warning.
   */
  fetch(request: Request, info?: { remoteAddress?: string }): Promise<Response>;
}
