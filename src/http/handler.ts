/**
 * The HTTP face of Registrar: one function from a request to a response,
 * routing the registration endpoint (RFC 7591), the client configuration
 * endpoint (RFC 7592) and, when enabled, the discovery document (RFC 8414
 * §3), running the checks in order and framing every answer.
 * It takes its parts already built (`createRegistrar` builds them), so it
 * knows the admission checks and the rate limits only by their ports.
 *
 * @module
 */

import type { Settings } from '../core/config/settings.js';
import {
  bodyNotJson,
  bodyTooDeep,
  decodeUtf8,
  isJsonObject,
  jsonTextTooDeep,
} from '../core/credentials/encoding.js';
import { clientResponse } from '../core/endpoints/client-response.js';
import {
  type AuthenticatedClient,
  authenticateManagement,
  authenticateStatelessManagement,
  deleteClient,
  managementMethods,
  readClient,
  STATELESS_MANAGEMENT_METHODS,
  updateClient,
} from '../core/endpoints/manage-client.js';
import { registerClient } from '../core/endpoints/register-client.js';
import { invalidRequest, missingToken, RegistrationError, serverError } from '../core/errors.js';
import { describe, emitEvent } from '../core/events.js';
import { isStatelessClient, revokeStatelessClient } from '../core/host/stateless-clients.js';
import type { InitialAccessTokenCheck, SoftwareStatementCheck } from '../core/ports/admission-options.js';
import type { RateLimits } from '../core/ports/rate-limiter.js';
import { clientAddress, forwardedProto, rateLimitKey } from './client-address.js';
import { discoveryPaths, discoveryResponder } from './discovery.js';
import { errorHeaders, methodNotAllowed, payloadTooLarge } from './error-response.js';
import { allowOriginHeaders, mediaType, NOT_FOUND_ERROR } from './responses.js';
import type { RegistrarHandler, RegistrarRequest, RegistrarResponse } from './types.js';
import { fromWebRequest, toWebResponse } from './web-request.js';

/** What the handler needs, built by `createRegistrar`. */
export interface HandlerParts<C> {
  readonly settings: Settings<C>;
  /** The initial access token check (RFC 7591 §3), or `undefined` for open registration. */
  readonly checkInitialAccessToken: InitialAccessTokenCheck | undefined;
  /** The software statement check (RFC 7591 §2.3). */
  readonly checkSoftwareStatement: SoftwareStatementCheck;
  readonly rateLimits: RateLimits;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Builds the request handler of a Registrar from its parts. */
export function createHandler<C>(parts: HandlerParts<C>): RegistrarHandler {
  const { settings, checkInitialAccessToken, checkSoftwareStatement, rateLimits } = parts;
  const managementAllow = managementMethods(settings as Settings<unknown>);
  // The methods each endpoint answers, as `Allow` lists them; OPTIONS only when CORS is on.
  const registrationAllow = settings.cors ? ['POST', 'OPTIONS'] : ['POST'];
  const managementAllowWithPreflight = settings.cors ? [...managementAllow, 'OPTIONS'] : managementAllow;
  const statelessAllowWithPreflight = settings.cors
    ? [...STATELESS_MANAGEMENT_METHODS, 'OPTIONS']
    : STATELESS_MANAGEMENT_METHODS;
  const discoveryAllow = settings.cors ? ['GET', 'HEAD', 'OPTIONS'] : ['GET', 'HEAD'];
  const discoveryAt = settings.discoveryEnabled ? discoveryPaths(settings.issuer) : new Set<string>();
  const discoveryAnswer = discoveryResponder(settings as Settings<unknown>);

  function baseHeaders(request: RegistrarRequest): Record<string, string> {
    const origin = request.header('origin');
    const headers: Record<string, string> = {
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...allowOriginHeaders(settings.cors, origin),
    };
    if (settings.cors && origin !== null) {
      headers['access-control-expose-headers'] = 'WWW-Authenticate, Retry-After, Allow';
    }
    return headers;
  }

  function json(
    request: RegistrarRequest,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ) {
    return {
      status,
      headers: { ...baseHeaders(request), 'content-type': 'application/json', ...extra },
      body: JSON.stringify(body),
    };
  }

  function errorResponse(request: RegistrarRequest, error: unknown): RegistrarResponse {
    const failure = error instanceof RegistrationError ? error : serverError(error);
    if (failure.status >= 500) {
      settings.logger.error({ msg: 'request failed', error: failure.code, cause: describe(failure.cause) });
    }
    return json(
      request,
      failure.status,
      { error: failure.code, error_description: failure.description },
      errorHeaders(failure),
    );
  }

  function preflight(
    request: RegistrarRequest,
    allow: readonly string[],
    allowHeaders = 'Authorization, Content-Type',
  ): RegistrarResponse {
    if (!settings.cors) throw methodNotAllowed(allow);
    const headers = baseHeaders(request);
    headers['access-control-allow-methods'] = allow.join(', ');
    headers['access-control-allow-headers'] = allowHeaders;
    headers['access-control-max-age'] = String(settings.cors.maxAgeSeconds);
    return { status: 204, headers, body: null };
  }

  function isHttps(request: RegistrarRequest): boolean {
    return request.url.startsWith('https:') || forwardedProto(request, settings.trustedProxies) === 'https';
  }

  // Said once: an https issuer reached over plain HTTP by a peer that is not a trusted proxy is
  // most often a TLS-terminating proxy missing from trustedProxies.
  let warnedPlainHttp = !settings.issuer.startsWith('https:');
  function requireHttps(request: RegistrarRequest): void {
    if (!settings.requireHttps || isHttps(request)) return;
    const peer = request.remoteAddress;
    if (!warnedPlainHttp && (peer === undefined || !settings.trustedProxies.has(peer))) {
      warnedPlainHttp = true;
      settings.logger.warn({
        msg: 'the issuer is https but a request arrived over plain HTTP from a peer that is not a trusted proxy; list a TLS-terminating proxy in trustedProxies',
        peer: peer ?? 'unknown',
      });
    }
    throw invalidRequest('This endpoint requires HTTPS.');
  }

  /** Steps 5 to 7 of docs/architecture.md#a-registration: size, media type, nesting depth, then a JSON object. */
  async function readJsonObject(request: RegistrarRequest): Promise<Record<string, unknown>> {
    const bytes = await request.body(settings.maxBodyBytes);
    if (bytes === null) throw payloadTooLarge(settings.maxBodyBytes);
    if (mediaType(request.header('content-type')) !== 'application/json') {
      throw invalidRequest('The request body must be application/json.');
    }
    let text: string;
    try {
      text = decodeUtf8(bytes);
    } catch {
      throw bodyNotJson();
    }
    if (jsonTextTooDeep(text)) throw bodyTooDeep();
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw bodyNotJson();
    }
    if (!isJsonObject(document)) {
      throw invalidRequest('The request body must be a JSON object.');
    }
    return document as Record<string, unknown>;
  }

