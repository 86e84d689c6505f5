/**
 * Options of `registrar serve` and the other commands: flags win over
 * `REGISTRAR_*` environment variables, which win over the `--config` file
 * (docs/operations.md).
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Command, Option } from 'commander';
import { ADMIN_TOKEN_HASH_VARIABLE } from '../admin/admin-tokens.js';
import { duration } from '../core/config/config-checks.js';
import { checkConfigTypes } from '../core/config/resolve-config.js';
import { isJsonObject } from '../core/credentials/encoding.js';
import { ConfigurationError } from '../core/errors.js';
import { parseRateLimitRule, type RateLimitRule } from '../core/ports/rate-limiter.js';
import { LOG_LEVELS } from './logger.js';

/** One flag: its type, default, the placeholder and the text its command's `--help` shows. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly default?: string;
  /** The value's placeholder in `--help` (string flags). */
  readonly value?: string;
  readonly description: string;
}

/** The name of a flag, without its dashes. */
export type FlagName =
  | 'port'
  | 'host'
  | 'issuer'
  | 'authorization-endpoint'
  | 'token-endpoint'
  | 'jwks-uri'
  | 'store'
  | 'pg-pool-size'
  | 'pg-schema'
  | 'no-migrate'
  | 'rate-limit'
  | 'management-rate-limit'
  | 'redis'
  | 'headers-timeout'
  | 'request-timeout'
  | 'idle-timeout'
  | 'max-connections'
  | 'max-connections-per-address'
  | 'trusted-proxies'
  | 'activation-window'
  | 'max-clients'
  | 'max-clients-per-owner'
  | 'admin-port'
  | 'admin-host'
  | 'config'
  | 'initial-access-token'
  | 'require-initial-access-token'
  | 'expires-in'
  | 'uses'
  | 'label'
  | 'policy'
  | 'log-level'
  | 'json';

/** The flags the commands understand, with their defaults; each is also a `REGISTRAR_<NAME>` variable. */
export const FLAGS: Readonly<Record<FlagName, FlagSpec>> = {
  port: { type: 'string', default: '4000', value: 'PORT', description: 'listen port' },
  host: { type: 'string', default: '127.0.0.1', value: 'HOST', description: 'listen address' },
  issuer: { type: 'string', value: 'URL', description: 'issuer identifier, http://HOST:PORT unless set' },
  'authorization-endpoint': {
    type: 'string',
    value: 'URL',
    description: "your authorization server's authorization endpoint, for discovery",
  },
  'token-endpoint': {
    type: 'string',
    value: 'URL',
    description: "your authorization server's token endpoint, for discovery",
  },
  'jwks-uri': {
    type: 'string',
    value: 'URL',
    description: "your authorization server's JWK Set; discovery is published once all three are set",
  },
  store: {
    type: 'string',
    default: 'sqlite:./registrar.db',
    value: 'SPEC',
    description: 'sqlite:FILE, memory: or postgres://USER@HOST:PORT/DB',
  },
  'pg-pool-size': {
    type: 'string',
    default: '10',
    value: 'N',
    description: 'PostgreSQL connections per instance',
  },
  'pg-schema': {
    type: 'string',
    default: 'public',
    value: 'NAME',
    description: "PostgreSQL schema for Registrar's tables",
  },
  'no-migrate': {
    type: 'boolean',
    description: 'do not apply migrations; refuse to start if any are pending',
  },
  'rate-limit': {
    type: 'string',
    value: 'RULE',
    description: 'registrations per client address, COUNT/SECONDSs (60/60s); off turns every limit off',
  },
  'management-rate-limit': {
    type: 'string',
    value: 'RULE',
    description: 'failed management authentications per client address (20/60s) or off',
  },
  redis: { type: 'string', value: 'URL', description: 'share rate limits through Redis (redis://HOST:6379)' },
  'headers-timeout': {
    type: 'string',
    default: '10',
    value: 'S',
    description: 'seconds to receive the request headers',
  },
  'request-timeout': {
    type: 'string',
    default: '30',
    value: 'S',
    description: 'seconds to receive the whole request',
  },
  'idle-timeout': {
    type: 'string',
    default: '10',
    value: 'S',
    description: 'seconds a connection may stay silent mid-request',
  },
  'max-connections': {
    type: 'string',
    default: '1000',
    value: 'N',
    description: 'open connections per instance',
  },
  'max-connections-per-address': {
    type: 'string',
    default: '128',
    value: 'N',
    description: 'open connections per client address',
  },
  'trusted-proxies': {
    type: 'string',
    value: 'LIST',
    description: 'comma-separated proxy addresses whose X-Forwarded-For and X-Forwarded-Proto count',
  },
  'activation-window': {
    type: 'string',
    value: 'DURATION',
    description: 'a new client not proven used within it (for example 1h) expires; off unless set',
  },
  'max-clients': {
    type: 'string',
    value: 'N',
    description: 'the most clients stored; a never-used one is reclaimed to make room, else 429 (no cap)',
  },
  'max-clients-per-owner': {
    type: 'string',
    value: 'N',
    description: 'the most clients per initial access token, statement issuer or client address (no cap)',
  },
  'admin-port': {
    type: 'string',
    value: 'PORT',
    description: "the admin API's listener, off unless set; needs REGISTRAR_ADMIN_TOKEN_HASH",
  },
  'admin-host': {
    type: 'string',
    value: 'HOST',
    description: "the admin listener's address (default 127.0.0.1)",
  },
  config: { type: 'string', value: 'FILE', description: 'JSON file of library configuration keys' },
  'initial-access-token': {
    type: 'string',
    value: 'TOKEN',
    description: 'registration requires this token (or a stored one)',
  },
  'require-initial-access-token': {
    type: 'boolean',
    description: 'registration requires a stored initial access token',
  },
  'expires-in': {
    type: 'string',
    value: 'DURATION',
    description: 'lifetime: 3600, 90s, 30m, 12h or 7d (never expires unless set)',
  },
  uses: { type: 'string', value: 'N', description: 'registrations the token allows (unlimited unless set)' },
  label: { type: 'string', value: 'TEXT', description: 'a note for administrators' },
  policy: {
    type: 'string',
    value: 'JSON',
    description: 'metadata policy {"defaults": {...}, "force": {...}} for clients registered with it',
  },
  'log-level': {
    type: 'string',
    default: 'info',
    value: 'LEVEL',
    description: `the least severe log line written: ${LOG_LEVELS.join(', ')}`,
  },
  json: { type: 'boolean', description: 'machine-readable output' },
};

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

