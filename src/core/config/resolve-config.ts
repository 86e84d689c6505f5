/**
 * The library configuration (docs/configuration.md) and its resolution into the settings
 * every use-case reads. Resolution fails at construction, never per request.
 *
 * @module
 */

import { webCrypto } from '../credentials/credentials.js';
import { ConfigurationError } from '../errors.js';
import { createEventTally, type Logger } from '../events.js';
import { checkHostPattern } from '../host/host-patterns.js';
import { FORBIDDEN_REDIRECT_SCHEMES, isLoopbackHostname } from '../metadata/redirect-uri.js';
import { checkScope } from '../metadata/validate-metadata.js';
import {
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_FETCH_TIMEOUT_MS,
  type OutboundFetch,
  OutboundFetchError,
  type OutboundFetchOptions,
} from '../ports/outbound-fetch.js';
import { parseRateLimitRule } from '../ports/rate-limiter.js';
import type { StatelessCodec, StatelessRegistrationKey } from '../ports/stateless-codec.js';
import { ALL_STORE_CALLBACKS, type RegistrationStore } from '../store/registration-store.js';
import {
  boolean,
  type ConfigCheck,
  duration,
  func,
  functionArray,
  integer,
  knownKeys,
  members,
  methods,
  object,
  string,
  stringArray,
  url,
} from './config-checks.js';
import type {
  ClientIdMetadataDocumentsOptions,
  RegistrarConfig,
  RotationPolicy,
  StatelessRegistrationOptions,
} from './registrar-config.js';
import {
  type ResolvedInitialAccessToken,
  type ResolvedRateLimits,
  type ResolvedSoftwareStatement,
  resolveInitialAccessToken,
  resolveRateLimits,
  resolveSoftwareStatement,
} from './resolve-admission.js';
import type { ResolvedCaps, ResolvedStore, Settings } from './settings.js';

/** Default `grantTypesSupported` (docs/configuration.md). */
export const DEFAULT_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
/** Default `responseTypesSupported`. */
export const DEFAULT_RESPONSE_TYPES = ['code'] as const;
/** Default `tokenEndpointAuthMethodsSupported`. */
export const DEFAULT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
/** Default `signingAlgValuesSupported`. */
export const DEFAULT_SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
/** Default `registrationPath`. */
export const DEFAULT_REGISTRATION_PATH = '/oauth/register';
/** Default `maxBodyBytes`: 64 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 65536;
/** Defaults of `clientIdMetadataDocuments`. */
export const DEFAULT_CLIENT_ID_METADATA_DOCUMENTS: Readonly<Required<ClientIdMetadataDocumentsOptions>> = {
  enabled: false,
  cacheMinSeconds: 60,
  cacheMaxSeconds: 3600,
  maxBytes: 5120,
  cacheMaxEntries: 1000,
  allowHosts: ['*'],
  denyHosts: [],
  allowConfidentialClients: true,
  requiredMembers: [],
  storedCopyMaxAgeSeconds: 86400,
};

/** What the runtime around the core supplies: the safe fetcher lives outside the core. */
export interface SettingsPlatform {
  /** Builds the outbound fetcher from the resolved `fetch` options. */
  readonly createOutboundFetch?: (options: OutboundFetchOptions) => OutboundFetch;
  /** Builds the sealer of stateless ids from the checked keys, the lifetime and the issuer. */
  readonly createStatelessCodec?: (options: ResolvedStatelessRegistration) => StatelessCodec;
}

/** `statelessRegistration` checked, with its default applied. */
export interface ResolvedStatelessRegistration {
  /** Newest first. */
  readonly keys: readonly StatelessRegistrationKey[];
  /** Seconds. */
  readonly lifetime: number;
  /** The issuer the ids are bound to. */
  readonly issuer: string;
}

/** Default `statelessRegistration.lifetime`: 90 days. */
export const DEFAULT_STATELESS_LIFETIME_SECONDS: number = 90 * 86400;

// 32 bytes in unpadded base64url: 43 characters, the last carrying 2 zero bits.
const KEY_SECRET = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** The fetcher of a core used without a platform: every outbound request fails closed. */
const noOutboundFetch: OutboundFetch = () =>
  Promise.reject(new OutboundFetchError('network', 'No outbound fetcher is configured.'));

