/**
 * The OpenAPI 3.1 description of the admin API, served at
 * `/admin/v1/openapi.json` (docs/admin-api.md). test/e2e/admin-api.test.ts
 * checks that every route the handler answers is described here, and the
 * reverse, and that the answers match the schemas.
 *
 * @module
 */

import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_SCANNED_PER_PAGE } from './list-clients.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
const answer = (description: string, schema?: unknown) =>
  schema === undefined ? { description } : { description, content: jsonContent(schema) };
const problem = (description: string) => answer(description, ref('Error'));

/** The answers every authenticated operation may give besides its own. */
const COMMON_ERRORS = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '503': problem('The store cannot be reached; retry after `Retry-After` seconds.'),
};

const clientIdParameter = {
  name: 'client_id',
  in: 'path',
  required: true,
  description: 'The client id, percent-encoded (a metadata document client has a URL as its id).',
  schema: { type: 'string' },
};

const jsonBody = (schema: unknown, description: string) => ({
  required: true,
  description,
  content: jsonContent(schema),
});

const seconds = (description: string) => ({
  in: 'query',
  required: false,
  description,
  schema: { type: 'integer', minimum: 0 },
});

function operation(
  summary: string,
  responses: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { summary, ...extra, responses: { ...COMMON_ERRORS, ...responses } };
}

/**
 * `/metrics` (docs/operations.md#metrics), merged into the document by the
 * route `registrar serve` mounts beside the admin API.
 */
export const METRICS_PATH_ITEM: Readonly<Record<string, unknown>> = Object.freeze({
  get: {
    summary: 'Metrics',
    description:
      "The server's metrics in the Prometheus text exposition format (version 0.0.4); every name starts with `registrar_`, and no label carries a value a client chose.",
    responses: {
      '200': {
        description: 'The metrics.',
        content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
      },
      '401': { $ref: '#/components/responses/Unauthorized' },
      '500': problem('The metrics could not be collected; the cause is logged.'),
    },
  },
});

