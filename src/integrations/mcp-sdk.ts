/**
 * The MCP TypeScript SDK's authorization server (`mcpAuthRouter`,
 * `@modelcontextprotocol/sdk` 1.x) with Registrar's registration, client
 * lookup and client authentication (docs/mcp-sdk.md). Glue only: every
 * decision is Registrar's (`authenticateClient`, `resolveClient`, the
 * registration endpoint, the discovery members) or the SDK's (authorization
 * and token handling through the host's provider).
 *
 * The SDK compares `client_secret` in plaintext and treats a client returned
 * without one as public. Registrar keeps only hashes, so the clients store
 * given to the SDK never holds a secret and answers `getClient` only inside
 * a request Registrar has already dealt with: a token or revocation request
 * whose client `authenticateClient` accepted (and then only for that
 * client), or an authorization request. Anywhere else it answers nothing,
 * and the SDK answers `invalid_client`.
 *
 * ```ts
 * import express from 'express';
 * import { registrarMcpAuth } from 'registrar/mcp-sdk';
 * const app = express();
 * app.use(registrarMcpAuth({ registrar, provider }).router);
 * ```
 *
 * @module
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { type AuthRouterOptions, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { toExpressMiddleware } from '../adapters/express.js';
import { ConfigurationError, invalidClient, RegistrationError } from '../core/errors.js';
import type { ClientMetadata } from '../core/metadata/client-metadata.js';
import { errorHeaders } from '../http/error-response.js';
import { mediaType } from '../http/responses.js';
import type { Registrar } from '../registrar.js';

/** The host's provider: the SDK's `OAuthServerProvider` without `clientsStore`, which Registrar supplies. */
export type McpAuthProvider = Omit<OAuthServerProvider, 'clientsStore'>;

/** Options of `registrarMcpAuth`. */
export interface RegistrarMcpAuthOptions<C> {
  /** The Registrar whose clients the SDK serves. Its `issuer` is the SDK's `issuerUrl`. */
  readonly registrar: Registrar<C>;
  /** Authorization, codes and tokens: the host's. Must not have a `clientsStore`. */
  readonly provider: McpAuthProvider;
  /** The SDK's `baseUrl`: where its `/authorize`, `/token` and `/revoke` are, when not under the issuer. */
  readonly baseUrl?: URL;
  /** The SDK's `serviceDocumentationUrl`, also published as `service_documentation`. */
  readonly serviceDocumentationUrl?: URL;
  /** The SDK's `resourceServerUrl`, for the protected resource metadata it serves. */
  readonly resourceServerUrl?: URL;
  /** The SDK's `resourceName`, for the protected resource metadata it serves. */
  readonly resourceName?: string;
  /** Passed to the SDK's authorization handler (its `rateLimit`). */
  readonly authorizationOptions?: AuthRouterOptions['authorizationOptions'];
  /** Passed to the SDK's token handler (its `rateLimit`). */
  readonly tokenOptions?: AuthRouterOptions['tokenOptions'];
  /** Passed to the SDK's revocation handler (its `rateLimit`). */
  readonly revocationOptions?: AuthRouterOptions['revocationOptions'];
}

/** What `registrarMcpAuth` builds. */
export interface RegistrarMcpAuth {
  /** Every authorization server route, in the one safe order: mount it at the application root with `app.use`. */
  readonly router: (RequestHandler | ErrorRequestHandler)[];
  /**
   * The host's provider with Registrar's clients store, as the SDK's router
   * gets it (for `requireBearerAuth({ verifier })`). Its store answers only
   * inside `router`'s requests: given to another `mcpAuthRouter`, every
   * client is `invalid_client`.
   */
  readonly provider: OAuthServerProvider;
}

/** The grant types and response types the SDK's handlers serve. */
const SDK_GRANT_TYPES = ['authorization_code', 'refresh_token'];
const SDK_RESPONSE_TYPES = ['code'];

/** Discovery members about ID tokens and the UserInfo endpoint: the SDK's server has neither. */
const OPENID_ONLY = /^(subject_types_supported|(id_token|userinfo|request_object)_.*)$/;

/** The request the clients store is answering for. */
type Guarded =
  | { readonly kind: 'authenticated'; readonly client: OAuthClientInformationFull }
  | { readonly kind: 'authorization' };

/** The SDK's view of a client: its metadata and `client_id`, never a secret. */
function sdkClient(clientId: string, metadata: ClientMetadata): OAuthClientInformationFull {
  const {
    client_secret: _secret,
    client_secret_expires_at: _expiry,
    ...rest
  } = metadata as ClientMetadata & {
    client_secret?: unknown;
    client_secret_expires_at?: unknown;
  };
  return {
    ...rest,
    redirect_uris: metadata.redirect_uris ?? [],
    client_id: clientId,
  } as OAuthClientInformationFull;
}