const ROTATION_POLICIES: readonly RotationPolicy[] = ['on-update', 'never', 'always'];

/** A console logger writing one JSON line per record; the library default. */
export const consoleLogger: Logger = {
  info: (record) => console.log(JSON.stringify({ level: 'info', ...record })),
  warn: (record) => console.warn(JSON.stringify({ level: 'warn', ...record })),
  error: (record) => console.error(JSON.stringify({ level: 'error', ...record })),
};

function resolveStore<C>(config: RegistrarConfig<C>): ResolvedStore<C> {
  const store: Record<string, unknown> = {};
  for (const name of ALL_STORE_CALLBACKS) {
    const flat = config[name];
    const method = config.registration?.[name];
    if (flat !== undefined && typeof flat !== 'function') {
      throw new ConfigurationError(`${name} must be a function.`);
    }
    if (flat) store[name] = flat;
    else if (typeof method === 'function') store[name] = method.bind(config.registration);
  }
  // The one-read lookup stands for loadClient and clientRegistration only while it comes from
  // where they come from: a flat key overriding either one must not be bypassed.
  const overridden = config.loadClient !== undefined || config.clientRegistration !== undefined;
  if (overridden && config.loadClientWithRegistration === undefined) delete store.loadClientWithRegistration;
  return store as ResolvedStore<C>;
}

