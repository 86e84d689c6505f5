/**
 * Options of `registrar serve` and the other commands: flags win over
 * `REGISTRAR_*` environment variables, which win over the `--config` file
 * (docs/operations.md).
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { ADMIN_TOKEN_HASH_VARIABLE } from '../admin/admin-tokens.js';
import { duration } from '../core/config/config-checks.js';
import { checkConfigTypes } from '../core/config/resolve-config.js';
import { isJsonObject } from '../core/credentials/encoding.js';
import { ConfigurationError } from '../core/errors.js';
import { parseRateLimitRule, type RateLimitRule } from '../core/ports/rate-limiter.js';
import { LOG_LEVELS } from './logger.js';

/** The flags every command understands, with their defaults. */
export const FLAGS = {
  port: { type: 'string', default: '4000' },
  host: { type: 'string', default: '127.0.0.1' },
  issuer: { type: 'string' },
  'authorization-endpoint': { type: 'string' },
  'token-endpoint': { type: 'string' },
  'jwks-uri': { type: 'string' },
  store: { type: 'string', default: 'sqlite:./registrar.db' },
  'pg-pool-size': { type: 'string', default: '10' },
  'pg-schema': { type: 'string', default: 'public' },
  'no-migrate': { type: 'boolean' },
  'rate-limit': { type: 'string' },
  'management-rate-limit': { type: 'string' },
  redis: { type: 'string' },
  'headers-timeout': { type: 'string', default: '10' },
  'request-timeout': { type: 'string', default: '30' },
  'idle-timeout': { type: 'string', default: '10' },
  'max-connections': { type: 'string', default: '1000' },
  'max-connections-per-address': { type: 'string', default: '128' },
  'trusted-proxies': { type: 'string' },
  'activation-window': { type: 'string' },
  'max-clients': { type: 'string' },
  'max-clients-per-owner': { type: 'string' },
  'admin-port': { type: 'string' },
  'admin-host': { type: 'string' },
  config: { type: 'string' },
  'initial-access-token': { type: 'string' },
  'require-initial-access-token': { type: 'boolean' },
  'expires-in': { type: 'string' },
  uses: { type: 'string' },
  label: { type: 'string' },
  policy: { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type FlagName = keyof typeof FLAGS;

/** The resolved options of a command. */
export interface CommandOptions {
  readonly port: number;
  readonly host: string;
  /** The issuer; absent means `http://HOST:PORT` with the port actually bound. */
  readonly issuer: string | undefined;
  /**
   * `serve --authorization-endpoint`, `--token-endpoint`, `--jwks-uri` (or the
   * config file's keys of the same name): the authorization server's own
   * endpoints, which discovery publishes. `serve` publishes no discovery
   * document unless all three are set.
   */
  readonly endpoints: {
    readonly authorizationEndpoint?: string;
    readonly tokenEndpoint?: string;
    readonly jwksUri?: string;
  };
  readonly store: string;
  /** Connections in the PostgreSQL pool (`--pg-pool-size`). */
  readonly pgPoolSize: number;
  /** The PostgreSQL schema holding Registrar's tables (`--pg-schema`). */
  readonly pgSchema: string;
  /** Whether `serve` applies pending migrations at start (`false` with `--no-migrate`). */
  readonly migrate: boolean;
  /** `--rate-limit`: the registration rule, `null` for `off` (which turns every limit off), `undefined` when not given. */
  readonly rateLimit: RateLimitRule | null | undefined;
  /** `--management-rate-limit`: the failed management authentication rule, `null` for `off`, `undefined` when not given. */
  readonly managementRateLimit: RateLimitRule | null | undefined;
  /** `--redis`: the Redis URL that selects the shared rate limiter. */
  readonly redis: string | undefined;
  /** `serve --headers-timeout`: seconds a client has to send the request headers (default 10). */
  readonly headersTimeoutSeconds: number;
  /** `serve --request-timeout`: seconds a client has to send the whole request, body included (default 30). */
  readonly requestTimeoutSeconds: number;
  /** `serve --idle-timeout`: seconds a connection may stay silent while a request is in progress (default 10). */
  readonly idleTimeoutSeconds: number;
  /** `serve --max-connections`: open connections per instance, further ones are closed at once (default 1000). */
  readonly maxConnections: number;
  /** `serve --max-connections-per-address`: open connections per client address, the socket peer (default 128). */
  readonly maxConnectionsPerAddress: number;
  /** `serve --trusted-proxies`: peer addresses whose forwarding headers count; wins over the file's `trustedProxies`. */
  readonly trustedProxies: readonly string[] | undefined;
  /** `serve --activation-window`: seconds a new client has for its first proven use; wins over the file's `activationWindow`. */
  readonly activationWindow: number | undefined;
  /** `serve --max-clients`, `--max-clients-per-owner` (docs/admission.md#caps); win over the file's keys. */
  readonly maxClients: number | undefined;
  readonly maxClientsPerOwner: number | undefined;
  /** `--log-level`: one of LOG_LEVELS (docs/operations.md#logs). */
  readonly logLevel: string;
  readonly json: boolean;
  readonly help: boolean;
  /** `serve`: a static initial access token registration then requires. */
  readonly initialAccessToken: string | undefined;
  /** `serve`: require a token even without a static one (stored tokens only). */
  readonly requireInitialAccessToken: boolean;
  /** `tokens create`: lifetime, `3600`, `90s`, `12h`, `7d`. */
  readonly expiresIn: string | undefined;
  /** `tokens create`: how many registrations the token allows. */
  readonly uses: string | undefined;
  /** `tokens create`: a note for administrators. */
  readonly label: string | undefined;
  /** `tokens create`: a JSON policy `{ "defaults": {...}, "force": {...} }`. */
  readonly policy: string | undefined;
  /**
   * `serve --admin-port`, `--admin-host` (or the config file's `admin: { port, host }`): the
   * admin listener (docs/admin-api.md), off without a port; `tokenHashes` is `REGISTRAR_ADMIN_TOKEN_HASH`
   * as given, which `serve` parses.
   */
  readonly admin: { readonly port: number; readonly host: string; readonly tokenHashes: string } | undefined;
  /** Library configuration keys from the `--config` file (data only, no functions). */
  readonly config: Record<string, unknown>;
  /** Positional arguments after the command. */
  readonly positionals: string[];
}

/** `--log-level`, checked against the levels the logger knows. */
function logLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) {
    throw new ConfigurationError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${value}".`);
  }
  return value;
}