/** `--log-level`, checked against the levels the logger knows. */
function logLevel(value: string, label: string): string {
  if (!LOG_LEVELS.includes(value)) {
    throw new ConfigurationError(`${label} must be one of ${LOG_LEVELS.join(', ')}, not "${value}".`);
  }
  return value;
}

function positiveInteger(value: unknown, label: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new ConfigurationError(`${label} must be a positive integer.`);
  }
  return number;
}

/** `--trusted-proxies`: comma-separated IP addresses, matched exactly against the socket peer. */
function trustedProxyList(value: string, label: string): string[] {
  const addresses = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const address of addresses) {
    if (isIP(address) === 0) {
      throw new ConfigurationError(`${label} must be a comma-separated list of IP addresses.`);
    }
  }
  return addresses;
}

/** The admin listener's settings from `--admin-port`, `--admin-host`, their variables and the file's `admin`. */
function adminListener(
  pick: (name: FlagName) => string | boolean | undefined,
  label: (name: FlagName) => string,
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
    const source = pick('admin-port') !== undefined ? label('admin-port') : 'admin.port in the config file';
    throw new ConfigurationError(`${source} must be a port number.`);
  }
  const host = pick('admin-host') ?? file?.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new ConfigurationError('admin.host in the config file must be a host name or address.');
  }
  return { port: number, host, tokenHashes: env[ADMIN_TOKEN_HASH_VARIABLE] ?? '' };
}

/** Flag values given on the command line, by flag name; a flag not given is absent. */
export type GivenFlags = Partial<Record<FlagName, string | boolean>>;

/**
 * The commander option of one flag, its help text naming its default and its
 * variable. No default is set on the option itself: a flag not given falls
 * through to its variable, then the config file, then the default.
 */
export function flagOption(name: FlagName): Option {
  const spec: FlagSpec = FLAGS[name];
  const notes = [
    ...(spec.default === undefined ? [] : [`default ${spec.default}`]),
    `env ${environmentName(name)}`,
  ];
  const syntax = spec.type === 'string' ? `--${name} <${spec.value ?? 'VALUE'}>` : `--${name}`;
  return new Option(syntax, `${spec.description} (${notes.join('; ')})`);
}

/** The flag of `FLAGS` a commander option is, if it is one. */
function flagNameOf(option: Option): FlagName | undefined {
  const name = option.long?.slice(2);
  return name !== undefined && name in FLAGS ? (name as FlagName) : undefined;
}

/** The flags of `FLAGS` given to `command` or a command above it. */
export function flagsGiven(command: Command): GivenFlags {
  const given: GivenFlags = {};
  for (let at: Command | null = command; at !== null; at = at.parent) {
    for (const option of at.options) {
      const name = flagNameOf(option);
      if (name === undefined) continue;
      const key = option.attributeName();
      if (at.getOptionValueSource(key) !== 'cli') continue;
      given[name] = option.negate ? true : (at.getOptionValue(key) as string | boolean);
    }
  }
  return given;
}

