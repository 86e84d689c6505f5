// Mounts a Registrar on a node:http server through one of the shipped adapters, each inside a
// minimal host app of its framework. The end-to-end suites run once per adapter (test/parity/),
// chosen by REGISTRAR_TEST_ADAPTER, so the same assertions hold for every one of them.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { toExpressMiddleware } from '../../src/adapters/express.js';
import { toFastifyPlugin } from '../../src/adapters/fastify.js';
import { toHonoMiddleware } from '../../src/adapters/hono.js';
import { toNodeListener } from '../../src/adapters/node.js';
import type { Registrar } from '../../src/registrar.js';

/** The adapters a test server can be mounted through. */
export const ADAPTERS = ['node', 'express', 'fastify', 'hono'] as const;

/** One of `ADAPTERS`. */
export type AdapterName = (typeof ADAPTERS)[number];

/** The adapter chosen by REGISTRAR_TEST_ADAPTER; `node` when unset. */
export function selectedAdapter(): AdapterName {
  const name = process.env.REGISTRAR_TEST_ADAPTER ?? 'node';
  if (!(ADAPTERS as readonly string[]).includes(name)) {
    throw new Error(`REGISTRAR_TEST_ADAPTER must be one of ${ADAPTERS.join(', ')}, not "${name}"`);
  }
  return name as AdapterName;
}

// What every host app here answers for a path that is not Registrar's: the node listener's own 404,
// so suites that probe unknown paths see the same answer through every adapter.
const NOT_FOUND_STATUS = 404;
const NOT_FOUND_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  pragma: 'no-cache',
} as const;
const NOT_FOUND_BODY = JSON.stringify({ error: 'invalid_request', error_description: 'No such endpoint.' });

/**
 * The host's own routes, tried before the framework app: `true` when it answered the request,
 * `false` to leave it to the app (and so to Registrar's adapter).
 */
export type HostRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Serves `registrar` on `server` through `adapter`, inside a host app whose own fallback answers
 * other paths; `host` answers its routes first. Resolves to a function that releases the app.
 */
export async function mountAdapter(
  adapter: AdapterName,
  registrar: Registrar,
  server: Server,
  host?: HostRoutes,
): Promise<() => Promise<void>> {
  const attach = (app: (req: IncomingMessage, res: ServerResponse) => void) => {
    server.on('request', host === undefined ? app : (req, res) => host(req, res) || app(req, res));
  };
  switch (adapter) {
    case 'node': {
      attach(toNodeListener(registrar));
      return async () => {};
    }
    case 'express': {
      const app = express();
      app.use(toExpressMiddleware(registrar));
      app.use((_req, res) => {
        res.writeHead(NOT_FOUND_STATUS, NOT_FOUND_HEADERS).end(NOT_FOUND_BODY);
      });
      attach(app);
      return async () => {};
    }
    case 'fastify': {
      const app = Fastify({
        serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
          attach(handler);
          return server;
        },
      });
      await app.register(toFastifyPlugin(registrar));
      app.setNotFoundHandler((_request, reply) => {
        reply.code(NOT_FOUND_STATUS).headers(NOT_FOUND_HEADERS).send(Buffer.from(NOT_FOUND_BODY));
      });
      await app.ready();
      return () => app.close();
    }
    case 'hono': {
      const app = new Hono();
      app.use(toHonoMiddleware(registrar, { getConnInfo }));
      app.notFound(
        () => new Response(NOT_FOUND_BODY, { status: NOT_FOUND_STATUS, headers: NOT_FOUND_HEADERS }),
      );
      attach(getRequestListener(app.fetch));
      return async () => {};
    }
  }
}