/** `--rate-limit` becomes `REGISTRAR_RATE_LIMIT`. */
export function environmentName(flag: string): string {
  return `REGISTRAR_${flag.replace(/-/g, '_').toUpperCase()}`;
}

/** Configuration keys the file may not set: they are functions or belong to the flags. */
const FILE_FORBIDDEN_KEYS = new Set(['registration', 'onEvent', 'logger', 'crypto', 'now', 'policies']);

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`Cannot read the config file ${path}: ${(error as Error).message}`);
  }
  if (!isJsonObject(parsed)) {
    throw new ConfigurationError(`The config file ${path} must hold a JSON object.`);
  }
  for (const key of Object.keys(parsed)) {
    if (FILE_FORBIDDEN_KEYS.has(key)) throw new ConfigurationError(`The config file cannot set ${key}.`);
  }
  // `rateLimit.redis` and `rateLimit.redisKeyPrefix` are the server's own: they pick the backend.
  // `admin` is the server's own too: the admin listener.
  const { rateLimit, admin: _admin, ...library } = parsed;
  if (isJsonObject(rateLimit)) {
    const { redis: _redis, redisKeyPrefix: _prefix, ...rules } = rateLimit;
    checkConfigTypes({ ...library, rateLimit: rules });
  } else {
    checkConfigTypes({ ...library, ...(rateLimit === undefined ? {} : { rateLimit }) });
  }
  return parsed as Record<string, unknown>;
}

function positiveInteger(value: unknown, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new ConfigurationError(`--${flag} must be a positive integer.`);
  }
  return number;
}

/** `--trusted-proxies`: comma-separated IP addresses, matched exactly against the socket peer. */
function trustedProxyList(value: string): string[] {
  const addresses = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const address of addresses) {
    if (isIP(address) === 0) {
      throw new ConfigurationError('--trusted-proxies must be a comma-separated list of IP addresses.');
    }
  }
  return addresses;
}

/** The admin listener's settings from `--admin-port`, `--admin-host`, their variables and the file's `admin`. */
function adminListener(
  pick: (name: FlagName) => string | boolean | undefined,
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): CommandOptions['admin'] {
  const file = config.admin;
  if (file !== undefined && !isJsonObject(file)) {
    throw new ConfigurationError('admin in the config file must be an object { port, host }.');
  }
  const port = pick('admin-port') ?? file?.port;
  if (port === undefined) return undefined;
  const number = typeof port === 'number' || typeof port === 'string' ? Number(port) : Number.NaN;
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    const source =
      pick('admin-port') !== undefined
        ? '--admin-port (REGISTRAR_ADMIN_PORT)'
        : 'admin.port in the config file';
    throw new ConfigurationError(`${source} must be a port number.`);
  }
  const host = pick('admin-host') ?? file?.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new ConfigurationError('admin.host in the config file must be a host name or address.');
  }
  return { port: number, host, tokenHashes: env[ADMIN_TOKEN_HASH_VARIABLE] ?? '' };
}

