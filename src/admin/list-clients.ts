/**
 * `GET /admin/v1/clients`: a page of stored clients, filtered while the
 * store's `listClients` is paged in `client_id` order. One request reads at
 * most `MAX_SCANNED_PER_PAGE` stored clients: a filter that matches few
 * clients answers a short (even empty) page with a `next_cursor` to go on
 * from, never an unbounded scan (docs/admin-api.md#listing-clients).
 *
 * @module
 */

import type { ClientRegistration } from '../core/store/registration-store.js';
import type { BundledStore } from '../store/bundled-store.js';
import { badRequest } from './admin-error.js';
import {
  CLIENT_STATUSES,
  type ClientStatus,
  type ClientView,
  clientStatus,
  clientView,
} from './client-view.js';

/** The most stored clients one listing request reads. */
export const MAX_SCANNED_PER_PAGE = 1000;
/** The largest `limit`. */
export const MAX_PAGE_LIMIT = 200;
/** The `limit` when none is given. */
export const DEFAULT_PAGE_LIMIT = 50;
/** Clients asked of the store per call while scanning. */
const SCAN_BATCH = 200;
/** The longest text filter value, in characters. */
const MAX_FILTER_LENGTH = 256;

/** A parsed listing query. */
export interface ClientQuery {
  readonly limit: number;
  readonly after?: string;
  readonly name?: string;
  readonly softwareId?: string;
  readonly owner?: string;
  readonly status?: ClientStatus;
  readonly createdAfter?: number;
  readonly createdBefore?: number;
  readonly usedAfter?: number;
  readonly usedBefore?: number;
}

/** One page of the listing. */
export interface ClientListing {
  readonly clients: ClientView[];
  /** Pass as `cursor` for the next page; `null` once the store has no more clients. */
  readonly next_cursor: string | null;
}

/** The filters a listing takes, as query parameters (and as `registrar clients list --filter` keys). */
export const LIST_FILTERS = [
  'name',
  'software_id',
  'owner',
  'status',
  'created_after',
  'created_before',
  'used_after',
  'used_before',
] as const;

const QUERY_PARAMETERS = ['limit', 'cursor', ...LIST_FILTERS] as const;

function encodeCursor(clientId: string): string {
  return Buffer.from(clientId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const clientId = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (clientId === '' || encodeCursor(clientId) !== cursor) {
    throw badRequest('cursor is not a next_cursor this API answered.');
  }
  return clientId;
}

function seconds(value: string, name: string): number {
  if (!/^\d{1,15}$/.test(value)) throw badRequest(`${name} must be Unix seconds (a whole number).`);
  return Number(value);
}

function text(value: string, name: string): string {
  if (value === '' || value.length > MAX_FILTER_LENGTH) {
    throw badRequest(`${name} must be 1 to ${MAX_FILTER_LENGTH} characters.`);
  }
  return value;
}

/** Parses and checks the query string of a listing request. */
export function parseClientQuery(search: URLSearchParams): ClientQuery {
  const values = new Map<string, string>();
  for (const [name, value] of search) {
    if (!(QUERY_PARAMETERS as readonly string[]).includes(name)) {
      throw badRequest(`Unknown query parameter ${name.length <= 32 ? name : 'with a long name'}.`);
    }
    if (values.has(name)) throw badRequest(`${name} is given more than once.`);
    values.set(name, value);
  }
  const get = (name: (typeof QUERY_PARAMETERS)[number]) => values.get(name);
  let limit = DEFAULT_PAGE_LIMIT;
  const rawLimit = get('limit');
  if (rawLimit !== undefined) {
    limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : 0;
    if (limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}.`);
    }
  }
  const status = get('status');
  if (status !== undefined && !(CLIENT_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(`status must be one of ${CLIENT_STATUSES.join(', ')}.`);
  }
  const optional = <T>(
    name: (typeof QUERY_PARAMETERS)[number],
    parse: (value: string, name: string) => T,
  ) => {
    const value = get(name);
    return value === undefined ? undefined : parse(value, name);
  };
  const query: ClientQuery = {
    limit,
    ...defined('after', optional('cursor', decodeCursor)),
    ...defined('name', optional('name', text)?.toLowerCase()),
    ...defined('softwareId', optional('software_id', text)),
    ...defined('owner', optional('owner', text)),
    ...defined('status', status as ClientStatus | undefined),
    ...defined('createdAfter', optional('created_after', seconds)),
    ...defined('createdBefore', optional('created_before', seconds)),
    ...defined('usedAfter', optional('used_after', seconds)),
    ...defined('usedBefore', optional('used_before', seconds)),
  };
  return query;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Whether a stored client passes every filter of `query` at `now`. */
export function matchesQuery(registration: ClientRegistration, query: ClientQuery, now: number): boolean {
  const { metadata } = registration;
  if (query.name !== undefined) {
    const name = typeof metadata.client_name === 'string' ? metadata.client_name.toLowerCase() : '';
    if (!name.includes(query.name)) return false;
  }
  if (query.softwareId !== undefined && metadata.software_id !== query.softwareId) return false;
  if (query.owner !== undefined && registration.owner !== query.owner) return false;
  if (query.status !== undefined && clientStatus(registration, now) !== query.status) return false;
  const issued = registration.client_id_issued_at;
  if (query.createdAfter !== undefined && !(issued >= query.createdAfter)) return false;
  if (query.createdBefore !== undefined && !(issued < query.createdBefore)) return false;
  const used = registration.last_used_at;
  if (query.usedAfter !== undefined && !(used !== undefined && used >= query.usedAfter)) return false;
  if (query.usedBefore !== undefined && !(used !== undefined && used < query.usedBefore)) return false;
  return true;
}

/** One page of stored registrations that pass a query's filters. */
export interface RegistrationPage {
  readonly registrations: ClientRegistration[];
  /** As `ClientListing.next_cursor`. */
  readonly next_cursor: string | null;
}

/**
 * Reads one page of the stored registrations that match `query`: at most
 * `query.limit` matches from at most `MAX_SCANNED_PER_PAGE` stored clients.
 * `listClientPage` answers it as views; `registrar clients list` prints it.
 */
export async function scanClientPage(
  store: BundledStore,
  query: ClientQuery,
  now: number,
): Promise<RegistrationPage> {
  const found: ClientRegistration[] = [];
  let after = query.after;
  let scanned = 0;
  for (;;) {
    const batch = Math.min(SCAN_BATCH, MAX_SCANNED_PER_PAGE - scanned);
    const page = await store.listClients(after === undefined ? { limit: batch } : { limit: batch, after });
    for (const [index, registration] of page.clients.entries()) {
      scanned++;
      if (!matchesQuery(registration, query, now)) continue;
      found.push(registration);
      if (found.length === query.limit) {
        const last = index === page.clients.length - 1 && page.next === undefined;
        return { registrations: found, next_cursor: last ? null : encodeCursor(registration.client_id) };
      }
    }
    if (page.next === undefined) return { registrations: found, next_cursor: null };
    after = page.next;
    if (scanned >= MAX_SCANNED_PER_PAGE) return { registrations: found, next_cursor: encodeCursor(after) };
  }
}

/** Reads one page of the listing: at most `query.limit` matches from at most `MAX_SCANNED_PER_PAGE` stored clients. */
export async function listClientPage(
  store: BundledStore,
  query: ClientQuery,
  now: number,
): Promise<ClientListing> {
  const page = await scanClientPage(store, query, now);
  return {
    clients: page.registrations.map((registration) => clientView(registration, now)),
    next_cursor: page.next_cursor,
  };
}
