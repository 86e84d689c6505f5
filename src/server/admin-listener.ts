/**
 * The admin listener of `registrar serve` (docs/admin-api.md): the admin API
 * on its own port, bound to loopback unless `--admin-host` says otherwise.
 *
 * @module
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminHandler } from '../admin/admin-handler.js';
import type { Logger } from '../core/events.js';
import { requestIdOf, withRequestId } from './logger.js';

/** A bound admin listener. */
export interface AdminListener {
  readonly server: Server;
  /** The bound address, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  /** Stops accepting and closes its connections once their requests are answered. */
  close(): Promise<void>;
}

/** Binds `handler` to `host:port`, logging one line per request; rejects when the port cannot be bound. */
export async function listenAdmin(
  handler: AdminHandler,
  address: { readonly port: number; readonly host: string },
  timeouts: { readonly headersTimeout: number; readonly requestTimeout: number },
  logger: Logger,
): Promise<AdminListener> {
  const server = createServer({ ...timeouts, keepAliveTimeout: 5000 });
  server.on('request', (req, res) => {
    const begun = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    res.once('finish', () => {
      withRequestId(requestId, () =>
        logger.info({
          msg: 'admin request',
          method: req.method,
          // The path only: a query string could carry anything a caller chose to send.
          path: (req.url ?? '/').split('?', 1)[0],
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - begun) / 1e6,
        }),
      );
    });
    withRequestId(requestId, () => handler.listener(req, res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      }),
  };
}