/** Parses a command's arguments against the environment and the config file. */
export function resolveCommandOptions(args: string[], env: NodeJS.ProcessEnv): CommandOptions {
  const { values, positionals } = parseArgs({
    args,
    options: Object.fromEntries(Object.entries(FLAGS).map(([name, spec]) => [name, { type: spec.type }])) as {
      [K in FlagName]: { type: (typeof FLAGS)[K]['type'] };
    },
    allowPositionals: true,
    strict: true,
  });
  const pick = (name: FlagName): string | boolean | undefined => {
    const flag = values[name];
    if (flag !== undefined) return flag;
    const fromEnv = env[environmentName(name)];
    if (fromEnv !== undefined && fromEnv !== '') {
      if (FLAGS[name].type !== 'boolean') return fromEnv;
      if (fromEnv !== 'true' && fromEnv !== 'false') {
        throw new ConfigurationError(`${environmentName(name)} must be true or false.`);
      }
      return fromEnv === 'true';
    }
    return 'default' in FLAGS[name] ? (FLAGS[name] as { default: string }).default : undefined;
  };
  const configPath = pick('config');
  const config = typeof configPath === 'string' ? readConfigFile(configPath) : {};
  const port = Number(pick('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigurationError('--port must be a port number.');
  const host = String(pick('host'));
  const issuer =
    (pick('issuer') as string | undefined) ?? (typeof config.issuer === 'string' ? config.issuer : undefined);
  const endpoint = (flag: FlagName, key: string): Record<string, string> => {
    const value = pick(flag) ?? config[key];
    if (value === undefined) return {};
    if (typeof value !== 'string') throw new ConfigurationError(`${key} in the config file must be a URL.`);
    return { [key]: value };
  };
  const endpoints = {
    ...endpoint('authorization-endpoint', 'authorizationEndpoint'),
    ...endpoint('token-endpoint', 'tokenEndpoint'),
    ...endpoint('jwks-uri', 'jwksUri'),
  };
  const pgPoolSize = Number(pick('pg-pool-size'));
  if (!Number.isInteger(pgPoolSize) || pgPoolSize < 1) {
    throw new ConfigurationError('--pg-pool-size must be a positive integer.');
  }
  const rateLimit = pick('rate-limit');
  const managementRateLimit = pick('management-rate-limit');
  const headersTimeoutSeconds = positiveInteger(pick('headers-timeout'), 'headers-timeout');
  const requestTimeoutSeconds = positiveInteger(pick('request-timeout'), 'request-timeout');
  if (headersTimeoutSeconds > requestTimeoutSeconds) {
    throw new ConfigurationError('--headers-timeout cannot be longer than --request-timeout.');
  }
  const trustedProxies = pick('trusted-proxies');
  const activationWindow = pick('activation-window');
  const cap = (flag: FlagName) => (pick(flag) === undefined ? undefined : positiveInteger(pick(flag), flag));
  return {
    port,
    host,
    issuer,
    endpoints,
    store: String(pick('store')),
    pgPoolSize,
    pgSchema: String(pick('pg-schema')),
    migrate: pick('no-migrate') !== true,
    rateLimit: typeof rateLimit === 'string' ? parseRateLimitRule(rateLimit, '--rate-limit') : undefined,
    managementRateLimit:
      typeof managementRateLimit === 'string'
        ? parseRateLimitRule(managementRateLimit, '--management-rate-limit')
        : undefined,
    redis: pick('redis') as string | undefined,
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    idleTimeoutSeconds: positiveInteger(pick('idle-timeout'), 'idle-timeout'),
    maxConnections: positiveInteger(pick('max-connections'), 'max-connections'),
    maxConnectionsPerAddress: positiveInteger(
      pick('max-connections-per-address'),
      'max-connections-per-address',
    ),
    trustedProxies: typeof trustedProxies === 'string' ? trustedProxyList(trustedProxies) : undefined,
    activationWindow:
      typeof activationWindow === 'string' ? duration(activationWindow, '--activation-window') : undefined,
    maxClients: cap('max-clients'),
    maxClientsPerOwner: cap('max-clients-per-owner'),
    logLevel: logLevel(String(pick('log-level'))),
    json: pick('json') === true,
    help: pick('help') === true,
    initialAccessToken: pick('initial-access-token') as string | undefined,
    requireInitialAccessToken: pick('require-initial-access-token') === true,
    expiresIn: pick('expires-in') as string | undefined,
    uses: pick('uses') as string | undefined,
    label: pick('label') as string | undefined,
    policy: pick('policy') as string | undefined,
    admin: adminListener(pick, config, env),
    config,
    positionals,
  };
}
