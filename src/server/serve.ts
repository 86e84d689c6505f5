/**
 * The standalone server: Registrar with registration and management on a
 * bundled store, discovery, `/healthz`, one JSON log line per request, and a
 * clean drain on SIGTERM/SIGINT.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromNodeRequest, nodeCrypto, writeNodeResponse } from '../adapters/node.js';
import type { InitialAccessTokenOption } from '../core/admission-options.js';
import type { Logger, RegistrarConfig } from '../core/config.js';
import { discoveryDocument, wellKnownPath } from '../core/discovery.js';
import { hasInitialAccessTokens } from '../core/store-contract.js';
import { createRegistrar, type Registrar } from '../http/registrar.js';
import type { RegistrarResponse } from '../http/types.js';
import { openStore } from './open-store.js';
import type { CommandOptions } from './options.js';

/** A running standalone server. */
export interface RunningServer {
  readonly server: Server;
  /** The bound address, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  /** Stops accepting, waits for in-flight requests, closes the store. */
  close(): Promise<void>;
}

/** A logger writing one JSON line per record to stdout (info) or stderr (warnings, errors). */
export function jsonLogger(write: { out: (line: string) => void; err: (line: string) => void }): Logger {
  const line = (level: string, record: Record<string, unknown>) =>
    JSON.stringify({ time: new Date().toISOString(), level, ...record });
  return {
    info: (record) => write.out(line('info', record)),
    warn: (record) => write.err(line('warn', record)),
    error: (record) => write.err(line('error', record)),
  };
}

/**
 * The `initialAccessToken` setting of `registrar serve`: `--initial-access-token`
 * or `--require-initial-access-token` make registration need a token, and then
 * tokens made with `registrar tokens create` are accepted too whenever the store
 * keeps them; without either flag the config file's setting stands.
 */
export function serveInitialAccessToken(
  options: CommandOptions,
  store: unknown,
): InitialAccessTokenOption | undefined {
  if (options.initialAccessToken === undefined && !options.requireInitialAccessToken) {
    return options.config.initialAccessToken as InitialAccessTokenOption | undefined;
  }
  return {
    ...(options.initialAccessToken === undefined ? {} : { token: options.initialAccessToken }),
    stored: options.requireInitialAccessToken || hasInitialAccessTokens(store),
  };
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' };

/** Starts `registrar serve` with resolved options. */
export async function serve(options: CommandOptions, logger: Logger): Promise<RunningServer> {
  const opened = await openStore(options.store);
  const initialAccessToken = serveInitialAccessToken(options, opened.store);
  const server = createServer();
  server.keepAliveTimeout = 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await opened.store.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const issuer = options.issuer ?? url;
  let registrar: Registrar;
  try {
    registrar = createRegistrar({
      ...(options.config as Partial<RegistrarConfig<unknown>>),
      ...(initialAccessToken === undefined ? {} : { initialAccessToken }),
      issuer,
      registrationEnabled: true,
      registration: opened.store,
      logger,
      crypto: nodeCrypto,
    });
  } catch (error) {
    server.close();
    await opened.store.close();
    throw error;
  }
  const discovery = JSON.stringify(discoveryDocument(registrar.settings));
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, '');
  const discoveryPaths = new Set([
    wellKnownPath(issuer, 'oauth-authorization-server'),
    wellKnownPath(issuer, 'openid-configuration'),
    // OpenID Connect Discovery §4.1 appends the suffix to the issuer's path.
    `${issuerPath}/.well-known/openid-configuration`,
  ]);

  function local(method: string, pathname: string): RegistrarResponse | null {
    if (pathname === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') return null;
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ status: 'ok' }) };
    }
    if (discoveryPaths.has(pathname) && (method === 'GET' || method === 'HEAD')) {
      return {
        status: 200,
        headers: { ...JSON_HEADERS, 'access-control-allow-origin': '*' },
        body: discovery,
      };
    }
    return null;
  }

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const pathname = (req.url ?? '/').split('?', 1)[0] as string;
    const response = local(req.method ?? 'GET', pathname) ??
      (await registrar.handle(fromNodeRequest(req))) ?? {
        status: 404,
        headers: JSON_HEADERS,
        body: JSON.stringify({ error: 'invalid_request', error_description: 'No such endpoint.' }),
      };
    writeNodeResponse(res, response);
    return response.status;
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    respond(req, res).then(
      (status) => {
        logger.info({
          msg: 'request',
          method: req.method,
          // The path only: a query string could carry anything a client chose to send.
          path: (req.url ?? '/').split('?', 1)[0],
          status,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
          remote: req.socket.remoteAddress,
        });
      },
      (error: unknown) => {
        logger.error({ msg: 'response failed', cause: error instanceof Error ? error.name : 'unknown' });
        res.destroy();
      },
    );
  });
  logger.info({ msg: 'listening', url, issuer, store: opened.description });
  if (opened.kind === 'memory') {
    logger.warn({ msg: 'the memory store keeps nothing across restarts; use it for development only' });
  }
  if (initialAccessToken === undefined) {
    logger.warn({
      msg: 'open registration: anyone who can reach this server can register a client',
      registration_endpoint: registrar.settings.registrationEndpoint,
    });
  } else {
    logger.info({ msg: 'registration requires an initial access token' });
  }

  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // In-flight requests get a grace period, then their sockets are closed.
          setTimeout(() => server.closeAllConnections(), 10_000).unref();
        });
        await opened.store.close();
        logger.info({ msg: 'stopped' });
      })();
      return closing;
    },
  };
}