  // Said once: without a peer address every such request shares one rate-limit key.
  let warnedUnknownAddress = false;
  /** The key a request's address counts under (docs/admission.md: per client IP). */
  function addressKey(request: RegistrarRequest): string {
    const address = clientAddress(request, settings.trustedProxies);
    if (address === undefined && !warnedUnknownAddress) {
      warnedUnknownAddress = true;
      settings.logger.warn({
        msg: 'a request came without a client address; every such request counts under one shared rate-limit key (pass remoteAddress to fetch, getConnInfo to the Hono adapter)',
      });
    }
    return rateLimitKey(address);
  }

  /** The bearer token of the Authorization header (RFC 6750 §2.1), or `null`; never the query or body. */
  function bearerFrom(request: RegistrarRequest): string | null {
    const authorization = request.header('authorization');
    const match = authorization === null ? null : BEARER.exec(authorization);
    return match ? (match[1] as string) : null;
  }

  function bearerToken(request: RegistrarRequest): string {
    const token = bearerFrom(request);
    if (token === null)
      throw missingToken('A registration access token is required in the Authorization header.');
    return token;
  }

  async function registration(request: RegistrarRequest): Promise<RegistrarResponse> {
    // Step 1: method.
    if (request.method === 'OPTIONS') return preflight(request, registrationAllow);
    if (request.method !== 'POST') throw methodNotAllowed(registrationAllow);
    try {
      return await register(request);
    } catch (error) {
      const code = error instanceof RegistrationError ? error.code : 'server_error';
      await emitEvent(settings.onEvent, settings.logger, {
        type: 'registration.refused',
        client_id: '',
        time: Math.floor(settings.now() / 1000),
        error: code,
      });
      throw error;
    }
  }

  /** Steps 2 to 13 of a registration (docs/architecture.md#a-registration). */
  async function register(request: RegistrarRequest): Promise<RegistrarResponse> {
    // Step 2: transport.
    requireHttps(request);
    // Step 3: rate limit, before anything costs more than a counter.
    const address = addressKey(request);
    await rateLimits.admitRegistration(address);
    // Step 4: the initial access token (RFC 7591 §3).
    const admission = checkInitialAccessToken ? await checkInitialAccessToken(bearerFrom(request)) : {};
    // Steps 5 to 7.
    const document = await readJsonObject(request);
    // Step 8: the software statement (RFC 7591 §2.3); steps 9 to 13 follow.
    const statement = await checkSoftwareStatement(document);
    const issuer = statement.claims?.iss;
    // The owner the caps count under (docs/admission.md#caps): token, then issuer, then address.
    const owner = admission.owner ?? (typeof issuer === 'string' ? `iss:${issuer}` : `addr:${address}`);
    const body = await registerClient(settings, statement, { ...admission, owner });
    return json(request, 201, body);
  }

