/**
 * The admin API (docs/admin-api.md): a `node:http` request listener for its
 * own listener, authenticated by an admin token in the `Authorization`
 * header, answering JSON under `/admin/v1`, with room for routes mounted
 * beside it (`/metrics`, the console). It never sends CORS headers; every
 * change it makes is an event and an audit log line naming the admin
 * token's label, never a secret.
 *
 * @module
 */

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { fromNodeRequest, writeNodeResponse } from '../adapters/node.js';
import { MAX_EXPIRES_IN_SECONDS, MAX_USES } from '../cli/tokens.js';
import {
  hashCredential,
  mintIdentifier,
  mintSecret,
  TOKEN_ID_BYTES,
} from '../core/credentials/credentials.js';
import { decodeUtf8, isJsonObject, jsonTextTooDeep } from '../core/credentials/encoding.js';
import { RegistrationError, StoreUnavailableError } from '../core/errors.js';
import { describe, type Logger } from '../core/events.js';
import { ClientResolutionError } from '../core/host/client-resolution-error.js';
import { metadataPolicyProblem } from '../core/metadata/apply-policies.js';
import { isAcceptableClientId } from '../core/store/identifiers.js';
import {
  hasInitialAccessTokens,
  type InitialAccessTokenRecord,
  type InitialAccessTokenStore,
  isInitialAccessTokenUsable,
} from '../core/store/registration-store.js';
import { errorHeaders } from '../http/error-response.js';
import { JSON_HEADERS, mediaType } from '../http/responses.js';
import type { RegistrarRequest, RegistrarResponse } from '../http/types.js';
import type { Registrar } from '../registrar.js';
import type { BundledStore, ClientRegistration } from '../store/bundled-store.js';
import { AdminError, badRequest, notFound } from './admin-error.js';
import { type AdminToken, matchAdminToken } from './admin-tokens.js';
import { clientView } from './client-view.js';
import { listClientPage, parseClientQuery } from './list-clients.js';
import { adminOpenApiDocument } from './openapi.js';
import type { AdminAction, AdminEvent, RecentEvents } from './recent-events.js';

/** The path every admin API route is under. */
export const ADMIN_API_PREFIX = '/admin/v1';

/** A route mounted beside the admin API, such as `/metrics` or the console's files. */
export interface AdminRoute {
  /** `GET` routes answer `HEAD` too. */
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** An exact path (`/metrics`), or a prefix ending in `*` (`/console*`). */
  readonly path: string;
  /** Whether the admin token is required: the admin handler refuses a request without it (401) before `handle`. */
  readonly auth: boolean;
  /**
   * Writes the whole response. `admin` is the token's holder when `auth` is
   * set, else `null`. Should it throw before writing, the answer is a 500
   * `server_error` and the cause is logged.
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    admin: { readonly label: string } | null,
  ): void | Promise<void>;
  /** An OpenAPI 3.1 path item object describing the route, merged into the served document. */
  readonly openapi?: Record<string, unknown>;
}

/** What `createAdminHandler` needs. */
export interface AdminHandlerOptions {
  /** The Registrar whose clients are administered. */
  readonly registrar: Registrar;
  /** The store the Registrar uses: the listing and the initial access tokens are read from it. */
  readonly store: BundledStore;
  /** The admin tokens accepted (`parseAdminTokenHashes`). */
  readonly tokens: readonly AdminToken[];
  /** Where the audit lines go (`info`, `msg: "admin action"`) and failures are logged. */
  readonly logger: Logger;
  /** The recent events `GET .../events` answers from; without it, that route answers `kept: false`. */
  readonly events?: RecentEvents;
  /** Receives an event for each change made through the admin API. */
  readonly onEvent?: (event: AdminEvent) => void | Promise<void>;
  /** Routes mounted beside the admin API, matched first, in order. */
  readonly routes?: readonly AdminRoute[];
}

/** The admin API, ready to mount. */
export interface AdminHandler {
  /** The request listener for the admin listener's `node:http` server. */
  readonly listener: RequestListener;
  /** Every method and path (OpenAPI templates) the handler answers, mounted routes included. */
  operations(): readonly { readonly method: string; readonly path: string }[];
  /** The OpenAPI 3.1 document served at `/admin/v1/openapi.json`. */
  openapi(): Record<string, unknown>;
}

/** What an operation's step gets. */
interface Call {
  readonly request: RegistrarRequest;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly admin: AdminToken;
}

