/**
 * The standalone server: Registrar with registration and management on a
 * bundled store, discovery, `/healthz`, one JSON log line per request, and a
 * clean drain on SIGTERM/SIGINT.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  connectionGone,
  fromNodeRequest,
  nodeCrypto,
  peerAddress,
  writeNodeResponse,
} from '../adapters/node.js';
import { createAdminHandler } from '../admin/admin-handler.js';
import { requireAdminTokens } from '../admin/admin-tokens.js';
import { consoleRoutes } from '../admin/console-routes.js';
import type { RequestEndpoint, ServerMetrics } from '../admin/metrics.js';
import { createRecentEvents } from '../admin/recent-events.js';
import type { RedisRateLimiter } from '../admission/redis-rate-limiter.js';
import type { RegistrarConfig } from '../core/config/registrar-config.js';
import { isJsonObject } from '../core/credentials/encoding.js';
import { ConfigurationError, StoreUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/events.js';
import type { InitialAccessTokenOption } from '../core/ports/admission-options.js';
import type { RateLimitConfig } from '../core/ports/rate-limiter.js';
import { hasInitialAccessTokens } from '../core/store/registration-store.js';
import { rateLimitKey } from '../http/client-address.js';
import { JSON_HEADERS, NOT_FOUND } from '../http/responses.js';
import type { RegistrarResponse } from '../http/types.js';
import { composeRegistrar, type Registrar } from '../registrar.js';
import type { MigrationResult } from '../store/postgres.js';
import { type AdminListener, listenAdmin } from './admin-listener.js';
import { requestIdOf, type ServerLogger, withRequestId } from './logger.js';
import { importWithPeer, type OpenedStore, openStore, redactUrl } from './open-store.js';
import type { CommandOptions } from './options.js';

/** A running standalone server. */
export interface RunningServer {
  readonly server: Server;
  /** The bound address, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  /** Stops accepting, waits for in-flight requests, closes the store. */
  close(): Promise<void>;
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

/** Seconds a load balancer is asked to wait after a failed health check. */
const HEALTH_RETRY_AFTER_SECONDS = 5;

/** How often the server checks open connections against the headers and request timeouts. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/**
 * Closes, as soon as it is accepted, a connection from a client address that
 * already holds `limit` open connections, and one the client has already reset. Addresses are keyed as rate limits
 * key them (IPv6 per /64), by the socket peer: behind a proxy that is the
 * proxy's address.
 */
function limitConnectionsPerAddress(server: Server, limit: number, logger: Logger): void {
  const open = new Map<string, number>();
  let warned = false;
  server.on('connection', (socket: Socket) => {
    // Reset before it was accepted: nobody to answer, and no address to count it under.
    if (connectionGone(socket)) {
      socket.destroy();
      return;
    }
    const key = rateLimitKey(peerAddress(socket));
    const count = open.get(key) ?? 0;
    if (count >= limit) {
      if (!warned) {
        warned = true;
        logger.warn({
          msg: 'a client address holds --max-connections-per-address connections; its further connections are closed at once',
          limit,
        });
      }
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
  });
}

/** Config-file keys of `rateLimit` that only the server reads: they pick the backend. */
interface ServerRateLimitKeys {
  /** A Redis URL: share limits through Redis (`--redis` wins). */
  redis?: string;
  /** Key prefix in Redis. Default `registrar:rate:`. */
  redisKeyPrefix?: string;
}

/** Hears of each migration just before it is applied. */
export type MigrationProgress = (migration: { readonly version: number; readonly name: string }) => void;

/** The database could not be reached to migrate or to check the migrations. */
export class DatabaseUnreachableError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnreachableError';
  }
}

/**
 * Brings an opened store's schema up to date, or, under `--no-migrate`,
 * checks that someone else did. Throws `DatabaseUnreachableError` while the
 * database cannot be reached, `ConfigurationError` for pending migrations
 * under `--no-migrate`; the store stays open either way.
 */
