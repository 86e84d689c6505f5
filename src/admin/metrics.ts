/**
 * The metrics of `registrar serve` (docs/operations.md#metrics): a
 * prom-client registry of its own, fed by the Registrar's events, the admin
 * API's actions, the answers of the registration and management endpoints,
 * a timing wrapper around the store and one around the outbound fetcher;
 * served at `/metrics` on the admin listener, behind the admin token, in the
 * Prometheus text format. Every name starts with `registrar_`, and every
 * label value comes from a fixed set Registrar defines: never a client id, a
 * client name, a URL or an address.
 *
 * @module
 */

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { writeNodeResponse } from '../adapters/node.js';
import type { RegistrationErrorCode } from '../core/errors.js';
import { describe, type Logger, type RegistrarEvent, type RegistrarEventType } from '../core/events.js';
import {
  type OutboundFetch,
  OutboundFetchError,
  type OutboundFetchFailure,
  type OutboundPurpose,
} from '../core/ports/outbound-fetch.js';
import type { BundledStore, ClientStatusCounts } from '../store/bundled-store.js';
import type { AdminRoute } from './admin-handler.js';
import { METRICS_PATH_ITEM } from './openapi.js';
import type { AdminAction, AdminEvent } from './recent-events.js';

/** The prefix of every metric name. */
export const METRIC_PREFIX = 'registrar_';

/** The shortest time between two counts of the stored clients by status, in milliseconds. */
export const CLIENT_COUNT_INTERVAL_MS = 15_000;

/** The error codes a registration refusal is counted under; any other code counts as `server_error`. */
const REGISTRATION_ERROR_CODES: ReadonlySet<string> = new Set(
  Object.keys({
    invalid_request: true,
    invalid_redirect_uri: true,
    invalid_client_metadata: true,
    invalid_software_statement: true,
    unapproved_software_statement: true,
    invalid_token: true,
    invalid_client: true,
    access_denied: true,
    too_many_requests: true,
    temporarily_unavailable: true,
    server_error: true,
  } satisfies Record<RegistrationErrorCode, true>),
);

const EVENT_TYPES: ReadonlySet<string> = new Set(
  Object.keys({
    'client.registered': true,
    'client.updated': true,
    'client.deleted': true,
    'client.expired': true,
    'client.metadata_changed': true,
    'client.activated': true,
    'client.pending': true,
    'client.approved': true,
    'client.rejected': true,
    'client.reclaimed': true,
    'client.secret_rotated': true,
    'registration.refused': true,
    'management.auth_failed': true,
  } satisfies Record<RegistrarEventType, true>),
);

const ADMIN_ACTIONS: ReadonlySet<string> = new Set(
  Object.keys({
    'client.create': true,
    'client.update': true,
    'client.delete': true,
    'client.rotate_secret': true,
    'client.approve': true,
    'client.reject': true,
    'client.report_use': true,
    'clients.sweep': true,
    'initial_access_token.create': true,
    'initial_access_token.revoke': true,
  } satisfies Record<AdminAction, true>),
);

const FETCH_FAILURES: ReadonlySet<string> = new Set(
  Object.keys({
    invalid_url: true,
    not_https: true,
    forbidden_address: true,
    dns_failure: true,
    timeout: true,
    too_large: true,
    network: true,
  } satisfies Record<OutboundFetchFailure, true>),
);

/** The purposes fetches are counted under; a fetch that names none counts as `other`. */
const PURPOSES: ReadonlySet<string> = new Set(
  Object.keys({
    metadata_document: true,
    sector_identifier: true,
    jwks: true,
    other: true,
  } satisfies Record<OutboundPurpose | 'other', true>),
);

/** The RFC 7592 methods counted by name; any other method counts as `other`. */
const MANAGEMENT_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'DELETE']);

/** The store calls timed: the methods of the bundled stores. */
const STORE_OPERATIONS: ReadonlySet<string> = new Set([
  'loadClient',
  'clientRegistration',
  'loadClientWithRegistration',
  'registerClient',
  'registerClientWithinCaps',
  'updateClient',
  'unregisterClient',
  'consumeOnce',
  'findClientBySecretHash',
  'recordClientUse',
  'activateClient',
  'approveClient',
  'rejectClient',
  'sweepExpired',
  'listClients',
  'countClientsByStatus',
  'createInitialAccessToken',
  'findInitialAccessToken',
  'consumeInitialAccessToken',
  'listInitialAccessTokens',
  'revokeInitialAccessToken',
  'ping',
]);

