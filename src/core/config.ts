/**
 * The library configuration (DESIGN §3) and its resolution into the settings
 * every use-case reads. Resolution fails at construction, never per request.
 *
 * @module
 */

import type { InitialAccessTokenOption, SoftwareStatementOptions } from './admission-options.js';
import type { RegistrationPolicy } from './apply-policies.js';
import {
  boolean,
  type ConfigCheck,
  func,
  functionArray,
  integer,
  members,
  methods,
  object,
  string,
  stringArray,
  url,
} from './config-checks.js';
import { type CryptoProvider, webCrypto } from './credentials.js';
import { ConfigurationError } from './errors.js';
import type { RegistrarEvent } from './events.js';
import {
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_FETCH_TIMEOUT_MS,
  type OutboundFetch,
  OutboundFetchError,
  type OutboundFetchOptions,
} from './outbound-fetch.js';
import { parseRateLimitRule, type RateLimitConfig } from './rate-limit.js';
import { isLoopbackHostname } from './redirect-uri.js';
import { type RegistrationStore, STORE_CALLBACKS } from './store-contract.js';
import { checkScope, type ExtraMetadataValidator, type MetadataRules } from './validate-metadata.js';

/** Where private details go: causes of errors, store refusals, event handler failures. */
export interface Logger {
  info(record: Record<string, unknown>): void;
  warn(record: Record<string, unknown>): void;
  error(record: Record<string, unknown>): void;
}

/** When registration access tokens are replaced (RFC 7592 §3). */
export type RotationPolicy = 'on-update' | 'never' | 'always';

/** Cross-origin settings for browser-based clients. */
export interface CorsOptions {
  /**
   * Allowed origins: `'*'` (the default) allows any, an array lists them, each
   * compared exactly. Anything else is a `ConfigurationError`. Credentials are never allowed.
   */
  origins?: '*' | readonly string[];
  /** Seconds a preflight answer may be cached. Default 600. */
  maxAgeSeconds?: number;
}

/** Client ID Metadata Documents (DESIGN §9, draft-ietf-oauth-client-id-metadata-document). */
export interface ClientIdMetadataDocumentsOptions {
  /** Resolve `https` URL client ids by fetching their documents. Default `false`. */
  enabled?: boolean;
  /** The shortest time a fetched document is kept, in seconds. Default 60. */
  cacheMinSeconds?: number;
  /** The longest time a fetched document is kept, in seconds. Default 3600. */
  cacheMaxSeconds?: number;
  /** The size cap for a document, in bytes. Default 5120. */
  maxBytes?: number;
}