interface Operation {
  readonly method: string;
  readonly path: string;
  run(call: Call): Promise<RegistrarResponse>;
}

const HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...JSON_HEADERS,
  'x-content-type-options': 'nosniff',
});

function json(status: number, body: unknown, extra: Record<string, string> = {}): RegistrarResponse {
  return { status, headers: { ...HEADERS, ...extra }, body: JSON.stringify(body) };
}

function noContent(): RegistrarResponse {
  return { status: 204, headers: { 'cache-control': 'no-store' }, body: null };
}

function errorAnswer(
  status: number,
  code: string,
  description: string,
  extra: Record<string, string> = {},
): RegistrarResponse {
  return json(status, { error: code, error_description: description }, extra);
}

/** The status each resolution failure answers with; the code itself is the `error`. */
const RESOLUTION_STATUS: Readonly<Record<string, number>> = {
  unknown_client: 404,
  pending_approval: 409,
  temporarily_unavailable: 503,
  server_error: 500,
};

const UNAUTHORIZED = errorAnswer(
  401,
  'invalid_token',
  'A valid admin token is required as Authorization: Bearer.',
  {
    'www-authenticate': 'Bearer',
  },
);

const NO_ENDPOINT = errorAnswer(404, 'not_found', 'No such endpoint.');

/** Splits a path template or a request path into segments. */
function segments(path: string): string[] {
  return path.split('/').slice(1);
}

/** The path parameters when `path` fits `template`, else `null`; throws 400 for a parameter that does not decode. */
function matchTemplate(template: string, path: string): Record<string, string> | null {
  const expected = segments(template);
  const actual = segments(path);
  if (expected.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of expected.entries()) {
    const given = actual[index] as string;
    if (part.startsWith('{')) {
      if (given === '') return null;
      const name = part.slice(1, -1);
      try {
        params[name] = decodeURIComponent(given);
      } catch {
        throw badRequest(`${name} in the path is not valid percent-encoding.`);
      }
    } else if (part !== given) {
      return null;
    }
  }
  return params;
}

function routeMatches(route: AdminRoute, path: string): boolean {
  return route.path.endsWith('*') ? path.startsWith(route.path.slice(0, -1)) : path === route.path;
}

/** Reads a JSON object body: `application/json`, within the size limit, valid UTF-8 and JSON, not too deep. */
async function readJsonObject(request: RegistrarRequest, limit: number): Promise<Record<string, unknown>> {
  if (mediaType(request.header('content-type')) !== 'application/json') {
    throw new AdminError(
      415,
      'unsupported_media_type',
      'The request body must be application/json (Content-Type).',
    );
  }
  const bytes = await request.body(limit);
  if (bytes === null)
    throw new AdminError(413, 'invalid_request', `The request body exceeds ${limit} bytes.`);
  let parsed: unknown;
  try {
    const text = decodeUtf8(bytes);
    if (jsonTextTooDeep(text)) throw badRequest('The request body is nested too deeply.');
    parsed = JSON.parse(text);
  } catch (error) {
    if (error instanceof AdminError) throw error;
    throw badRequest('The request body is not valid JSON.');
  }
  if (!isJsonObject(parsed)) throw badRequest('The request body must be a JSON object.');
  return parsed;
}

/** A client id from the path that no store could hold answers 404 without reaching the store. */
function clientIdParam(call: Call): string {
  const clientId = call.params.client_id as string;
  if (!isAcceptableClientId(clientId)) throw notFound('No such client.');
  return clientId;
}

function optionalString(body: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw badRequest(`${name} must be a string of 1 to ${max} characters.`);
  }
  return value;
}

function optionalInteger(body: Record<string, unknown>, name: string, max: number): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest(`${name} must be a whole number from 1 to ${max}.`);
  }
  return value;
}

function onlyMembers(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) {
      throw badRequest(
        `Unknown member ${name.length <= 32 ? name : 'with a long name'}; expected ${allowed.join(', ')}.`,
      );
    }
  }
}

/** An initial access token record as the API shows it: everything but the hash. */
function tokenView(record: InitialAccessTokenRecord, now: number): Record<string, unknown> {
  const { token_hash: _hash, ...rest } = record;
  return {
    ...rest,
    ...(record.max_uses === undefined ? {} : { uses_left: Math.max(0, record.max_uses - record.uses) }),
    usable: isInitialAccessTokenUsable(record, now),
  };
}