function joinPath(base: string, path: string): string {
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

const positive: ConfigCheck = (value, name) => integer(value, name, 1);
const nonNegative: ConfigCheck = (value, name) => integer(value, name, 0);
const rateLimitRule: ConfigCheck = (value, name) => parseRateLimitRule(value, name);
const hostPatterns: ConfigCheck = (value, name) => {
  for (const pattern of stringArray(value, name)) checkHostPattern(pattern, name);
};

/**
 * The type check of every configuration key but the store callbacks (which
 * `resolveStore` checks): `resolveSettings` runs them before anything else,
 * and `registrar serve` runs them on its `--config` file.
 */
export const CONFIG_CHECKS: Readonly<
  Record<Exclude<keyof RegistrarConfig<unknown>, keyof RegistrationStore<unknown>>, ConfigCheck>
> = {
  issuer: url,
  registrationEnabled: boolean,
  managementEnabled: boolean,
  discoveryEnabled: boolean,
  registration: object,
  registrationPath: string,
  authorizationEndpoint: url,
  tokenEndpoint: url,
  jwksUri: url,
  grantTypesSupported: stringArray,
  responseTypesSupported: stringArray,
  tokenEndpointAuthMethodsSupported: stringArray,
  scopesSupported: stringArray,
  defaultScope: string,
  subjectTypesSupported: stringArray,
  signingAlgValuesSupported: stringArray,
  encryptionAlgValuesSupported: stringArray,
  encryptionEncValuesSupported: stringArray,
  clientIdMetadataDocuments: (value, name) =>
    members(value, name, {
      enabled: boolean,
      cacheMinSeconds: nonNegative,
      cacheMaxSeconds: nonNegative,
      maxBytes: positive,
      cacheMaxEntries: positive,
      allowHosts: hostPatterns,
      denyHosts: hostPatterns,
      allowConfidentialClients: boolean,
      requiredMembers: stringArray,
      storedCopyMaxAgeSeconds: nonNegative,
    }),
  fetch: (value, name) =>
    members(value, name, {
      timeoutMs: positive,
      maxBytes: positive,
      allowLoopback: boolean,
      ca: (ca, caName) => (typeof ca === 'string' ? string(ca, caName) : stringArray(ca, caName)),
      resolve: func,
    }),
  requireHttps: boolean,
  trustedProxies: stringArray,
  rateLimit: (value, name) => {
    if (value === false) return;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigurationError(`${name} must be an object or false.`);
    }
    members(value, name, {
      registrations: rateLimitRule,
      managementFailures: rateLimitRule,
      limiter: (limiter, limiterName) => methods(limiter, limiterName, ['consume', 'check']),
    });
  },
  cors: (value, name) => {
    if (value === false) return;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigurationError(`${name} must be an object or false.`);
    }
    members(value, name, {
      origins: (origins, originsName) => {
        if (origins === '*') return;
        if (
          !Array.isArray(origins) ||
          origins.some((origin) => typeof origin !== 'string' || origin === '')
        ) {
          throw new ConfigurationError(`${originsName} must be '*' or an array of origin strings.`);
        }
      },
      maxAgeSeconds: nonNegative,
    });
  },
  unsupportedGrantTypes: (value, name) => {
    if (value !== 'drop' && value !== 'reject')
      throw new ConfigurationError(`${name} must be 'drop' or 'reject'.`);
  },
  privateUseSchemes: (value, name) => {
    if (value === 'any' || value === 'reverse-domain') return;
    const shape = `${name} must be 'any', 'reverse-domain' or an array of lower-case private-use schemes (not http or https).`;
    if (!Array.isArray(value)) throw new ConfigurationError(shape);
    for (const scheme of value) {
      if (
        typeof scheme !== 'string' ||
        !/^[a-z][a-z0-9+.-]*$/.test(scheme) ||
        ['http', 'https'].includes(scheme)
      ) {
        throw new ConfigurationError(shape);
      }
      if (FORBIDDEN_REDIRECT_SCHEMES.has(scheme)) {
        throw new ConfigurationError(`${name} cannot allow the refused scheme '${scheme}'.`);
      }
    }
  },
  extraMetadata: (value, name) => {
    for (const [member, validator] of Object.entries(object(value, name)))
      func(validator, `${name}.${member}`);
  },
  clientSecretTtl: nonNegative,
  initialAccessToken: (value, name) => {
    if (typeof value === 'string') string(value, name);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      members(value, name, { token: string, verify: func, stored: boolean });
    } else if (typeof value !== 'function') {
      throw new ConfigurationError(`${name} must be a string, a function or an object.`);
    }
  },
  softwareStatement: (value, name) =>
    members(value, name, {
      issuers: (issuers, issuersName) => {
        for (const [iss, issuer] of Object.entries(object(issuers, issuersName))) {
          members(issuer, `${issuersName}[${JSON.stringify(iss)}]`, { jwks: object, jwks_uri: string });
        }
      },
      required: boolean,
      algorithms: stringArray,
      jwksCacheSeconds: positive,
    }),
  policies: functionArray,
  clientTtl: nonNegative,
  activationWindow: duration,
  renewalInterval: duration,
  maxClients: positive,
  maxClientsPerOwner: positive,
  reclaimMinAge: duration,
  statelessRegistration: (value, name) => {
    members(value, name, {
      keys: (keys, keysName) => {
        if (!Array.isArray(keys) || keys.length === 0) {
          throw new ConfigurationError(`${keysName} must be a non-empty array of { kid, secret }.`);
        }
        const kids = new Set<string>();
        keys.forEach((key: unknown, index) => {
          const keyName = `${keysName}[${index}]`;
          members(key, keyName, { kid: string, secret: string });
          const { kid, secret } = key as Partial<StatelessRegistrationKey>;
          if (typeof kid !== 'string' || kid === '') {
            throw new ConfigurationError(`${keyName}.kid must be a non-empty string.`);
          }
          if (kids.has(kid))
            throw new ConfigurationError(`${keyName}.kid repeats the kid ${JSON.stringify(kid)}.`);
          kids.add(kid);
          if (typeof secret !== 'string' || !KEY_SECRET.test(secret)) {
            throw new ConfigurationError(
              `${keyName}.secret must be 32 bytes, base64url without padding (43 characters).`,
            );
          }
        });
      },
      lifetime: (lifetime, lifetimeName) => {
        if (duration(lifetime, lifetimeName) === 0) {
          throw new ConfigurationError(`${lifetimeName} must be at least one second.`);
        }
      },
    });
    if ((value as Partial<StatelessRegistrationOptions>).keys === undefined) {
      throw new ConfigurationError(`${name}.keys is required.`);
    }
  },
  rotateRegistrationAccessToken: (value, name) => {
    if (!ROTATION_POLICIES.includes(value as RotationPolicy)) {
      throw new ConfigurationError(`${name} must be one of ${ROTATION_POLICIES.join(', ')}.`);
    }
  },
  maxBodyBytes: positive,
  onEvent: func,
  logger: (value, name) => methods(value, name, ['info', 'warn', 'error']),
  crypto: (value, name) => methods(value, name, ['randomBytes', 'sha256']),
  now: func,
};