/** The flags of `FLAGS` that `command` itself declares, not those of the commands above it. */
export function flagsDeclared(command: Command): ReadonlySet<FlagName> {
  const declared = new Set<FlagName>();
  for (const option of command.options) {
    const name = flagNameOf(option);
    if (name !== undefined) declared.add(name);
  }
  return declared;
}

/** Parses flags and positional arguments (every flag of `FLAGS` allowed) against the environment and the config file. */
export function resolveCommandOptions(args: readonly string[], env: NodeJS.ProcessEnv): CommandOptions {
  const command = new Command().exitOverride().allowExcessArguments().argument('[arguments...]');
  command.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const name of Object.keys(FLAGS) as FlagName[]) command.addOption(flagOption(name));
  command.parse([...args], { from: 'user' });
  return resolveOptions(flagsGiven(command), command.args, env);
}

/**
 * Resolves the options of a command from the flags it was given, the
 * `REGISTRAR_*` variables and the `--config` file. An error names where the
 * bad value came from: the flag, the variable or the file's key. With
 * `accepted`, the variables of other flags are not read (a `REGISTRAR_PORT`
 * meant for `serve` is nothing to `sweep`) and those flags keep their defaults.
 */
export function resolveOptions(
  given: GivenFlags,
  positionals: readonly string[],
  env: NodeJS.ProcessEnv,
  accepted?: ReadonlySet<FlagName>,
): CommandOptions {
  const fromEnv = (name: FlagName): string | undefined => {
    if (accepted !== undefined && !accepted.has(name)) return undefined;
    const value = env[environmentName(name)];
    return value === undefined || value === '' ? undefined : value;
  };
  const label = (name: FlagName): string =>
    given[name] === undefined && fromEnv(name) !== undefined ? environmentName(name) : `--${name}`;
  const pick = (name: FlagName): string | boolean | undefined => {
    const flag = given[name];
    if (flag !== undefined) return flag;
    const variable = fromEnv(name);
    if (variable !== undefined) {
      if (FLAGS[name].type !== 'boolean') return variable;
      if (variable !== 'true' && variable !== 'false') {
        throw new ConfigurationError(`${environmentName(name)} must be true or false.`);
      }
      return variable === 'true';
    }
    const spec: FlagSpec = FLAGS[name];
    return spec.default;
  };
  const configPath = pick('config');
  const config = typeof configPath === 'string' ? readConfigFile(configPath) : {};
  const port = Number(pick('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigurationError(`${label('port')} must be a port number (0 to 65535).`);
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
    throw new ConfigurationError(`${label('pg-pool-size')} must be a positive integer.`);
  }
  const rateLimit = pick('rate-limit');
  const managementRateLimit = pick('management-rate-limit');
  const integer = (flag: FlagName) => positiveInteger(pick(flag), label(flag));
  const headersTimeoutSeconds = integer('headers-timeout');
  const requestTimeoutSeconds = integer('request-timeout');
  if (headersTimeoutSeconds > requestTimeoutSeconds) {
    throw new ConfigurationError(
      `${label('headers-timeout')} cannot be longer than ${label('request-timeout')}.`,
    );
  }
  const trustedProxies = pick('trusted-proxies');
  const activationWindow = pick('activation-window');
  const cap = (flag: FlagName) => (pick(flag) === undefined ? undefined : integer(flag));
  return {
    port,
    host,
    issuer,
    endpoints,
    store: String(pick('store')),
    pgPoolSize,
    pgSchema: String(pick('pg-schema')),
    migrate: pick('no-migrate') !== true,
    rateLimit: typeof rateLimit === 'string' ? parseRateLimitRule(rateLimit, label('rate-limit')) : undefined,
    managementRateLimit:
      typeof managementRateLimit === 'string'
        ? parseRateLimitRule(managementRateLimit, label('management-rate-limit'))
        : undefined,
    redis: pick('redis') as string | undefined,
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    idleTimeoutSeconds: integer('idle-timeout'),
    maxConnections: integer('max-connections'),
    maxConnectionsPerAddress: integer('max-connections-per-address'),
    trustedProxies:
      typeof trustedProxies === 'string'
        ? trustedProxyList(trustedProxies, label('trusted-proxies'))
        : undefined,
    activationWindow:
      typeof activationWindow === 'string'
        ? duration(activationWindow, label('activation-window'))
        : undefined,
    maxClients: cap('max-clients'),
    maxClientsPerOwner: cap('max-clients-per-owner'),
    logLevel: logLevel(String(pick('log-level')), label('log-level')),
    json: pick('json') === true,
    initialAccessToken: pick('initial-access-token') as string | undefined,
    requireInitialAccessToken: pick('require-initial-access-token') === true,
    expiresIn: pick('expires-in') as string | undefined,
    uses: pick('uses') as string | undefined,
    label: pick('label') as string | undefined,
    policy: pick('policy') as string | undefined,
    admin: adminListener(pick, label, config, env),
    config,
    positionals: [...positionals],
  };
}