  /**
   * Runs `authenticate` under the management rate limit: the attempt takes a slot before its
   * token is checked, so concurrent guesses from one address cannot outrun the limit; only a
   * request that fails with invalid_token keeps it.
   */
  async function limitedAuthentication<T>(
    request: RegistrarRequest,
    authenticate: (token: string) => Promise<T>,
  ): Promise<T> {
    const attempt = await rateLimits.admitManagement(addressKey(request));
    let auth: T;
    try {
      auth = await authenticate(bearerToken(request));
    } catch (error) {
      if (!(error instanceof RegistrationError && error.code === 'invalid_token')) await attempt.release();
      throw error;
    }
    await attempt.release();
    return auth;
  }

  /** RFC 7592 for a stateless id (docs/stateless-registration.md#management): GET reads, DELETE revokes. */
  async function statelessManagement(
    request: RegistrarRequest,
    clientId: string,
  ): Promise<RegistrarResponse> {
    if (request.method === 'OPTIONS') return preflight(request, statelessAllowWithPreflight);
    if (!STATELESS_MANAGEMENT_METHODS.includes(request.method)) {
      throw methodNotAllowed(statelessAllowWithPreflight);
    }
    requireHttps(request);
    let token = '';
    const registration = await limitedAuthentication(request, (presented) => {
      token = presented;
      return authenticateStatelessManagement(settings as Settings<unknown>, clientId, presented);
    });
    if (request.method === 'GET') {
      return json(
        request,
        200,
        clientResponse(settings as Settings<unknown>, registration, { registrationAccessToken: token }),
      );
    }
    await revokeStatelessClient(settings as Settings<unknown>, clientId);
    return { status: 204, headers: baseHeaders(request), body: null };
  }

  async function management(request: RegistrarRequest, encodedId: string): Promise<RegistrarResponse> {
    let clientId: string;
    try {
      clientId = decodeURIComponent(encodedId);
    } catch {
      clientId = encodedId;
    }
    if (isStatelessClient(settings as Settings<unknown>, clientId))
      return statelessManagement(request, clientId);
    if (request.method === 'OPTIONS') return preflight(request, managementAllowWithPreflight);
    if (!managementAllow.includes(request.method)) throw methodNotAllowed(managementAllowWithPreflight);
    requireHttps(request);
    const auth: AuthenticatedClient<C> = await limitedAuthentication(request, (token) =>
      authenticateManagement(settings, clientId, token),
    );
    switch (request.method) {
      case 'GET':
        return json(request, 200, await readClient(settings, auth));
      case 'PUT':
        return json(
          request,
          200,
          await updateClient(settings, auth, await readJsonObject(request), checkSoftwareStatement),
        );
      default:
        await deleteClient(settings, auth);
        return { status: 204, headers: baseHeaders(request), body: null };
    }
  }

  /** The discovery document (RFC 8414 §3); MCP clients send `MCP-Protocol-Version` with their GET. */
  async function discovery(request: RegistrarRequest): Promise<RegistrarResponse> {
    if (request.method === 'OPTIONS') return preflight(request, discoveryAllow, 'MCP-Protocol-Version');
    if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed(discoveryAllow);
    return discoveryAnswer(request);
  }

  function route(request: RegistrarRequest): (() => Promise<RegistrarResponse>) | null {
    const queryAt = request.url.indexOf('?');
    const withoutQuery = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
    const pathStart = withoutQuery.indexOf('/', withoutQuery.indexOf('//') + 2);
    const pathname = pathStart === -1 ? '/' : withoutQuery.slice(pathStart);
    if (discoveryAt.has(pathname)) return () => discovery(request);
    const base = settings.registrationPathname;
    if (pathname === base) return settings.registrationEnabled ? () => registration(request) : null;
    if (settings.managementEnabled && pathname.startsWith(base) && pathname[base.length] === '/') {
      const id = pathname.slice(base.length + 1);
      if (id !== '' && !id.includes('/')) return () => management(request, id);
    }
    return null;
  }

  async function handle(request: RegistrarRequest): Promise<RegistrarResponse | null> {
    const run = route(request);
    if (!run) return null;
    try {
      return await run();
    } catch (error) {
      return errorResponse(request, error);
    }
  }

  return {
    settings: settings as Settings<unknown>,
    handle,
    async fetch(request, info) {
      const wrapped = fromWebRequest(request, info?.remoteAddress);
      const response = (await handle(wrapped)) ?? json(wrapped, 404, NOT_FOUND_ERROR);
      return toWebResponse(response);
    },
  };
}