/** Seconds; store calls and outbound fetches are spread over these buckets. */
const STORE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const FETCH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One of `values`, or `fallback` for anything else. */
function oneOf(values: ReadonlySet<string>, value: unknown, fallback: string): string {
  return typeof value === 'string' && values.has(value) ? value : fallback;
}

/** The endpoint of the registration listener a request was for, as the metrics tell them apart. */
export type RequestEndpoint = 'registration' | 'management' | 'other';

/** What `createServerMetrics` needs. */
export interface ServerMetricsOptions {
  /** The store whose clients are counted by status at scrape time. */
  readonly store: BundledStore;
  /** Where a failed count of the clients is logged. */
  readonly logger: Logger;
  /** Unix milliseconds; `Date.now` by default. */
  readonly now?: () => number;
}

/** The metrics of one server. */
export interface ServerMetrics {
  /** The registry, of this server alone. */
  readonly registry: Registry;
  /** Counts a Registrar event (the `onEvent` hook). */
  recordEvent(event: RegistrarEvent): void;
  /** Counts an admin API action (the admin handler's `onEvent` hook). */
  recordAdminEvent(event: AdminEvent): void;
  /** Counts an answer of the registration listener: management calls and rate-limit refusals. */
  recordRequest(endpoint: RequestEndpoint, method: string, status: number): void;
  /** The store with every call timed; the same calls, the same results. */
  timeStore<S extends BundledStore>(store: S): S;
  /** Wraps the outbound fetcher so that each fetch is timed by purpose and outcome. */
  timeOutboundFetch(fetch: OutboundFetch): OutboundFetch;
  /** `/metrics` as a route of the admin handler, behind the admin token. */
  route(): AdminRoute;
}

/** The answer `/metrics` gives when the scrape itself fails. */
const SCRAPE_FAILED = {
  status: 500,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ error: 'server_error', error_description: 'The metrics could not be collected.' }),
};

