/**
 * Hono 4 adapter: middleware in front of the host's routes. Translation only:
 * the Web `Request` Hono holds reaches `registrar.handle` as
 * `registrar.fetch` would wrap it, the answer becomes a Web `Response`, and a
 * path that is not Registrar's goes on to `next()`.
 *
 * Registrar reads the body stream itself, so the size cap, media type and
 * JSON checks of docs/architecture.md#a-registration steps 5 to 7 see the exact bytes. When earlier
 * middleware already read the body through `c.req` (`c.req.json()`,
 * `c.req.text()`, ...), the adapter takes the bytes from Hono's body cache
 * instead (a body read as JSON comes back re-serialised; one nested deeper
 * than `MAX_JSON_DEPTH` is refused with the 400 `invalid_request` a raw body
 * that deep gets, before it is serialised again).
 *
 * ```ts
 * import { Hono } from 'hono';
 * import { getConnInfo } from '@hono/node-server/conninfo';
 * import { toHonoMiddleware } from 'registrar/hono';
 * const app = new Hono();
 * app.use(toHonoMiddleware(registrar, { getConnInfo }));
 * ```
 *
 * @module
 */

import type { Context, MiddlewareHandler } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import { bodyNotJson, bodyTooDeep, jsonValueTooDeep } from '../core/credentials/encoding.js';
import type { RegistrarHandler, RegistrarRequest } from '../http/types.js';
import { fromWebRequest, toWebResponse } from '../http/web-request.js';

/** Options of `toHonoMiddleware`. */
export interface HonoAdapterOptions {
  /**
   * The runtime's connection-info helper (`getConnInfo` from
   * `@hono/node-server/conninfo`, `hono/bun`, `hono/deno`, ...). It gives
   * Registrar the socket peer, which `trustedProxies` and per-address rate
   * limits need. Without it the peer is unknown: no proxy is trusted.
   */
  getConnInfo?: GetConnInfo;
}

function fromHonoContext(c: Context, options: HonoAdapterOptions): RegistrarRequest {
  const request = fromWebRequest(c.req.raw, options.getConnInfo?.(c).remote.address);
  if (!c.req.raw.bodyUsed) return request;
  return {
    ...request,
    body: async (limit) => {
      // Where Hono's cache holds a parsed value (the `json()` of older Hono versions keeps
      // one), `arrayBuffer()` serialises it again: it must be JSON, and not too deep.
      if ('json' in c.req.bodyCache) {
        let parsed: unknown;
        try {
          parsed = await c.req.bodyCache.json;
        } catch {
          throw bodyNotJson();
        }
        if (jsonValueTooDeep(parsed)) throw bodyTooDeep();
      }
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      return bytes.byteLength > limit ? null : bytes;
    },
  };
}

/**
 * Hono middleware serving Registrar's endpoints; other paths go to `next()`.
 * @see docs/mounting.md
 */
export function toHonoMiddleware(
  registrar: RegistrarHandler,
  options: HonoAdapterOptions = {},
): MiddlewareHandler {
  return async (c, next) => {
    const response = await registrar.handle(fromHonoContext(c, options));
    if (response === null) {
      await next();
      return;
    }
    return toWebResponse(response);
  };
}