/** Creates the admin API's request listener. */
export function createAdminHandler(options: AdminHandlerOptions): AdminHandler {
  const { registrar, store, tokens, logger } = options;
  const extraRoutes = options.routes ?? [];
  const { settings } = registrar;
  const now = () => Math.floor(settings.now() / 1000);
  const limit = settings.maxBodyBytes;

  /** The event and the audit line of one change. */
  async function audit(
    admin: AdminToken,
    action: AdminAction,
    subject: { client_id: string } | { token_id: string } | Record<string, never>,
  ): Promise<void> {
    const event: AdminEvent = { type: 'admin.action', action, admin: admin.label, ...subject, time: now() };
    logger.info({ msg: 'admin action', admin: admin.label, action, ...subject });
    options.events?.record(event);
    if (!options.onEvent) return;
    try {
      await options.onEvent(event);
    } catch (error) {
      logger.error({ msg: 'admin event handler failed', action, cause: describe(error) });
    }
  }

  async function storedRegistration(clientId: string): Promise<ClientRegistration> {
    const registration = await store.loadClient(clientId);
    if (registration === null) throw notFound('No such client.');
    return registration;
  }

  function tokenStore(): InitialAccessTokenStore {
    if (!hasInitialAccessTokens(store)) {
      throw new AdminError(404, 'not_supported', 'This store does not keep initial access tokens.');
    }
    return store;
  }

  /** The create and update answer: the view, and the credentials the library minted this once. */
  function withMintedCredentials(view: unknown, answer: Record<string, unknown>): Record<string, unknown> {
    const minted: Record<string, unknown> = {};
    for (const name of [
      'client_secret',
      'client_secret_expires_at',
      'registration_access_token',
      'registration_client_uri',
    ]) {
      if (
        answer[name] !== undefined &&
        (name !== 'client_secret_expires_at' || answer.client_secret !== undefined)
      ) {
        minted[name] = answer[name];
      }
    }
    return { ...(view as Record<string, unknown>), ...minted };
  }

  const operations: Operation[] = [
    {
      method: 'GET',
      path: `${ADMIN_API_PREFIX}/openapi.json`,
      run: async () => json(200, document()),
    },
    {
      method: 'GET',
      path: `${ADMIN_API_PREFIX}/clients`,
      run: async ({ url }) =>
        json(200, await listClientPage(store, parseClientQuery(url.searchParams), now())),
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/clients`,
      async run(call) {
        const body = await readJsonObject(call.request, limit);
        const answer = await registrar.createClient(body);
        const clientId = answer.client_id as string;
        await audit(call.admin, 'client.create', { client_id: clientId });
        return json(
          201,
          withMintedCredentials(clientView(await storedRegistration(clientId), now()), answer),
        );
      },
    },
    {
      method: 'GET',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}`,
      run: async (call) => json(200, clientView(await storedRegistration(clientIdParam(call)), now())),
    },
    {
      method: 'PUT',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}`,
      async run(call) {
        const clientId = clientIdParam(call);
        const body = await readJsonObject(call.request, limit);
        const answer = await registrar.updateClient(clientId, body);
        await audit(call.admin, 'client.update', { client_id: clientId });
        return json(
          200,
          withMintedCredentials(clientView(await storedRegistration(clientId), now()), answer),
        );
      },
    },
    {
      method: 'DELETE',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}`,
      async run(call) {
        const clientId = clientIdParam(call);
        if (!(await registrar.deleteClient(clientId))) throw notFound('No such client.');
        await audit(call.admin, 'client.delete', { client_id: clientId });
        return noContent();
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}/secret`,
      async run(call) {
        const clientId = clientIdParam(call);
        const rotated = await registrar.rotateClientSecret(clientId);
        await audit(call.admin, 'client.rotate_secret', { client_id: clientId });
        return json(200, rotated);
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}/approve`,
      async run(call) {
        const clientId = clientIdParam(call);
        if (!(await registrar.approveClient(clientId))) {
          await storedRegistration(clientId);
          throw new AdminError(409, 'conflict', 'The client is not waiting for approval.');
        }
        await audit(call.admin, 'client.approve', { client_id: clientId });
        return json(200, clientView(await storedRegistration(clientId), now()));
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}/reject`,
      async run(call) {
        const clientId = clientIdParam(call);
        if (!(await registrar.rejectClient(clientId))) {
          await storedRegistration(clientId);
          throw new AdminError(409, 'conflict', 'The client is not waiting for approval.');
        }
        await audit(call.admin, 'client.reject', { client_id: clientId });
        return noContent();
      },
    },
    {
      method: 'GET',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}/events`,
      async run(call) {
        const events = options.events?.of(call.params.client_id as string) ?? [];
        return json(200, { events, kept: events.length > 0 });
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/clients/{client_id}/use`,
      async run(call) {
        const clientId = clientIdParam(call);
        const use = await registrar.reportClientUse(clientId);
        await audit(call.admin, 'client.report_use', { client_id: clientId });
        return json(200, { client_id: clientId, activated: use.activated });
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/sweep`,
      async run(call) {
        const { removed } = await registrar.sweep();
        await audit(call.admin, 'clients.sweep', {});
        return json(200, { removed });
      },
    },
    {
      method: 'GET',
      path: `${ADMIN_API_PREFIX}/initial-access-tokens`,
      async run() {
        const records = await tokenStore().listInitialAccessTokens();
        const at = now();
        return json(200, { tokens: records.map((record) => tokenView(record, at)) });
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/initial-access-tokens`,
      async run(call) {
        const tokenStoreCalls = tokenStore();
        const body = await readJsonObject(call.request, limit);
        onlyMembers(body, ['label', 'expires_in', 'uses', 'policy']);
        const label = optionalString(body, 'label', 200);
        const expiresIn = optionalInteger(body, 'expires_in', MAX_EXPIRES_IN_SECONDS);
        const uses = optionalInteger(body, 'uses', MAX_USES);
        if (body.policy !== undefined) {
          const problem = metadataPolicyProblem(body.policy);
          if (problem !== null) throw badRequest(`policy: ${problem}.`);
        }
        const createdAt = now();
        const token = mintSecret(settings.crypto);
        const record: InitialAccessTokenRecord = {
          id: mintIdentifier(settings.crypto, TOKEN_ID_BYTES),
          token_hash: await hashCredential(settings.crypto, token),
          created_at: createdAt,
          uses: 0,
          ...(label === undefined ? {} : { label }),
          ...(expiresIn === undefined ? {} : { expires_at: createdAt + expiresIn }),
          ...(uses === undefined ? {} : { max_uses: uses }),
          ...(body.policy === undefined
            ? {}
            : { policy: body.policy as NonNullable<InitialAccessTokenRecord['policy']> }),
        };
        await tokenStoreCalls.createInitialAccessToken(record);
        await audit(call.admin, 'initial_access_token.create', { token_id: record.id });
        return json(201, { ...tokenView(record, createdAt), token });
      },
    },
    {
      method: 'DELETE',
      path: `${ADMIN_API_PREFIX}/initial-access-tokens/{id}`,
      async run(call) {
        const id = call.params.id as string;
        if (id.length > 128 || !(await tokenStore().revokeInitialAccessToken(id))) {
          throw notFound('No such initial access token.');
        }
        await audit(call.admin, 'initial_access_token.revoke', { token_id: id });
        return noContent();
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/resolve`,
      async run(call) {
        const body = await readJsonObject(call.request, limit);
        onlyMembers(body, ['client_id']);
        const clientId = body.client_id;
        if (typeof clientId !== 'string' || clientId === '')
          throw badRequest('client_id must be a non-empty string.');
        const resolved = await registrar.resolveClient(clientId);
        return json(200, {
          client: {
            client_id: resolved.clientId,
            source: resolved.source,
            ...(resolved.source === 'metadata_document'
              ? {}
              : { status: clientView(resolved.registration, now()).status }),
            metadata: resolved.metadata,
          },
        });
      },
    },
    {
      method: 'POST',
      path: `${ADMIN_API_PREFIX}/authenticate`,
      async run(call) {
        const body = await readJsonObject(call.request, limit);
        onlyMembers(body, ['authorization', 'form']);
        const authorization = optionalString(body, 'authorization', 8192);
        const form = body.form ?? {};
        if (!isJsonObject(form) || !Object.values(form).every((value) => typeof value === 'string')) {
          throw badRequest('form must be an object of string values (the token request form parameters).');
        }
        const authenticated = await registrar.authenticateClient({
          headers: authorization === undefined ? {} : { authorization },
          body: form as Record<string, string>,
        });
        return json(200, {
          client_id: authenticated.clientId,
          source: authenticated.source,
          method: authenticated.method,
          public_client: authenticated.publicClient,
        });
      },
    },
  ];

  function document(): Record<string, unknown> {
    const base = adminOpenApiDocument();
    const paths = { ...(base.paths as Record<string, unknown>) };
    for (const route of extraRoutes) {
      if (route.openapi !== undefined) paths[route.path] = route.openapi;
    }
    return { ...base, paths };
  }

  /** The answer to a failure: ours and the library's as they are, anything else a logged 500. */
  function failure(error: unknown): RegistrarResponse {
    if (error instanceof AdminError) return errorAnswer(error.status, error.code, error.description);
    if (error instanceof RegistrationError) {
      if (error.status >= 500)
        logger.error({ msg: 'admin request failed', cause: describe(error.cause ?? error) });
      return errorAnswer(error.status, error.code, error.description, errorHeaders(error));
    }
    if (error instanceof ClientResolutionError) {
      const status = RESOLUTION_STATUS[error.code] ?? 400;
      if (status >= 500) logger.error({ msg: 'admin request failed', cause: describe(error.cause ?? error) });
      return errorAnswer(status, error.code, error.message, status === 503 ? { 'retry-after': '5' } : {});
    }
    if (error instanceof StoreUnavailableError) {
      return errorAnswer(503, 'temporarily_unavailable', 'The store is unavailable; retry later.', {
        'retry-after': String(error.retryAfterSeconds),
      });
    }
    logger.error({ msg: 'admin request failed', cause: describe(error) });
    return errorAnswer(500, 'server_error', 'The server encountered an internal error.');
  }

  async function answerApi(request: RegistrarRequest, path: string): Promise<RegistrarResponse> {
    const admin = matchAdminToken(request.header('authorization'), tokens);
    if (admin === null) return UNAUTHORIZED;
    const url = new URL(request.url);
    let allowed: string[] = [];
    for (const operation of operations) {
      const params = matchTemplate(operation.path, path);
      if (params === null) continue;
      if (operation.method === request.method || (operation.method === 'GET' && request.method === 'HEAD')) {
        return operation.run({ request, url, params, admin });
      }
      allowed = [...allowed, operation.method];
    }
    if (allowed.length === 0) return NO_ENDPOINT;
    return errorAnswer(405, 'method_not_allowed', `This endpoint takes ${allowed.join(', ')}.`, {
      allow: allowed.join(', '),
    });
  }

  async function serveRoute(route: AdminRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let admin: AdminToken | null = null;
    if (route.auth) {
      const header = req.headers.authorization;
      admin = matchAdminToken(typeof header === 'string' ? header : null, tokens);
      if (admin === null) {
        writeNodeResponse(res, UNAUTHORIZED);
        return;
      }
    }
    try {
      await route.handle(req, res, admin === null ? null : { label: admin.label });
    } catch (error) {
      logger.error({ msg: 'admin route failed', path: route.path, cause: describe(error) });
      if (!res.headersSent)
        writeNodeResponse(res, errorAnswer(500, 'server_error', 'The server encountered an internal error.'));
      else res.destroy();
    }
  }

  const listener: RequestListener = (req, res) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (method === 'OPTIONS') {
      writeNodeResponse(
        res,
        errorAnswer(
          405,
          'method_not_allowed',
          'OPTIONS is not answered: the admin API sends no CORS headers.',
        ),
      );
      return;
    }
    const mounted = extraRoutes.filter((route) => routeMatches(route, path));
    const route = mounted.find(
      (candidate) => candidate.method === method || (candidate.method === 'GET' && method === 'HEAD'),
    );
    if (route !== undefined) {
      void serveRoute(route, req, res);
      return;
    }
    const answer =
      mounted.length > 0
        ? Promise.resolve(
            errorAnswer(
              405,
              'method_not_allowed',
              `This endpoint takes ${mounted.map((r) => r.method).join(', ')}.`,
              {
                allow: mounted.map((r) => r.method).join(', '),
              },
            ),
          )
        : path === ADMIN_API_PREFIX || path.startsWith(`${ADMIN_API_PREFIX}/`)
          ? answerApi(fromNodeRequest(req), path).catch(failure)
          : Promise.resolve(NO_ENDPOINT);
    answer.then(
      (response) => {
        if (!req.socket.destroyed) writeNodeResponse(res, response);
      },
      () => res.destroy(),
    );
  };

  return {
    listener,
    operations: () => [
      ...operations.map(({ method, path }) => ({ method, path })),
      ...extraRoutes.map(({ method, path }) => ({ method, path })),
    ],
    openapi: document,
  };
}
