/**
 * The web console on the admin listener: static files under `/console`,
 * loaded without a token; the console then holds the admin token in the
 * tab's sessionStorage and sends it as `Authorization: Bearer` with each call
 * to `/admin/v1`. The files are plain JavaScript modules and CSS in
 * `assets/console/` of the package, read once when the routes are made.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeNodeResponse } from '../adapters/node.js';
import type { RegistrarResponse } from '../http/types.js';
import type { AdminRoute } from './admin-handler.js';

/**
 * The console's Content-Security-Policy: its own scripts, styles, images
 * and API only, no inline script or style, no framing, no `<base>`, forms
 * posting only to itself; and Trusted Types with no policy, so that any
 * write of a string into an HTML sink (`innerHTML` and the like) throws in
 * browsers that enforce them.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** The headers of every console answer. */
const CONSOLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
});

/** The console's files by URL path, with their media types; `/console` is the page itself. */
const CONSOLE_FILES: Readonly<Record<string, { file: string; type: string }>> = Object.freeze({
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/console/alert.js': { file: 'alert.js', type: 'text/javascript; charset=utf-8' },
  '/console/api.js': { file: 'api.js', type: 'text/javascript; charset=utf-8' },
  '/console/clients.js': { file: 'clients.js', type: 'text/javascript; charset=utf-8' },
  '/console/dom.js': { file: 'dom.js', type: 'text/javascript; charset=utf-8' },
  '/console/tokens.js': { file: 'tokens.js', type: 'text/javascript; charset=utf-8' },
  '/console/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/console/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
});

/** Where the files are: `assets/console/` at the package root, two levels above src/admin and dist/admin. */
const ASSETS = new URL('../../assets/console/', import.meta.url);

/** Answers a request for a path under `/console`: `head` leaves the body out. */
export type ConsoleResponder = (pathname: string, head: boolean) => RegistrarResponse;

/**
 * Reads the console's files (throwing when one is missing, so a broken
 * install fails at start) and returns what answers `/console` and the paths
 * under it: 200 with the file, or 404 `not_found` for a path that is none of
 * them. Every answer carries the console's security headers.
 */
export function createConsoleResponder(): ConsoleResponder {
  const files = new Map(
    Object.entries(CONSOLE_FILES).map(([path, { file, type }]) => [
      path,
      { type, body: readFileSync(fileURLToPath(new URL(file, ASSETS)), 'utf8') },
    ]),
  );
  return (pathname, head) => {
    const found = files.get(pathname);
    if (!found) {
      return {
        status: 404,
        headers: { ...CONSOLE_HEADERS, 'content-type': 'application/json' },
        body: head
          ? null
          : JSON.stringify({
              error: 'not_found',
              error_description: 'The console has no file at this path.',
            }),
      };
    }
    return {
      status: 200,
      headers: {
        ...CONSOLE_HEADERS,
        'content-type': found.type,
        ...(head ? { 'content-length': String(Buffer.byteLength(found.body)) } : {}),
      },
      body: head ? null : found.body,
    };
  };
}

/**
 * The console as a route of the admin handler (`createAdminHandler`'s
 * `routes`): `GET` and `HEAD` of `/console` and every path under it, without
 * the admin token, since the files hold no data.
 */
export function consoleRoutes(): readonly AdminRoute[] {
  const respond = createConsoleResponder();
  return [
    {
      method: 'GET',
      path: '/console*',
      auth: false,
      handle(req, res) {
        const pathname = (req.url ?? '/').split('?', 1)[0] as string;
        writeNodeResponse(res, respond(pathname, req.method === 'HEAD'));
      },
    },
  ];
}