/** Whether `path` is `route` or below it, as Express's case-insensitive `router.use(route)` matches. */
function under(path: string, route: string): boolean {
  const lower = path.toLowerCase();
  return lower === route || lower.startsWith(`${route}/`);
}

/**
 * Whether `path` is exactly the SDK's endpoint `route`, which the SDK's handler answers every
 * time: a request the guard lets into a context never falls through to another route.
 */
function isEndpoint(path: string, route: string): boolean {
  const lower = path.toLowerCase();
  return lower === route || lower === `${route}/`;
}

function pathOf(req: Request): string {
  return new URL(req.url, 'http://host').pathname;
}

/** The form body: what a parser mounted earlier left, or read here (`null` when over `limit`). */
async function readForm(req: Request, limit: number): Promise<Record<string, string | string[]> | null> {
  if (req.readableDidRead || req.readableEnded) {
    return typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, string>) : {};
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  const form: Record<string, string | string[]> = {};
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') return form;
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    const seen = form[name];
    form[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return form;
}

/** An OAuth error answer (RFC 6749 §5.2) from the guard, framed as the SDK frames its own. */
interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  readonly headers: Record<string, string>;
}

function refusalOf(error: RegistrationError): Refusal {
  return {
    status: error.status,
    error: error.code,
    description: error.description,
    headers: errorHeaders(error),
  };
}

function refuse(res: Response, refusal: Refusal): void {
  res
    .status(refusal.status)
    .set({ ...refusal.headers, 'cache-control': 'no-store', 'access-control-allow-origin': '*' })
    .json({ error: refusal.error, error_description: refusal.description });
}

/** Refuses a Registrar configuration the SDK's handlers cannot honour. */
function checkRegistrar(registrar: Registrar<unknown>, endpoints: Record<string, string>): void {
  const { rules, tokenEndpoint, authorizationEndpoint } = registrar.settings;
  const extra = [
    ...rules.grantTypesSupported.filter((grant) => !SDK_GRANT_TYPES.includes(grant)),
    ...rules.responseTypesSupported.filter((type) => !SDK_RESPONSE_TYPES.includes(type)),
  ];
  if (extra.length > 0) {
    throw new ConfigurationError(
      `registrarMcpAuth: the SDK's token handler serves only authorization_code and refresh_token with response type code; set grantTypesSupported and responseTypesSupported without ${extra.join(', ')}`,
    );
  }
  for (const [name, url] of Object.entries({ tokenEndpoint, authorizationEndpoint })) {
    if (url !== endpoints[name]) {
      throw new ConfigurationError(
        `registrarMcpAuth: set ${name} to ${endpoints[name]}, where the SDK serves it`,
      );
    }
  }
}