/** The admin API's OpenAPI 3.1 document, without the routes mounted beside it. */
export function adminOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Registrar admin API',
      version: '1',
      description:
        'Administration of registered clients and initial access tokens, and the calls an authorization server in another process makes. Every call needs an admin token as `Authorization: Bearer`; no CORS headers are sent.',
    },
    security: [{ adminToken: [] }],
    paths: {
      '/admin/v1/openapi.json': {
        get: operation('This document', { '200': answer('The OpenAPI 3.1 document.', { type: 'object' }) }),
      },
      '/admin/v1/clients': {
        get: operation(
          'List clients',
          {
            '200': answer('A page of clients.', ref('ClientListing')),
            '400': problem('A query parameter is malformed; the description names it.'),
          },
          {
            description: `Clients in client id order, filtered. One request reads at most ${MAX_SCANNED_PER_PAGE} stored clients, so a page may hold fewer than \`limit\` clients (even none) while \`next_cursor\` is not null: follow it until it is null.`,
            parameters: [
              {
                name: 'limit',
                in: 'query',
                required: false,
                schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
              },
              {
                name: 'cursor',
                in: 'query',
                required: false,
                schema: { type: 'string' },
                description: 'A `next_cursor`.',
              },
              {
                name: 'name',
                in: 'query',
                required: false,
                schema: { type: 'string' },
                description: 'Case-insensitive substring of `client_name`.',
              },
              { name: 'software_id', in: 'query', required: false, schema: { type: 'string' } },
              { name: 'owner', in: 'query', required: false, schema: { type: 'string' } },
              {
                name: 'status',
                in: 'query',
                required: false,
                schema: { type: 'string', enum: ['active', 'pending', 'expired'] },
              },
              { name: 'created_after', ...seconds('`client_id_issued_at` at or after (Unix seconds).') },
              { name: 'created_before', ...seconds('`client_id_issued_at` before (Unix seconds).') },
              { name: 'used_after', ...seconds('`last_used_at` at or after (Unix seconds).') },
              {
                name: 'used_before',
                ...seconds('`last_used_at` before (Unix seconds); never-used clients do not match.'),
              },
            ],
          },
        ),
        post: operation(
          'Create a client',
          {
            '201': answer(
              'The client, with its secret and registration access token shown this once.',
              ref('CreatedClient'),
            ),
            '400': problem('The metadata is refused; the description names the member.'),
            '413': problem('The body is too large.'),
            '415': problem('The body is not application/json.'),
          },
          {
            requestBody: jsonBody(
              ref('Metadata'),
              'Client metadata (RFC 7591 §2), validated as a registration is.',
            ),
          },
        ),
      },
      '/admin/v1/clients/{client_id}': {
        parameters: [clientIdParameter],
        get: operation('Show a client', {
          '200': answer('The client.', ref('ClientView')),
          '404': problem('No such client.'),
        }),
        put: operation(
          'Replace a client\u2019s metadata',
          {
            '200': answer('The client; a newly issued secret is shown this once.', ref('CreatedClient')),
            '400': problem('The metadata is refused; the description names the member.'),
            '404': problem('No such client.'),
            '413': problem('The body is too large.'),
            '415': problem('The body is not application/json.'),
          },
          { requestBody: jsonBody(ref('Metadata'), 'The whole client metadata.') },
        ),
        delete: operation('Delete a client', {
          '204': answer('Deleted.'),
          '404': problem('No such client.'),
        }),
      },
      '/admin/v1/clients/{client_id}/secret': {
        parameters: [clientIdParameter],
        post: operation('Rotate the client secret', {
          '200': answer(
            'The new secret, shown this once; the old one no longer works.',
            ref('RotatedSecret'),
          ),
          '400': problem('The client has no secret.'),
          '404': problem('No such client.'),
        }),
      },
      '/admin/v1/clients/{client_id}/approve': {
        parameters: [clientIdParameter],
        post: operation('Approve a pending client', {
          '200': answer('The approved client.', ref('ClientView')),
          '404': problem('No such client.'),
          '409': problem('The client is not waiting for approval.'),
        }),
      },
      '/admin/v1/clients/{client_id}/reject': {
        parameters: [clientIdParameter],
        post: operation('Reject (delete) a pending client', {
          '204': answer('Rejected and deleted.'),
          '404': problem('No such client.'),
          '409': problem('The client is not waiting for approval.'),
        }),
      },
      '/admin/v1/clients/{client_id}/events': {
        parameters: [clientIdParameter],
        get: operation('Recent events of a client', {
          '200': answer('The events this process kept, oldest first.', ref('EventList')),
        }),
      },
      '/admin/v1/clients/{client_id}/use': {
        parameters: [clientIdParameter],
        post: operation('Report a proven use of a client (a successful grant)', {
          '200': answer('Recorded.', ref('ClientUse')),
          '404': problem('`unknown_client`: not registered or expired.'),
          '409': problem('`pending_approval`: the client waits for approval.'),
        }),
      },
      '/admin/v1/sweep': {
        post: operation(
          'Remove expired clients',
          {
            '200': answer('The sweep is done.', {
              type: 'object',
              required: ['removed'],
              additionalProperties: false,
              properties: { removed: { type: 'integer', minimum: 0 } },
            }),
          },
          {
            description:
              'Removes every client whose `expires_at` has passed, as `registrar sweep` does, and emits `client.expired` for each.',
          },
        ),
      },
      '/admin/v1/initial-access-tokens': {
        get: operation('List initial access tokens', {
          '200': answer('Every stored token, oldest first, never a token or its hash.', ref('TokenList')),
          '404': problem('The store keeps no initial access tokens.'),
        }),
        post: operation(
          'Create an initial access token',
          {
            '201': answer('The token, shown this once.', ref('CreatedToken')),
            '400': problem('A member is malformed; the description names it.'),
            '404': problem('The store keeps no initial access tokens.'),
            '413': problem('The body is too large.'),
            '415': problem('The body is not application/json.'),
          },
          { requestBody: jsonBody(ref('TokenRequest'), 'What the token allows.') },
        ),
      },
      '/admin/v1/initial-access-tokens/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        delete: operation('Revoke an initial access token', {
          '204': answer('Revoked.'),
          '404': problem('No such token.'),
        }),
      },
      '/admin/v1/resolve': {
        post: operation(
          'Resolve a client id for an authorization endpoint',
          {
            '200': answer('The client may proceed.', ref('ResolvedClient')),
            '400': problem(
              'The body is malformed, or the client cannot be used (`invalid_client_id`, `document_not_allowed`, `document_unavailable`, `invalid_document`).',
            ),
            '404': problem('`unknown_client`.'),
            '409': problem('`pending_approval`.'),
            '413': problem('The body is too large.'),
            '415': problem('The body is not application/json.'),
          },
          {
            requestBody: jsonBody(
              {
                type: 'object',
                required: ['client_id'],
                additionalProperties: false,
                properties: { client_id: { type: 'string', minLength: 1 } },
              },
              'The client id the authorization request named.',
            ),
          },
        ),
      },
      '/admin/v1/authenticate': {
        post: operation(
          'Authenticate a client of a token request',
          {
            '200': answer('The client authenticated.', ref('AuthenticatedClient')),
            '400': problem('The body is malformed.'),
            '401': problem(
              '`invalid_client`: answer the token request with 401 and this `WWW-Authenticate`.',
            ),
            '413': problem('The body is too large.'),
            '415': problem('The body is not application/json.'),
          },
          {
            requestBody: jsonBody(
              {
                type: 'object',
                additionalProperties: false,
                properties: {
                  authorization: {
                    type: 'string',
                    description: 'The Authorization header the token request carried.',
                  },
                  form: {
                    type: 'object',
                    additionalProperties: { type: 'string' },
                    description:
                      'The token request form parameters (client_id, client_secret, client_assertion, ...).',
                  },
                },
              },
              'The credentials of the token request.',
            ),
          },
        ),
      },
    },
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An admin token whose SHA-256 (hex) is in REGISTRAR_ADMIN_TOKEN_HASH.',
        },
      },
      responses: {
        Unauthorized: {
          description: 'The admin token is missing or wrong.',
          headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
          content: jsonContent(ref('Error')),
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: { error: { type: 'string' }, error_description: { type: 'string' } },
        },
        Metadata: { type: 'object', description: 'Client metadata (RFC 7591 §2).' },
        ClientView: {
          description: 'A client as read or listed: never a secret or a hash.',
          allOf: [ref('ClientBase')],
          not: {
            anyOf: [
              { required: ['client_secret'] },
              { required: ['client_secret_hash'] },
              { required: ['registration_access_token'] },
              { required: ['registration_access_token_hash'] },
            ],
          },
        },
        ClientBase: {
          type: 'object',
          required: ['client_id', 'status', 'client_id_issued_at', 'token_endpoint_auth_method', 'metadata'],
          properties: {
            client_id: { type: 'string' },
            client_name: { type: 'string' },
            software_id: { type: 'string' },
            owner: { type: 'string' },
            status: { type: 'string', enum: ['active', 'pending', 'expired'] },
            client_id_issued_at: { type: 'integer' },
            last_used_at: { type: 'integer' },
            expires_at: { type: 'integer' },
            activated_at: { type: 'integer' },
            pending_approval: { const: true },
            token_endpoint_auth_method: { type: 'string' },
            metadata: ref('Metadata'),
          },
        },
        CreatedClient: {
          allOf: [ref('ClientBase')],
          type: 'object',
          properties: {
            client_secret: { type: 'string' },
            client_secret_expires_at: { type: 'integer' },
            registration_access_token: { type: 'string' },
            registration_client_uri: { type: 'string' },
          },
        },
        ClientListing: {
          type: 'object',
          required: ['clients', 'next_cursor'],
          additionalProperties: false,
          properties: {
            clients: { type: 'array', items: ref('ClientView') },
            next_cursor: { type: ['string', 'null'] },
          },
        },
        RotatedSecret: {
          type: 'object',
          required: ['client_id', 'client_secret', 'client_secret_expires_at'],
          properties: {
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
            client_secret_expires_at: { type: 'integer' },
          },
        },
        EventList: {
          type: 'object',
          required: ['events', 'kept'],
          properties: {
            events: {
              type: 'array',
              items: {
                type: 'object',
                required: ['type', 'time'],
                properties: {
                  type: { type: 'string' },
                  client_id: { type: 'string' },
                  time: { type: 'integer' },
                  action: { type: 'string' },
                  admin: { type: 'string' },
                },
              },
            },
            kept: { type: 'boolean' },
          },
        },
        ClientUse: {
          type: 'object',
          required: ['client_id', 'activated'],
          properties: { client_id: { type: 'string' }, activated: { type: 'boolean' } },
        },
        TokenView: {
          type: 'object',
          required: ['id', 'created_at', 'uses', 'usable'],
          properties: {
            id: { type: 'string' },
            label: { type: 'string' },
            created_at: { type: 'integer' },
            expires_at: { type: 'integer' },
            max_uses: { type: 'integer' },
            uses: { type: 'integer' },
            uses_left: { type: 'integer' },
            usable: { type: 'boolean' },
            policy: { type: 'object' },
          },
          not: { anyOf: [{ required: ['token_hash'] }, { required: ['token'] }] },
        },
        TokenList: {
          type: 'object',
          required: ['tokens'],
          properties: { tokens: { type: 'array', items: ref('TokenView') } },
        },
        TokenRequest: {
          type: 'object',
          additionalProperties: false,
          properties: {
            label: { type: 'string', minLength: 1, maxLength: 200 },
            expires_in: { type: 'integer', minimum: 1, description: 'Seconds.' },
            uses: { type: 'integer', minimum: 1 },
            policy: { type: 'object', description: '{ "defaults": {...}, "force": {...} }' },
          },
        },
        CreatedToken: {
          type: 'object',
          required: ['id', 'token', 'created_at', 'uses', 'usable'],
          properties: {
            id: { type: 'string' },
            token: { type: 'string' },
            label: { type: 'string' },
            created_at: { type: 'integer' },
            expires_at: { type: 'integer' },
            max_uses: { type: 'integer' },
            uses: { type: 'integer' },
            uses_left: { type: 'integer' },
            usable: { type: 'boolean' },
            policy: { type: 'object' },
          },
        },
        ResolvedClient: {
          type: 'object',
          required: ['client'],
          properties: {
            client: {
              type: 'object',
              required: ['client_id', 'source', 'metadata'],
              properties: {
                client_id: { type: 'string' },
                source: { type: 'string', enum: ['registration', 'stateless', 'metadata_document'] },
                status: { type: 'string', enum: ['active', 'pending', 'expired'] },
                metadata: ref('Metadata'),
              },
            },
          },
        },
        AuthenticatedClient: {
          type: 'object',
          required: ['client_id', 'source', 'method', 'public_client'],
          properties: {
            client_id: { type: 'string' },
            source: { type: 'string', enum: ['registration', 'stateless', 'metadata_document'] },
            method: { type: 'string' },
            public_client: { type: 'boolean' },
          },
        },
      },
    },
  };
}
