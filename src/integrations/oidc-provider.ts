/**
 * node-oidc-provider integration: Registrar serves registration (RFC 7591,
 * RFC 7592) on the provider's issuer, and the provider finds every client
 * through Registrar (its store and Client ID Metadata Documents), through an
 * adapter whose `Client` model reads from Registrar and never writes. The
 * provider's own registration is off. See docs/oidc-provider.md.
 *
 * @module
 */

import type { RequestListener } from 'node:http';
import Provider, {
  type Adapter,
  type AdapterConstructor,
  type AdapterFactory,
  type AdapterPayload,
  type Configuration,
  errors,
  type ClientMetadata as ProviderClientMetadata,
} from 'oidc-provider';
import { toNodeListener } from '../adapters/node.js';
import type { RegistrarConfig } from '../core/config/registrar-config.js';
import { ConfigurationError } from '../core/errors.js';
import { ClientResolutionError } from '../core/host/client-resolution-error.js';
import type { RegistrationPolicy } from '../core/metadata/registration-policy.js';
import { createRegistrar, type Registrar } from '../registrar.js';

/** The methods oidc-provider can check on this mount: neither needs a plaintext secret. */
const METHODS: readonly string[] = ['private_key_jwt', 'none'];

/** Shared-secret methods: the provider compares the plaintext, Registrar keeps only a hash. */
const SECRET_METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];

/** The resolution failures that mean "no such client" to the provider; the others are faults. */
const NOT_FOUND = new Set([
  'unknown_client',
  'invalid_client_id',
  'document_not_allowed',
  'invalid_document',
]);

const SECRET_REFUSAL =
  'uses a client secret, which this server does not issue: its token endpoint (oidc-provider) ' +
  'compares secrets in plaintext and Registrar keeps only their hashes. ' +
  "Register with token_endpoint_auth_method 'private_key_jwt' (with jwks or jwks_uri) or 'none'.";

/** What `createOidcProviderRegistrar` takes. */
export interface OidcProviderRegistrarOptions<C> {
  /**
   * Registrar's configuration. `issuer` is the provider's issuer too.
   * `tokenEndpointAuthMethodsSupported` may hold only `private_key_jwt` and
   * `none` (both by default); `privateUseSchemes` defaults to
   * `'reverse-domain'` and may not admit a scheme without a dot;
   * `discoveryEnabled` must stay off: the provider serves discovery.
   */
  readonly registrar: RegistrarConfig<C>;
  /**
   * The provider's configuration. `adapter` keeps every model but `Client`
   * (sessions, grants, tokens, replay detection). `clients` must be empty and
   * `features.registration` off: Registrar's store is the only registry.
   * `clientAuthMethods` may hold only `private_key_jwt` and `none` (both by default).
   */
  readonly provider: Omit<Configuration, 'adapter'> & {
    readonly adapter: AdapterConstructor | AdapterFactory;
  };
}

/** A provider with Registrar's registration mounted on its issuer. */
export interface OidcProviderRegistrar<C> {
  /** The oidc-provider instance. */
  readonly provider: Provider;
  /** Registrar, for `importClientDocument`, `sweep` and the rest. */
  readonly registrar: Registrar<C>;
  /** A `node:http` listener: Registrar's paths first, every other request to `provider.callback()`. */
  readonly listener: RequestListener;
}

function refuse(message: string): never {
  throw new ConfigurationError(`oidc-provider integration: ${message}`);
}

function checkRegistrarConfig(config: RegistrarConfig<unknown>): void {
  const methods = config.tokenEndpointAuthMethodsSupported ?? METHODS;
  const secret = methods.find((method) => !METHODS.includes(method));
  if (secret !== undefined) {
    refuse(`tokenEndpointAuthMethodsSupported may hold only private_key_jwt and none, not ${secret}.`);
  }
  const schemes = config.privateUseSchemes ?? 'reverse-domain';
  if (schemes === 'any' || (Array.isArray(schemes) && schemes.some((scheme) => !scheme.includes('.')))) {
    refuse('privateUseSchemes must admit only schemes with a dot: oidc-provider refuses the others.');
  }
  if (config.discoveryEnabled === true)
    refuse('discoveryEnabled must be off: the provider serves discovery.');
  if (config.activationWindow !== undefined) {
    refuse(
      'activationWindow cannot be used: the provider checks client credentials itself, so no use would ever activate a client.',
    );
  }
  if (config.statelessRegistration !== undefined) {
    refuse(
      'statelessRegistration cannot be used: the provider finds clients in the store, where none is written.',
    );
  }
}

function checkProviderConfig(configuration: OidcProviderRegistrarOptions<unknown>['provider']): void {
  if (configuration.features?.registration?.enabled === true) {
    refuse("features.registration must be off: Registrar's endpoint is the only registration.");
  }
  if ((configuration.clients ?? []).length > 0) {
    refuse("clients must be empty: Registrar's store is the only registry.");
  }
  const secret = (configuration.clientAuthMethods ?? []).find((method) => !METHODS.includes(method));
  if (secret !== undefined)
    refuse(`clientAuthMethods may hold only private_key_jwt and none, not ${secret}.`);
}