/**
 * Builds the MCP SDK's `mcpAuthRouter` behind Registrar: Registrar's
 * registration endpoint and RFC 8414 metadata answer first, its
 * `authenticateClient` guards `/token` and `/revoke`, and the SDK gets a
 * clients store that holds no secret and answers only within those guarded
 * requests. Throws `ConfigurationError` for a provider with its own
 * `clientsStore`, or a Registrar whose endpoints or grant types the SDK does not serve.
 * @see docs/mcp-sdk.md
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export function registrarMcpAuth<C>(options: RegistrarMcpAuthOptions<C>): RegistrarMcpAuth {
  const { registrar, provider: host } = options;
  if ('clientsStore' in host) {
    throw new ConfigurationError(
      'registrarMcpAuth: leave clientsStore out of the provider; Registrar supplies it',
    );
  }
  const issuerUrl = new URL(registrar.settings.issuer);
  const at = (path: string) => new URL(path, options.baseUrl ?? issuerUrl).href;
  const endpoints = { authorizationEndpoint: at('/authorize'), tokenEndpoint: at('/token') };
  checkRegistrar(registrar as Registrar<unknown>, endpoints);
  const guarded = new AsyncLocalStorage<Guarded>();

  const clientsStore: OAuthRegisteredClientsStore = {
    async getClient(clientId) {
      const request = guarded.getStore();
      if (request?.kind === 'authenticated') {
        return request.client.client_id === clientId ? request.client : undefined;
      }
      if (request?.kind !== 'authorization') return undefined;
      const resolved = await registrar.resolveClient(clientId).catch(() => undefined);
      return resolved && sdkClient(resolved.clientId, resolved.metadata);
    },
  };
  const provider: OAuthServerProvider = {
    clientsStore,
    authorize: (client, params, res) => host.authorize(client, params, res),
    challengeForAuthorizationCode: (client, code) => host.challengeForAuthorizationCode(client, code),
    exchangeAuthorizationCode: (client, code, verifier, redirectUri, resource) =>
      host.exchangeAuthorizationCode(client, code, verifier, redirectUri, resource),
    exchangeRefreshToken: (client, token, scopes, resource) =>
      host.exchangeRefreshToken(client, token, scopes, resource),
    verifyAccessToken: (token) => host.verifyAccessToken(token),
  };
  const { revokeToken, skipLocalPkceValidation } = host;
  if (revokeToken) provider.revokeToken = (client, request) => revokeToken.call(host, client, request);
  if (skipLocalPkceValidation !== undefined) provider.skipLocalPkceValidation = skipLocalPkceValidation;

  const guardedRoutes = revokeToken ? ['/token', '/revoke'] : ['/token'];
  const limit = registrar.settings.maxBodyBytes;
  const metadata = {
    issuer: registrar.settings.issuer,
    authorization_endpoint: endpoints.authorizationEndpoint,
    token_endpoint: endpoints.tokenEndpoint,
    ...Object.fromEntries(Object.entries(registrar.metadata()).filter(([name]) => !OPENID_ONLY.test(name))),
    code_challenge_methods_supported: ['S256'],
    ...(revokeToken && {
      revocation_endpoint: at('/revoke'),
      revocation_endpoint_auth_methods_supported: [
        ...registrar.settings.rules.tokenEndpointAuthMethodsSupported,
      ],
    }),
    ...(options.serviceDocumentationUrl && { service_documentation: options.serviceDocumentationUrl.href }),
  };

  const serveMetadata: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!under(pathOf(req), '/.well-known/oauth-authorization-server')) return next();
    res.set({ 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' }).json(metadata);
  };

  const authorization: RequestHandler = (req, _res, next) => {
    if ((req.method !== 'GET' && req.method !== 'POST') || !isEndpoint(pathOf(req), '/authorize')) {
      return next();
    }
    guarded.run({ kind: 'authorization' }, next);
  };

  const authentication: RequestHandler = (req, res, next) => {
    const path = pathOf(req);
    if (req.method !== 'POST' || !guardedRoutes.some((route) => isEndpoint(path, route))) return next();
    authenticate(req, path).then((outcome) => {
      if ('refusal' in outcome) refuse(res, outcome.refusal);
      else guarded.run({ kind: 'authenticated', client: outcome.client }, next);
    }, next);
  };

  async function authenticate(
    req: Request,
    path: string,
  ): Promise<{ client: OAuthClientInformationFull } | { refusal: Refusal }> {
    const form = await readForm(req, limit);
    if (form === null) return { refusal: refusalOf(invalidClient()) };
    try {
      const client = await registrar.authenticateClient({ headers: req.headers, body: form });
      const grant = form.grant_type;
      const grants = client.metadata.grant_types ?? ['authorization_code'];
      if (isEndpoint(path, '/token') && typeof grant === 'string' && !grants.includes(grant)) {
        const description = 'The client is not registered for this grant type.';
        return { refusal: { status: 400, error: 'unauthorized_client', description, headers: {} } };
      }
      // The SDK reads client_id from the form: Basic and RFC 7523 requests may carry it elsewhere.
      req.body = { ...form, client_id: client.clientId };
      return { client: sdkClient(client.clientId, client.metadata) };
    } catch (error) {
      if (error instanceof RegistrationError) return { refusal: refusalOf(error) };
      throw error;
    }
  }

  const sdk = mcpAuthRouter({
    provider,
    issuerUrl,
    ...(options.baseUrl && { baseUrl: options.baseUrl }),
    ...(options.serviceDocumentationUrl && { serviceDocumentationUrl: options.serviceDocumentationUrl }),
    ...(options.resourceServerUrl && { resourceServerUrl: options.resourceServerUrl }),
    ...(options.resourceName !== undefined && { resourceName: options.resourceName }),
    ...(registrar.settings.rules.scopesSupported && {
      scopesSupported: [...registrar.settings.rules.scopesSupported],
    }),
    ...(options.authorizationOptions && { authorizationOptions: options.authorizationOptions }),
    ...(options.tokenOptions && { tokenOptions: options.tokenOptions }),
    ...(options.revocationOptions && { revocationOptions: options.revocationOptions }),
  });
  return {
    router: [serveMetadata, ...toExpressMiddleware(registrar), authorization, authentication, sdk],
    provider,
  };
}