/** Every key `RegistrarConfig` has: the options and the store callbacks. */
const KNOWN_CONFIG_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(CONFIG_CHECKS),
  ...ALL_STORE_CALLBACKS,
]);

/**
 * Runs the check of every key `config` sets; throws `ConfigurationError`
 * naming the first key that is unknown (with the closest known one) or of a wrong type.
 */
export function checkConfigTypes(config: object): void {
  knownKeys(config, KNOWN_CONFIG_KEYS);
  for (const [key, check] of Object.entries(CONFIG_CHECKS)) {
    const value = (config as Record<string, unknown>)[key];
    if (value !== undefined) check(value, key);
  }
}

function resolveFetchOptions(options: OutboundFetchOptions | undefined): OutboundFetchOptions {
  return {
    ...options,
    timeoutMs: options?.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    maxBytes: options?.maxBytes ?? DEFAULT_FETCH_MAX_BYTES,
    allowLoopback: options?.allowLoopback ?? false,
  };
}

function resolveClientIdMetadataDocuments(
  options: ClientIdMetadataDocumentsOptions | undefined,
  fetchMaxBytes: number,
): Required<ClientIdMetadataDocumentsOptions> {
  const resolved = { ...DEFAULT_CLIENT_ID_METADATA_DOCUMENTS, ...options };
  if (resolved.cacheMinSeconds > resolved.cacheMaxSeconds) {
    throw new ConfigurationError(
      'clientIdMetadataDocuments.cacheMinSeconds must not exceed clientIdMetadataDocuments.cacheMaxSeconds.',
    );
  }
  if (resolved.enabled && resolved.maxBytes > fetchMaxBytes) {
    throw new ConfigurationError('clientIdMetadataDocuments.maxBytes must not exceed fetch.maxBytes.');
  }
  return resolved;
}

function resolveEncryption(config: RegistrarConfig<unknown>): {
  encryptionAlgValuesSupported: readonly string[];
  encryptionEncValuesSupported: readonly string[];
} {
  const algs = config.encryptionAlgValuesSupported ?? [];
  const encs = config.encryptionEncValuesSupported ?? [];
  // Key management without content encryption (or the reverse) cannot produce a JWE (RFC 7516 §4.1).
  if (algs.length > 0 && encs.length === 0) {
    throw new ConfigurationError('encryptionAlgValuesSupported needs encryptionEncValuesSupported.');
  }
  if (encs.length > 0 && algs.length === 0) {
    throw new ConfigurationError('encryptionEncValuesSupported needs encryptionAlgValuesSupported.');
  }
  return { encryptionAlgValuesSupported: algs, encryptionEncValuesSupported: encs };
}

/** The default `renewalInterval`: a client's use is written at most once a minute. */
const DEFAULT_RENEWAL_INTERVAL = 60;

/** The longest default `reclaimMinAge`: 10 minutes. */
const DEFAULT_RECLAIM_MIN_AGE = 600;

function resolveCaps<C>(
  config: RegistrarConfig<C>,
  store: ResolvedStore<C>,
  activationWindow: number,
): ResolvedCaps | undefined {
  const { maxClients, maxClientsPerOwner } = config;
  if (maxClients === undefined && maxClientsPerOwner === undefined) {
    if (config.reclaimMinAge !== undefined) {
      throw new ConfigurationError('reclaimMinAge needs maxClients or maxClientsPerOwner.');
    }
    return undefined;
  }
  const name = maxClients === undefined ? 'maxClientsPerOwner' : 'maxClients';
  if (!store.registerClientWithinCaps) {
    // Counting and reclaiming must be one atomic step, which only the store can take.
    throw new ConfigurationError(`${name} needs a registerClientWithinCaps callback to keep the cap.`);
  }
  const reclaimMinAge =
    config.reclaimMinAge === undefined
      ? activationWindow > 0
        ? Math.min(activationWindow, DEFAULT_RECLAIM_MIN_AGE)
        : DEFAULT_RECLAIM_MIN_AGE
      : duration(config.reclaimMinAge, 'reclaimMinAge');
  return {
    ...(maxClients === undefined ? {} : { maxClients }),
    ...(maxClientsPerOwner === undefined ? {} : { maxClientsPerOwner }),
    reclaimMinAge,
  };
}