/** Creates the metrics of one server, on a registry of its own. */
export function createServerMetrics(options: ServerMetricsOptions): ServerMetrics {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];

  const registrations = new Counter({
    name: `${METRIC_PREFIX}registrations_total`,
    help: 'Registrations (RFC 7591), by outcome (registered, refused) and, for a refusal, the error code answered.',
    labelNames: ['outcome', 'error'] as const,
    registers,
  });
  const events = new Counter({
    name: `${METRIC_PREFIX}events_total`,
    help: 'Lifecycle events emitted, by type.',
    labelNames: ['type'] as const,
    registers,
  });
  const management = new Counter({
    name: `${METRIC_PREFIX}management_requests_total`,
    help: 'Client configuration endpoint calls (RFC 7592), by method and HTTP status.',
    labelNames: ['method', 'status'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: `${METRIC_PREFIX}rate_limit_refusals_total`,
    help: 'Requests refused with 429 by a rate limit: registrations, or management calls past the failed-authentication limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const swept = new Counter({
    name: `${METRIC_PREFIX}swept_clients_total`,
    help: 'Expired clients removed by sweeps.',
    registers,
  });
  const adminActions = new Counter({
    name: `${METRIC_PREFIX}admin_actions_total`,
    help: 'Changes made through the admin API, by action.',
    labelNames: ['action'] as const,
    registers,
  });
  const fetches = new Histogram({
    name: `${METRIC_PREFIX}outbound_fetch_duration_seconds`,
    help: 'Outbound fetches (metadata documents, sector identifiers, JWK Sets), by purpose and outcome: ok (HTTP 200), http_status (any other status) or the failure code.',
    labelNames: ['purpose', 'outcome'] as const,
    buckets: FETCH_BUCKETS,
    registers,
  });
  const storeCalls = new Histogram({
    name: `${METRIC_PREFIX}store_call_duration_seconds`,
    help: 'Store calls, by operation and outcome (ok, error).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers,
  });
  const countFailures = new Counter({
    name: `${METRIC_PREFIX}client_count_failures_total`,
    help: 'Counts of the stored clients by status that failed at scrape time.',
    registers,
  });

  let counted: { at: number; counts: ClientStatusCounts } | undefined;
  /** The stored clients by status, counted at most once per `CLIENT_COUNT_INTERVAL_MS`. */
  async function clientCounts(): Promise<ClientStatusCounts | undefined> {
    const at = now();
    if (counted !== undefined && at - counted.at < CLIENT_COUNT_INTERVAL_MS) return counted.counts;
    try {
      counted = {
        at,
        counts: await timed('countClientsByStatus', () => store.countClientsByStatus(at / 1000)),
      };
      return counted.counts;
    } catch (error) {
      countFailures.inc();
      logger.warn({ msg: 'the clients could not be counted for the metrics', cause: describe(error) });
      return undefined;
    }
  }
  new Gauge({
    name: `${METRIC_PREFIX}clients`,
    help: `Stored clients by status (active, pending, expired), counted at scrape time at most once every ${CLIENT_COUNT_INTERVAL_MS / 1000} seconds.`,
    labelNames: ['status'] as const,
    registers,
    async collect() {
      this.reset();
      const counts = await clientCounts();
      if (counts === undefined) return;
      for (const status of ['active', 'pending', 'expired'] as const) this.set({ status }, counts[status]);
    },
  });

  async function timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const end = storeCalls.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: 'error' });
      throw error;
    }
  }

  return {
    registry,
    recordEvent(event) {
      const { type } = event;
      if (!EVENT_TYPES.has(type)) return;
      events.inc({ type });
      if (type === 'client.registered') registrations.inc({ outcome: 'registered' });
      if (type === 'client.expired') swept.inc();
      if (type === 'registration.refused') {
        const error = oneOf(REGISTRATION_ERROR_CODES, event.error, 'server_error');
        registrations.inc({ outcome: 'refused', error });
        if (error === 'too_many_requests') rateLimited.inc({ limit: 'registrations' });
      }
    },
    recordAdminEvent(event) {
      if (ADMIN_ACTIONS.has(event.action)) adminActions.inc({ action: event.action });
    },
    recordRequest(endpoint, method, status) {
      if (endpoint !== 'management' || method === 'OPTIONS') return;
      management.inc({ method: MANAGEMENT_METHODS.has(method) ? method : 'other', status: String(status) });
      if (status === 429) rateLimited.inc({ limit: 'management_failures' });
    },
    timeStore(target) {
      return new Proxy(target, {
        get(object, property, receiver) {
          const value: unknown = Reflect.get(object, property, receiver);
          if (
            typeof property !== 'string' ||
            !STORE_OPERATIONS.has(property) ||
            typeof value !== 'function'
          ) {
            return value;
          }
          return (...args: unknown[]) =>
            timed(property, async () => (value as (...args: unknown[]) => unknown).apply(object, args));
        },
      });
    },
    timeOutboundFetch(fetch) {
      return async (url, requestOptions) => {
        const end = fetches.startTimer({ purpose: oneOf(PURPOSES, requestOptions?.purpose, 'other') });
        try {
          const response = await fetch(url, requestOptions);
          end({ outcome: response.status === 200 ? 'ok' : 'http_status' });
          return response;
        } catch (error) {
          end({
            outcome:
              error instanceof OutboundFetchError ? oneOf(FETCH_FAILURES, error.code, 'network') : 'network',
          });
          throw error;
        }
      };
    },
    route: () => ({
      method: 'GET',
      path: '/metrics',
      auth: true,
      async handle(req, res) {
        let text: string;
        try {
          text = await registry.metrics();
        } catch (error) {
          logger.error({ msg: 'the metrics could not be collected', cause: describe(error) });
          writeNodeResponse(res, SCRAPE_FAILED);
          return;
        }
        writeNodeResponse(res, {
          status: 200,
          headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
          body: req.method === 'HEAD' ? null : text,
        });
      },
      openapi: METRICS_PATH_ITEM,
    }),
  };
}