async function prepareSchema(
  opened: OpenedStore,
  options: CommandOptions,
  logger: Logger,
  onApplying?: MigrationProgress,
): Promise<MigrationResult | undefined> {
  const { migrations } = opened;
  if (!migrations) return undefined;
  try {
    if (options.migrate) {
      const migration = await migrations.migrate(onApplying === undefined ? {} : { onApplying });
      logger.info({ msg: 'migrations', applied: migration.applied, version: migration.version });
      return migration;
    }
    const status = await migrations.migrationStatus();
    if (status.pending.length > 0) {
      throw new ConfigurationError(
        `The database schema is at version ${status.version} and needs ${status.pending.join(', ')}; run "registrar migrate" first (or start without --no-migrate).`,
      );
    }
    return undefined;
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      const code = (error.cause as { code?: unknown } | undefined)?.code;
      throw new DatabaseUnreachableError(
        `Cannot reach the database (${typeof code === 'string' ? code : 'no answer'}): ${opened.location}.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Opens the store named by `--store`; a missing driver or a bad store name throws here, before anything connects. */
function openConfiguredStore(options: CommandOptions, logger: Logger): Promise<OpenedStore> {
  return openStore(options.store, { poolSize: options.pgPoolSize, schema: options.pgSchema, logger });
}

/**
 * Opens the store and brings its schema up to date, or, under `--no-migrate`,
 * checks that someone else did (`registrar migrate` and the start of
 * `serve`). A database that cannot be reached throws `DatabaseUnreachableError`,
 * with the store closed.
 */
export async function openMigratedStore(
  options: CommandOptions,
  logger: Logger,
  onApplying?: MigrationProgress,
): Promise<OpenedStore & { readonly migration?: MigrationResult }> {
  const opened = await openConfiguredStore(options, logger);
  try {
    const migration = await prepareSchema(opened, options, logger, onApplying);
    return migration === undefined ? opened : { ...opened, migration };
  } catch (error) {
    await opened.store.close();
    throw error;
  }
}

/** The `rateLimit` configuration from the config file and the flags, and the Redis limiter when one is chosen. */
async function rateLimitSettings(
  options: CommandOptions,
  logger: Logger,
): Promise<{ rateLimit: RateLimitConfig | false; limiter?: RedisRateLimiter; description: string }> {
  const file = options.config.rateLimit;
  if (file !== undefined && file !== false && !isJsonObject(file)) {
    throw new ConfigurationError('rateLimit in the config file must be an object or false.');
  }
  const {
    redis: fileRedis,
    redisKeyPrefix,
    ...rules
  } = (file || {}) as RateLimitConfig & ServerRateLimitKeys;
  const rateLimit: RateLimitConfig =
    file === false ? { registrations: false, managementFailures: false } : { ...rules };
  // `--rate-limit off` turns every limit off; `--management-rate-limit` then sets that one alone.
  if (options.rateLimit === null) {
    rateLimit.registrations = false;
    rateLimit.managementFailures = false;
  } else if (options.rateLimit !== undefined) {
    rateLimit.registrations = options.rateLimit;
  }
  if (options.managementRateLimit !== undefined)
    rateLimit.managementFailures = options.managementRateLimit ?? false;
  const redis = options.redis ?? fileRedis;
  if (redis !== undefined && typeof redis !== 'string')
    throw new ConfigurationError('rateLimit.redis must be a URL.');
  if (redisKeyPrefix !== undefined && typeof redisKeyPrefix !== 'string') {
    throw new ConfigurationError('rateLimit.redisKeyPrefix must be a string.');
  }
  if (redis === undefined) return { rateLimit, description: 'memory' };
  const { createRedisRateLimiter } = await importWithPeer(
    'The Redis rate limiter',
    'ioredis',
    () => import('../admission/redis-rate-limiter.js'),
  );
  const limiter = createRedisRateLimiter({
    url: redis,
    logger,
    ...(redisKeyPrefix === undefined ? {} : { keyPrefix: redisKeyPrefix }),
  });
  return { rateLimit: { ...rateLimit, limiter }, limiter, description: `redis ${redactUrl(redis)}` };
}

/** How long the start waits for Redis before it serves with per-instance limits. */
export const REDIS_READY_TIMEOUT_MS = 1000;

/** The longest wait between two attempts to reach the database at start, in milliseconds. */
const DATABASE_RETRY_MAX_MS = 5000;

/** The discovery endpoints `serve` needs to publish discovery, by their flags. */
const DISCOVERY_FLAGS = {
  authorizationEndpoint: '--authorization-endpoint',
  tokenEndpoint: '--token-endpoint',
  jwksUri: '--jwks-uri',
} as const;

/** Which endpoint of the Registrar a request path is for, as the metrics count them. */
function endpointOf(registrar: Registrar, pathname: string): RequestEndpoint {
  const base = registrar.settings.registrationPathname;
  if (pathname === base) return 'registration';
  if (
    pathname.startsWith(base) &&
    pathname[base.length] === '/' &&
    !pathname.includes('/', base.length + 1)
  ) {
    return 'management';
  }
  return 'other';
}

/** The answer to every request but `/healthz` and `/readyz` while the server is starting. */
function starting(): RegistrarResponse {
  return {
    status: 503,
    headers: { ...JSON_HEADERS, 'retry-after': '1' },
    body: JSON.stringify({
      error: 'temporarily_unavailable',
      error_description: 'The server is starting; retry shortly.',
    }),
  };
}

function jsonAnswer(status: number, body: unknown, extra: Record<string, string> = {}): RegistrarResponse {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body) };
}

/** What the server runs on once the start is complete. */
interface Started {
  readonly opened: OpenedStore;
  readonly registrar: Registrar;
  readonly limiter: RedisRateLimiter | undefined;
  /** How rate limits are kept: `memory`, `redis` or `redis-fallback` (Redis did not answer in time). */
  rateLimits(): 'memory' | 'redis' | 'redis-fallback';
}

/**
 * Prepares the opened store's schema, retrying while the database cannot be
 * reached (each failure logged, waits growing to `DATABASE_RETRY_MAX_MS`);
 * any other failure, such as pending migrations under `--no-migrate`, ends
 * the start. Resolves `false` when the server was stopped meanwhile.
 */
async function prepareWhenReachable(
  opened: OpenedStore,
  options: CommandOptions,
  logger: Logger,
  stopped: () => boolean,
): Promise<boolean> {
  let wait = 250;
  for (;;) {
    try {
      await prepareSchema(opened, options, logger);
      return true;
    } catch (error) {
      if (!(error instanceof DatabaseUnreachableError) || stopped()) throw error;
      logger.warn({ msg: 'waiting for the database', reason: error.message, retry_in_ms: wait });
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (stopped()) return false;
      wait = Math.min(DATABASE_RETRY_MAX_MS, wait * 2);
    }
  }
}

/**
 * Starts `registrar serve` with resolved options. The port is bound first and
 * every request is answered from then on: until the store is open and the
 * rate limiter has connected to Redis or fallen back to per-instance limits,
 * with 503 `temporarily_unavailable` and `Retry-After` (`/healthz` answers 200
 * throughout, `/readyz` 503). Resolves once the server is ready; rejects, with
 * the port released, when the start cannot complete.
 */
export async function serve(
  options: CommandOptions,
  logger: Logger & Partial<Pick<ServerLogger, 'debug'>>,
): Promise<RunningServer> {
  const adminTokens = options.admin === undefined ? undefined : requireAdminTokens(options.admin.tokenHashes);
  // What cannot work at all (a bad store name, a missing driver) fails here, before the port is bound.
  const opened = await openConfiguredStore(options, logger);
  let limits: Awaited<ReturnType<typeof rateLimitSettings>>;
  try {
    limits = await rateLimitSettings(options, logger);
  } catch (error) {
    await opened.store.close();
    throw error;
  }
  const server = createServer({
    headersTimeout: options.headersTimeoutSeconds * 1000,
    requestTimeout: options.requestTimeoutSeconds * 1000,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    keepAliveTimeout: 5000,
  });
  // A socket silent for this long is closed (the server has no 'timeout' listener of its own).
  server.setTimeout(options.idleTimeoutSeconds * 1000);
  server.maxConnections = options.maxConnections;
  limitConnectionsPerAddress(server, options.maxConnectionsPerAddress, logger);
  let started: Started | undefined;
  let stopped = false;
  let metrics: ServerMetrics | undefined;

  /** `/readyz`: 200 while the store answers and the start is complete, with how rate limits are kept. */
  async function readiness(): Promise<RegistrarResponse> {
    const unavailable = (store: string) =>
      jsonAnswer(
        503,
        { status: 'unavailable', store },
        { 'retry-after': String(HEALTH_RETRY_AFTER_SECONDS) },
      );
    if (!started) return unavailable('starting');
    try {
      await started.opened.store.ping();
    } catch (error) {
      logger.warn({
        msg: 'readiness check failed: the store does not answer',
        error: error instanceof Error ? error.name : 'unknown',
      });
      return unavailable('unreachable');
    }
    return jsonAnswer(200, { status: 'ready', store: 'ok', rate_limits: started.rateLimits() });
  }

  async function local(method: string, pathname: string): Promise<RegistrarResponse | null> {
    if (method !== 'GET' && method !== 'HEAD') return null;
    if (pathname === '/healthz') return jsonAnswer(200, { status: 'ok' });
    if (pathname === '/readyz') return readiness();
    return null;
  }

  /** Answers a request; `aborted` when the client's connection went away before the answer. */
  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
  ): Promise<{ status: number; aborted: boolean }> {
    const response =
      (await local(req.method ?? 'GET', pathname)) ??
      (started ? ((await started.registrar.handle(fromNodeRequest(req))) ?? NOT_FOUND) : starting());
    if (req.socket.destroyed) return { status: response.status, aborted: true };
    writeNodeResponse(res, response);
    return { status: response.status, aborted: false };
  }

  // Health checks come every few seconds from a load balancer: their lines are debug, not info.
  const healthLog = (record: Record<string, unknown>) =>
    logger.debug === undefined ? logger.info(record) : logger.debug(record);
  const requestLog = (record: Record<string, unknown>) => logger.info(record);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const begun = process.hrtime.bigint();
    // The path only, for routing and for the log: a query string could carry anything a client chose to send.
    const pathname = (req.url ?? '/').split('?', 1)[0] as string;
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    // Inside the request's context, so its log lines, and those of what it calls, carry its id.
    withRequestId(requestId, () =>
      respond(req, res, pathname).then(
        ({ status, aborted }) => {
          if (started)
            metrics?.recordRequest(endpointOf(started.registrar, pathname), req.method ?? 'GET', status);
          const log = pathname === '/healthz' || pathname === '/readyz' ? healthLog : requestLog;
          log({
            msg: 'request',
            method: req.method,
            path: pathname,
            status,
            ...(aborted ? { aborted } : {}),
            duration_ms: Number(process.hrtime.bigint() - begun) / 1e6,
            remote: peerAddress(req.socket),
          });
        },
        (error: unknown) => {
          logger.error({ msg: 'response failed', cause: error instanceof Error ? error.name : 'unknown' });
          res.destroy();
        },
      ),
    );
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await limits.limiter?.close();
    await opened.store.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const issuer = options.issuer ?? url;
  logger.info({ msg: 'starting', url });

  let registrar: Registrar;
  // Each client's recent events, for the admin API.
  const recentEvents = createRecentEvents();
  let initialAccessToken: InitialAccessTokenOption | undefined;
  try {
    if (!(await prepareWhenReachable(opened, options, logger, () => stopped))) {
      throw new Error('stopped before the store was ready');
    }
    initialAccessToken = serveInitialAccessToken(options, opened.store);
    // The metrics, and prom-client with them, only where they are served: on the admin listener.
    if (adminTokens !== undefined) {
      const { createServerMetrics } = await import('../admin/metrics.js');
      metrics = createServerMetrics({ store: opened.store, logger });
    }
    const observed = metrics;
    const { rateLimit: _fileRateLimit, admin: _admin, ...fileConfig } = options.config;
    const libraryConfig = fileConfig as Partial<RegistrarConfig<unknown>>;
    const missing = Object.entries(DISCOVERY_FLAGS)
      .filter(([key]) => !(key in options.endpoints))
      .map(([, flag]) => flag);
    registrar = composeRegistrar(
      {
        ...libraryConfig,
        ...options.endpoints,
        // Discovery only with the authorization server's real endpoints: the documents must not point nowhere.
        discoveryEnabled: missing.length === 0 && (libraryConfig.discoveryEnabled ?? true),
        ...(initialAccessToken === undefined ? {} : { initialAccessToken }),
        ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
        ...(options.activationWindow === undefined ? {} : { activationWindow: options.activationWindow }),
        ...(options.maxClients === undefined ? {} : { maxClients: options.maxClients }),
        ...(options.maxClientsPerOwner === undefined
          ? {}
          : { maxClientsPerOwner: options.maxClientsPerOwner }),
        issuer,
        registrationEnabled: true,
        registration: observed ? observed.timeStore(opened.store) : opened.store,
        rateLimit: limits.rateLimit,
        logger,
        onEvent: (event) => {
          recentEvents.record(event);
          observed?.recordEvent(event);
        },
        crypto: nodeCrypto,
      },
      observed ? { wrapOutboundFetch: observed.timeOutboundFetch } : {},
    );
    if (missing.length > 0) {
      logger.warn({
        msg: `no discovery document: set ${missing.join(', ')} (or their config file keys) to publish one`,
      });
    }
  } catch (error) {
    server.close();
    server.closeAllConnections();
    await limits.limiter?.close();
    await opened.store.close();
    throw error;
  }
  const { limiter, description: rateLimitDescription } = limits;
  if (limiter && !(await limiter.ready(REDIS_READY_TIMEOUT_MS))) {
    logger.warn({ msg: 'Redis does not answer yet; rate limits are per instance until it does' });
  }
  started = {
    opened,
    registrar,
    limiter,
    rateLimits: () => (limiter ? (limiter.connected ? 'redis' : 'redis-fallback') : 'memory'),
  };
  let admin: AdminListener | undefined;
  if (options.admin !== undefined && adminTokens !== undefined && metrics !== undefined) {
    const handler = createAdminHandler({
      registrar,
      store: metrics.timeStore(opened.store),
      tokens: adminTokens,
      logger,
      events: recentEvents,
      onEvent: metrics.recordAdminEvent,
      routes: [...consoleRoutes(), metrics.route()],
    });
    try {
      admin = await listenAdmin(
        handler,
        options.admin,
        {
          headersTimeout: options.headersTimeoutSeconds * 1000,
          requestTimeout: options.requestTimeoutSeconds * 1000,
        },
        logger,
      );
    } catch (error) {
      server.close();
      server.closeAllConnections();
      await limiter?.close();
      await opened.store.close();
      throw error;
    }
    logger.info({ msg: 'admin listening', url: admin.url, tokens: adminTokens.map((token) => token.label) });
  }

  logger.info({
    msg: 'listening',
    url,
    issuer,
    store: opened.description,
    rate_limits: rateLimitDescription,
  });
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
      stopped = true;
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // In-flight requests get a grace period, then their sockets are closed.
          setTimeout(() => server.closeAllConnections(), 10_000).unref();
        });
        await admin?.close();
        await limiter?.close();
        await opened.store.close();
        logger.info({ msg: 'stopped' });
      })();
      return closing;
    },
  };
}