/** Refuses a shared-secret method with the reason, where Registrar alone would only say "not supported". */
const refuseSecretMethods: RegistrationPolicy = (metadata) => {
  const method = metadata.token_endpoint_auth_method;
  return method !== undefined && SECRET_METHODS.includes(method)
    ? { reject: `token_endpoint_auth_method '${method}' ${SECRET_REFUSAL}` }
    : undefined;
};

/** Refuses a client the provider's own schema would refuse when it loads it, with the provider's reason. */
function providerSchemaPolicy(provider: () => Provider): RegistrationPolicy {
  return async (metadata, context) => {
    try {
      const candidate = { ...metadata, client_id: context.clientId ?? 'registration-check' };
      await provider().Client.validate(candidate as ProviderClientMetadata);
    } catch (error) {
      if (!(error instanceof errors.InvalidClientMetadata)) throw error;
      return { reject: `oidc-provider refuses this client: ${error.error_description ?? error.message}` };
    }
    return undefined;
  };
}

function refusedWrite(): never {
  throw new Error(
    "oidc-provider integration: clients are written through Registrar's registration endpoint only.",
  );
}

/** The `Client` model: read from Registrar, never written, never with a secret. */
function clientAdapter(registrar: Registrar<unknown>): Adapter {
  return {
    async find(id) {
      let found: Awaited<ReturnType<Registrar['resolveClient']>>;
      try {
        found = await registrar.resolveClient(id);
      } catch (error) {
        if (error instanceof ClientResolutionError && NOT_FOUND.has(error.code)) return undefined;
        throw error;
      }
      const method = found.metadata.token_endpoint_auth_method;
      if (method === undefined || !METHODS.includes(method)) return undefined;
      const { client_secret: _secret, ...metadata } = found.metadata as Record<string, unknown>;
      return { ...metadata, client_id: found.clientId } as AdapterPayload;
    },
    upsert: refusedWrite,
    destroy: refusedWrite,
    consume: refusedWrite,
    findByUid: refusedWrite,
    findByUserCode: refusedWrite,
    revokeByGrantId: refusedWrite,
  };
}

/** The host's adapter for one model; a class is told from a factory as oidc-provider tells them. */
function hostAdapter(adapter: AdapterConstructor | AdapterFactory, name: string): Adapter {
  const prototype = (adapter as { prototype?: unknown }).prototype;
  return prototype !== null && typeof prototype === 'object'
    ? new (adapter as AdapterConstructor)(name)
    : (adapter as AdapterFactory)(name);
}

function withoutSecretMethods(document: Record<string, unknown>): Record<string, unknown> {
  const methods = document.token_endpoint_auth_methods_supported;
  if (!Array.isArray(methods)) return document;
  return { ...document, token_endpoint_auth_methods_supported: methods.filter((m) => METHODS.includes(m)) };
}

/**
 * Creates an oidc-provider whose clients are Registrar's, with Registrar's
 * registration on the same issuer. Throws `ConfigurationError` for a
 * configuration under which a client could exist that the provider cannot
 * check without a plaintext secret, or that the provider would refuse to load.
 * @see docs/oidc-provider.md
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export function createOidcProviderRegistrar<C>(
  options: OidcProviderRegistrarOptions<C>,
): OidcProviderRegistrar<C> {
  const { registrar: config, provider: configuration } = options;
  checkRegistrarConfig(config as RegistrarConfig<unknown>);
  checkProviderConfig(configuration);
  let provider: Provider | undefined;
  const built = createRegistrar<C>({
    ...config,
    privateUseSchemes: config.privateUseSchemes ?? 'reverse-domain',
    // The secret methods stay known, last, so that refuseSecretMethods can name the reason.
    tokenEndpointAuthMethodsSupported: [
      ...(config.tokenEndpointAuthMethodsSupported ?? METHODS),
      ...SECRET_METHODS,
    ],
    policies: [
      ...(config.policies ?? []),
      refuseSecretMethods,
      providerSchemaPolicy(() => provider as Provider),
    ],
  });
  const registrar: Registrar<C> = {
    ...built,
    metadata: () => withoutSecretMethods(built.metadata()),
    discovery: () => withoutSecretMethods(built.discovery()),
  };
  const published = registrar.metadata();
  const { adapter, ...rest } = configuration;
  const clients = clientAdapter(registrar as Registrar<unknown>);
  provider = new Provider(config.issuer, {
    ...rest,
    adapter: (name: string) => (name === 'Client' ? clients : hostAdapter(adapter, name)),
    clientAuthMethods: configuration.clientAuthMethods ?? ['private_key_jwt', 'none'],
    features: { ...configuration.features, registration: { enabled: false } },
    discovery: {
      ...configuration.discovery,
      registration_endpoint: published.registration_endpoint,
      client_id_metadata_document_supported: published.client_id_metadata_document_supported,
    },
  });
  return { provider, registrar, listener: toNodeListener(registrar, provider.callback()) };
}