function resolveStatelessRegistration<C>(
  config: RegistrarConfig<C>,
  store: ResolvedStore<C>,
  platform: SettingsPlatform,
): StatelessCodec | undefined {
  const options = config.statelessRegistration;
  if (options === undefined) return undefined;
  if (!store.revokeStatelessClient || !store.isStatelessClientRevoked) {
    // An id no one could revoke would stay good for its whole lifetime.
    throw new ConfigurationError(
      'statelessRegistration needs the revokeStatelessClient and isStatelessClientRevoked callbacks (the deny list).',
    );
  }
  if (config.activationWindow !== undefined) {
    throw new ConfigurationError(
      'statelessRegistration cannot be combined with activationWindow: nothing stored can record the first use.',
    );
  }
  if (!platform.createStatelessCodec) {
    throw new ConfigurationError(
      'statelessRegistration needs createRegistrar, which supplies the JOSE sealing.',
    );
  }
  const lifetime =
    options.lifetime === undefined
      ? DEFAULT_STATELESS_LIFETIME_SECONDS
      : duration(options.lifetime, 'statelessRegistration.lifetime');
  return platform.createStatelessCodec({ keys: options.keys, lifetime, issuer: config.issuer });
}

/** Applies the defaults to everything but admission and checks it. */
function resolveSettings<C>(config: RegistrarConfig<C>, platform: SettingsPlatform): Settings<C> {
  if (typeof config !== 'object' || config === null)
    throw new ConfigurationError('A configuration object is required.');
  checkConfigTypes(config);
  if (config.defaultScope !== undefined) {
    try {
      checkScope(config.defaultScope, config.scopesSupported);
    } catch {
      throw new ConfigurationError(
        'defaultScope must be well-formed scope tokens (RFC 6749 §3.3), each in scopesSupported when that is set.',
      );
    }
  }
  const issuerUrl = url(config.issuer, 'issuer');
  if (issuerUrl.search !== '' || issuerUrl.hash !== '') {
    throw new ConfigurationError('issuer must not have a query or fragment (RFC 8414 §2).');
  }
  const store = resolveStore(config);
  const statelessRegistration = resolveStatelessRegistration(config, store, platform);
  const registrationEnabled = config.registrationEnabled ?? false;
  if (registrationEnabled && !store.registerClient && !statelessRegistration) {
    throw new ConfigurationError(
      'registrationEnabled is true but no registerClient callback was given (neither a flat key nor a store method).',
    );
  }
  const managementEnabled =
    config.managementEnabled ?? (store.loadClient !== undefined || statelessRegistration !== undefined);
  if (managementEnabled && !store.loadClient && !statelessRegistration) {
    throw new ConfigurationError('managementEnabled is true but no loadClient callback was given.');
  }
  const rotateRegistrationAccessToken = config.rotateRegistrationAccessToken ?? 'on-update';
  if (
    managementEnabled &&
    rotateRegistrationAccessToken === 'always' &&
    store.clientRegistration &&
    !store.updateClient
  ) {
    throw new ConfigurationError(
      'rotateRegistrationAccessToken "always" needs an updateClient callback to persist rotations.',
    );
  }
  const registrationPath = config.registrationPath ?? DEFAULT_REGISTRATION_PATH;
  const registrationEndpoint = joinPath(config.issuer, registrationPath);
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const clientSecretTtl = config.clientSecretTtl ?? 0;
  const clientTtl = config.clientTtl ?? 0;
  if (clientTtl > 0 && !store.touchClient) {
    // Without touchClient a use could never renew a client, so every client would die at its TTL.
    throw new ConfigurationError('clientTtl needs a touchClient callback to renew clients on use.');
  }
  // Never more than half the idle lifetime, so a client in use is renewed before it can expire.
  const renewalInterval = Math.min(
    config.renewalInterval === undefined
      ? DEFAULT_RENEWAL_INTERVAL
      : duration(config.renewalInterval, 'renewalInterval'),
    clientTtl > 0 ? Math.floor(clientTtl / 2) : Number.POSITIVE_INFINITY,
  );
  const activationWindow =
    config.activationWindow === undefined ? 0 : duration(config.activationWindow, 'activationWindow');
  if (activationWindow > 0 && !store.activateClient) {
    // Without activateClient the first use could not end the window, so every client would expire.
    throw new ConfigurationError('activationWindow needs an activateClient callback to activate clients.');
  }
  const caps = resolveCaps(config, store, activationWindow);
  const policies = config.policies ?? [];
  const cors =
    config.cors === false
      ? false
      : { origins: config.cors?.origins ?? '*', maxAgeSeconds: config.cors?.maxAgeSeconds ?? 600 };
  const fetchOptions = resolveFetchOptions(config.fetch);
  const clientIdMetadataDocuments = resolveClientIdMetadataDocuments(
    config.clientIdMetadataDocuments,
    fetchOptions.maxBytes as number,
  );
  const subjectTypesSupported = config.subjectTypesSupported ?? ['public'];
  const loopbackHttpIssuer = issuerUrl.protocol === 'http:' && isLoopbackHostname(issuerUrl.hostname);
  const tally = createEventTally();
  const hostOnEvent = config.onEvent;
  return {
    issuer: config.issuer,
    registrationEnabled,
    managementEnabled,
    discoveryEnabled: config.discoveryEnabled ?? false,
    store,
    registrationEndpoint,
    registrationPathname: new URL(registrationEndpoint).pathname,
    authorizationEndpoint: config.authorizationEndpoint ?? joinPath(config.issuer, '/authorize'),
    tokenEndpoint: config.tokenEndpoint ?? joinPath(config.issuer, '/token'),
    jwksUri: config.jwksUri ?? joinPath(config.issuer, '/jwks.json'),
    rules: {
      grantTypesSupported: config.grantTypesSupported ?? DEFAULT_GRANT_TYPES,
      responseTypesSupported: config.responseTypesSupported ?? DEFAULT_RESPONSE_TYPES,
      tokenEndpointAuthMethodsSupported: config.tokenEndpointAuthMethodsSupported ?? DEFAULT_AUTH_METHODS,
      signingAlgValuesSupported: config.signingAlgValuesSupported ?? DEFAULT_SIGNING_ALGS,
      scopesSupported: config.scopesSupported,
      defaultScope: config.defaultScope,
      extraMetadata: config.extraMetadata,
      privateUseSchemes: config.privateUseSchemes ?? 'any',
      unsupportedGrantTypes: config.unsupportedGrantTypes ?? 'drop',
      subjectTypesSupported,
      ...resolveEncryption(config as RegistrarConfig<unknown>),
    },
    subjectTypesSupported,
    clientIdMetadataDocuments,
    outboundFetch: platform.createOutboundFetch?.(fetchOptions) ?? noOutboundFetch,
    requireHttps: config.requireHttps ?? !loopbackHttpIssuer,
    trustedProxies: new Set(config.trustedProxies ?? []),
    cors,
    clientSecretTtl,
    clientTtl,
    renewalInterval,
    activationWindow,
    caps,
    statelessRegistration,
    policies,
    rotateRegistrationAccessToken,
    maxBodyBytes,
    tally,
    onEvent: (event) => {
      tally.record(event);
      return hostOnEvent?.(event);
    },
    logger: config.logger ?? consoleLogger,
    crypto: config.crypto ?? webCrypto,
    now: config.now ?? Date.now,
  };
}

/** The configuration resolved: the settings every use-case reads, and the admission slices. */
export interface ResolvedConfig<C> {
  readonly settings: Settings<C>;
  /** `undefined`: open registration. */
  readonly initialAccessToken: ResolvedInitialAccessToken | undefined;
  /** `undefined`: software statements are ignored. */
  readonly softwareStatement: ResolvedSoftwareStatement | undefined;
  readonly rateLimits: ResolvedRateLimits;
}

/**
 * Checks every option and applies the defaults, admission and rate limits
 * included; throws `ConfigurationError` naming the key when the configuration
 * cannot work. `platform` supplies what the core cannot build itself (the
 * safe fetcher); without it every outbound fetch fails closed.
 */
export function resolveConfig<C>(
  config: RegistrarConfig<C>,
  platform: SettingsPlatform = {},
): ResolvedConfig<C> {
  const settings = resolveSettings(config, platform);
  return {
    settings,
    initialAccessToken: resolveInitialAccessToken(config.initialAccessToken, settings.store),
    softwareStatement: resolveSoftwareStatement(
      config.softwareStatement,
      settings.rules.signingAlgValuesSupported,
    ),
    rateLimits: resolveRateLimits(config.rateLimit),
  };
}