/** The configuration accepted by `createRegistrar` (DESIGN §3). `C` is the host's client type. */
export interface RegistrarConfig<C = unknown> extends RegistrationStore<C> {
  /** The authorization server's issuer identifier, used verbatim. */
  issuer: string;
  /** Mount `POST {registrationPath}`. Default `false`. */
  registrationEnabled?: boolean;
  /** Mount `{registrationPath}/{client_id}`. Default: `true` when `loadClient` exists. */
  managementEnabled?: boolean;
  /** A store implementing the callbacks; flat keys of the same name win. */
  registration?: RegistrationStore<C>;
  /** Default `/oauth/register`. */
  registrationPath?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  jwksUri?: string;
  grantTypesSupported?: readonly string[];
  responseTypesSupported?: readonly string[];
  tokenEndpointAuthMethodsSupported?: readonly string[];
  scopesSupported?: readonly string[];
  defaultScope?: string;
  subjectTypesSupported?: readonly string[];
  signingAlgValuesSupported?: readonly string[];
  /**
   * Key management algorithms accepted for `id_token_encrypted_response_alg`,
   * `userinfo_encrypted_response_alg` and `request_object_encryption_alg`.
   * Default: none, so those members are refused.
   */
  encryptionAlgValuesSupported?: readonly string[];
  /** Content encryption algorithms accepted for the matching `*_enc` members; needed with the above. */
  encryptionEncValuesSupported?: readonly string[];
  /** Client ID Metadata Documents (DESIGN §9). Default: off. */
  clientIdMetadataDocuments?: ClientIdMetadataDocumentsOptions;
  /** The safe fetcher's limits (DESIGN §8). Default `{ timeoutMs: 5000, maxBytes: 65536, allowLoopback: false }`. */
  fetch?: OutboundFetchOptions;
  /** Default: `true`, except for an `http` issuer on a loopback host. */
  requireHttps?: boolean;
  /** Peer addresses whose `X-Forwarded-Proto` and `X-Forwarded-For` headers count. */
  trustedProxies?: readonly string[];
  /**
   * Per-address limits (DESIGN §6): registrations (default 60/60s) and failed
   * management authentications (default 20/60s), in memory unless a limiter
   * is given. `false` disables both.
   */
  rateLimit?: RateLimitConfig | false;
  /** Default: any origin, no credentials. `false` disables CORS. */
  cors?: CorsOptions | false;
  /** Extra members to accept, each with a validator; all other unknown members are dropped. */
  extraMetadata?: Record<string, ExtraMetadataValidator>;
  /** Seconds until a client secret expires; 0 (default) means never. */
  clientSecretTtl?: number;
  /**
   * Require an initial access token to register (RFC 7591 §3): a static
   * token, a verifier function, or `{ token?, verify?, stored? }`. Default:
   * none (open registration).
   */
  initialAccessToken?: InitialAccessTokenOption;
  /** Trusted software-statement issuers (RFC 7591 §2.3). Default: statements are ignored. */
  softwareStatement?: SoftwareStatementOptions;
  /** Host policies run after validation on every registration and update (DESIGN §4.1 step 10). */
  policies?: readonly RegistrationPolicy[];
  /**
   * Seconds a client may go unused before it expires (DESIGN §7); needs the
   * `touchClient` callback. Default: clients do not expire.
   */
  clientTtl?: number;
  /** Default `'on-update'`. */
  rotateRegistrationAccessToken?: RotationPolicy;
  /** Default 65536. */
  maxBodyBytes?: number;
  /** Receives lifecycle events; a throwing handler is logged and ignored. */
  onEvent?: (event: RegistrarEvent) => void | Promise<void>;
  /** Default: JSON lines on the console for warnings and errors. */
  logger?: Logger;
  /** Default: Web Crypto. `registrar/node` exports a faster provider on `node:crypto`. */
  crypto?: CryptoProvider;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The store callbacks after flat keys have been merged over the store's methods. */
export type ResolvedStore<C> = RegistrationStore<C>;

/** What every use-case reads: the configuration with defaults applied and checked. */
export interface Settings<C> {
  readonly issuer: string;
  readonly registrationEnabled: boolean;
  readonly managementEnabled: boolean;
  readonly store: ResolvedStore<C>;
  /** The absolute registration endpoint URL. */
  readonly registrationEndpoint: string;
  /** The path of the registration endpoint, as matched against requests. */
  readonly registrationPathname: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly rules: MetadataRules;
  readonly subjectTypesSupported: readonly string[];
  readonly clientIdMetadataDocuments: Readonly<Required<ClientIdMetadataDocumentsOptions>>;
  /** The one way out to the network (DESIGN §8), for sector identifiers, metadata documents and JWKS. */
  readonly outboundFetch: OutboundFetch;
  readonly requireHttps: boolean;
  readonly trustedProxies: ReadonlySet<string>;
  readonly cors: Required<CorsOptions> | false;
  readonly clientSecretTtl: number;
  /** Seconds of idleness before a client expires; 0: clients do not expire. */
  readonly clientTtl: number;
  readonly policies: readonly RegistrationPolicy[];
  readonly rotateRegistrationAccessToken: RotationPolicy;
  readonly maxBodyBytes: number;
  readonly onEvent: ((event: RegistrarEvent) => void | Promise<void>) | undefined;
  readonly logger: Logger;
  readonly crypto: CryptoProvider;
  readonly now: () => number;
}

/** Default `grantTypesSupported` (DESIGN §3). */
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
};

/** What the runtime around the core supplies: the safe fetcher lives outside the core. */
export interface SettingsPlatform {
  /** Builds the outbound fetcher from the resolved `fetch` options. */
  readonly createOutboundFetch?: (options: OutboundFetchOptions) => OutboundFetch;
}

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
  for (const name of STORE_CALLBACKS) {
    const flat = config[name];
    const method = config.registration?.[name];
    if (flat !== undefined && typeof flat !== 'function') {
      throw new ConfigurationError(`${name} must be a function.`);
    }
    if (flat) store[name] = flat;
    else if (typeof method === 'function') store[name] = method.bind(config.registration);
  }
  return store as ResolvedStore<C>;
}

function joinPath(base: string, path: string): string {
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

const positive: ConfigCheck = (value, name) => integer(value, name, 1);
const nonNegative: ConfigCheck = (value, name) => integer(value, name, 0);
const rateLimitRule: ConfigCheck = (value, name) => parseRateLimitRule(value, name);

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

/** Runs the check of every key `config` sets; throws `ConfigurationError` naming the first key of a wrong type. */
export function checkConfigTypes(config: object): void {
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

/**
 * Applies defaults and checks the configuration; throws `ConfigurationError`
 * when it cannot work. `platform` supplies what the core cannot build itself
 * (the safe fetcher); without it every outbound fetch fails closed.
 */
export function resolveSettings<C>(config: RegistrarConfig<C>, platform: SettingsPlatform = {}): Settings<C> {
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
  const registrationEnabled = config.registrationEnabled ?? false;
  if (registrationEnabled && !store.registerClient) {
    throw new ConfigurationError(
      'registrationEnabled is true but no registerClient callback was given (neither a flat key nor a store method).',
    );
  }
  const managementEnabled = config.managementEnabled ?? store.loadClient !== undefined;
  if (managementEnabled && !store.loadClient) {
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
  return {
    issuer: config.issuer,
    registrationEnabled,
    managementEnabled,
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
    policies,
    rotateRegistrationAccessToken,
    maxBodyBytes,
    onEvent: config.onEvent,
    logger: config.logger ?? consoleLogger,
    crypto: config.crypto ?? webCrypto,
    now: config.now ?? Date.now,
  };
}
