/**
 * `registrar clients list|show|create|update|delete|approve|reject|import|refresh`: administration
 * against the configured store. `list` pages and filters through the admin API's lister
 * (docs/admin-api.md#listing-clients); `create` and `update` go through the registrar, so an
 * operator's client is validated as a registration is (docs/operations.md#operator-managed-clients);
 * `import` and `refresh` pre-register Client ID Metadata Documents
 * (docs/client-id-metadata-documents.md#pre-registered-documents).
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { AdminError } from '../admin/admin-error.js';
import { LIST_FILTERS, MAX_PAGE_LIMIT, parseClientQuery, scanClientPage } from '../admin/list-clients.js';
import { isJsonObject } from '../core/credentials/encoding.js';
import { ConfigurationError, RegistrationError } from '../core/errors.js';
import { ClientResolutionError } from '../core/host/client-resolution-error.js';
import type { BundledStore, ClientRegistration } from '../store/bundled-store.js';
import { isoDate, type Output, printable, toJson, writeJsonArray } from './output.js';

/** The registrar calls behind `clients import` and `clients refresh`. */
export interface DocumentAdministration {
  importClientDocument(clientId: string): Promise<ClientRegistration>;
  refreshClientDocument(clientId: string): Promise<ClientRegistration>;
}

/** The registrar calls behind `clients create` and `clients update`. */
export interface OperatorAdministration {
  createClient(metadata: Record<string, unknown>): Promise<Record<string, unknown>>;
  updateClient(clientId: string, metadata: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A registration as an administrator sees it: metadata and dates, hashes replaced by flags. */
export function describeClient(registration: ClientRegistration): Record<string, unknown> {
  const { client_secret_hash, registration_access_token_hash, metadata, ...rest } = registration;
  return {
    ...rest,
    has_client_secret: client_secret_hash !== undefined,
    has_registration_access_token: registration_access_token_hash !== undefined,
    ...metadata,
  };
}

/** `clients list` options. */
export interface ListOptions {
  readonly json: boolean;
  /** One page of at most this many clients; every client when absent. */
  readonly limit?: string;
  /** Where to go on from: a `next_cursor` an earlier page printed. */
  readonly cursor?: string;
  /** `KEY=VALUE` filters, each `KEY` one of `LIST_FILTERS`. */
  readonly filter: readonly string[];
}

/** The `--flag` a listing query parameter comes from, for an error to name. */
function flagOf(parameter: string): string {
  return parameter === 'limit' || parameter === 'cursor' ? `--${parameter}` : `--filter ${parameter}`;
}

/**
 * The listing query parameters of `options`, each checked alone by the admin
 * API's own parser, so an error names the flag that was wrong.
 */
function listParameters(options: ListOptions): Array<[string, string]> {
  const parameters: Array<[string, string]> = [];
  for (const filter of options.filter) {
    const equals = filter.indexOf('=');
    const key = equals < 0 ? filter : filter.slice(0, equals);
    if (equals < 0 || !(LIST_FILTERS as readonly string[]).includes(key)) {
      throw new ConfigurationError(
        `--filter "${printable(filter)}" must be KEY=VALUE with KEY one of ${LIST_FILTERS.join(', ')}.`,
      );
    }
    if (parameters.some(([name]) => name === key)) {
      throw new ConfigurationError(`--filter ${key} is given more than once.`);
    }
    parameters.push([key, filter.slice(equals + 1)]);
  }
  if (options.limit !== undefined) parameters.push(['limit', options.limit]);
  if (options.cursor !== undefined) parameters.push(['cursor', options.cursor]);
  for (const parameter of parameters) {
    try {
      parseClientQuery(new URLSearchParams([parameter]));
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      throw new ConfigurationError(`${flagOf(parameter[0])}: ${error.description}`);
    }
  }
  return parameters;
}

/** The matching clients from `cursor` on, a page at a time; `onDone` learns where the last page ended. */
async function* matching(
  store: BundledStore,
  parameters: ReadonlyArray<[string, string]>,
  pages: number,
  onDone: (nextCursor: string | null) => void,
): AsyncGenerator<ClientRegistration> {
  const now = Math.floor(Date.now() / 1000);
  let cursor = parameters.find(([name]) => name === 'cursor')?.[1];
  const fixed = parameters.filter(([name]) => name !== 'cursor' && name !== 'limit');
  const limit = parameters.find(([name]) => name === 'limit')?.[1] ?? String(MAX_PAGE_LIMIT);
  for (let page = 0; page < pages; page++) {
    const search = new URLSearchParams([...fixed, ['limit', limit]]);
    if (cursor !== undefined) search.set('cursor', cursor);
    const found = await scanClientPage(store, parseClientQuery(search), now);
    yield* found.registrations;
    if (found.next_cursor === null) {
      onDone(null);
      return;
    }
    cursor = found.next_cursor;
  }
  onDone(cursor ?? null);
}

async function* described(
  clients: AsyncIterable<ClientRegistration>,
): AsyncGenerator<Record<string, unknown>> {
  for await (const client of clients) yield describeClient(client);
}

/**
 * `clients list`: every client matching the filters, or with `--limit` one page
 * of them and the cursor of the next (on stderr, or `next_cursor` in the JSON).
 */
export async function listClients(
  store: BundledStore,
  options: ListOptions,
  output: Output,
): Promise<number> {
  const parameters = listParameters(options);
  const paged = options.limit !== undefined;
  const end: { next: string | null } = { next: null };
  const clients = matching(store, parameters, paged ? 1 : Number.POSITIVE_INFINITY, (cursor) => {
    end.next = cursor;
  });
  if (options.json) {
    if (!paged) {
      await writeJsonArray(output, described(clients));
      return 0;
    }
    const page: Record<string, unknown>[] = [];
    for await (const client of clients) page.push(describeClient(client));
    await output.out(toJson({ clients: page, next_cursor: end.next }, 2));
    return 0;
  }
  let count = 0;
  for await (const client of clients) {
    if (count === 0) await output.out(['client_id', 'issued_at', 'auth_method', 'client_name'].join('\t'));
    await output.out(
      [
        printable(client.client_id),
        isoDate(client.client_id_issued_at),
        printable(client.metadata.token_endpoint_auth_method ?? '-'),
        printable(client.metadata.client_name ?? '-'),
      ].join('\t'),
    );
    count++;
  }
  if (count === 0) await output.out(['client_id', 'issued_at', 'auth_method', 'client_name'].join('\t'));
  output.err(`${count} client${count === 1 ? '' : 's'}`);
  if (end.next !== null) {
    output.err(`Next page: --cursor ${end.next} (with the same --limit and --filter)`);
  }
  return 0;
}

/** `clients show ID`. */
export async function showClient(store: BundledStore, clientId: string, output: Output): Promise<number> {
  const client = await store.loadClient(clientId);
  if (!client) {
    output.err(`No client ${printable(clientId)}.`);
    return 1;
  }
  await output.out(toJson(describeClient(client), 2));
  return 0;
}

/** `clients delete ID`. */
export async function deleteClient(store: BundledStore, clientId: string, output: Output): Promise<number> {
  const client = await store.loadClient(clientId);
  const result = client ? await store.unregisterClient(client) : undefined;
  if (!client || (result !== undefined && !result.ok)) {
    output.err(`No client ${printable(clientId)}.`);
    return 1;
  }
  await output.out(`Deleted ${printable(clientId)}.`);
  return 0;
}

/** `clients approve ID` and `clients reject ID`. */
export async function decideClient(
  store: BundledStore,
  action: 'approve' | 'reject',
  clientId: string,
  output: Output,
): Promise<number> {
  const decided = await (action === 'approve' ? store.approveClient(clientId) : store.rejectClient(clientId));
  if (!decided) {
    output.err(`No client ${printable(clientId)} waiting for approval.`);
    return 1;
  }
  await output.out(`${action === 'approve' ? 'Approved' : 'Rejected'} ${printable(clientId)}.`);
  return 0;
}

/** `clients import URL` and `clients refresh URL`. */
export async function documentClient(
  administration: DocumentAdministration,
  action: 'import' | 'refresh',
  clientId: string,
  options: { readonly json: boolean },
  output: Output,
): Promise<number> {
  let registration: ClientRegistration;
  try {
    registration = await (action === 'import'
      ? administration.importClientDocument(clientId)
      : administration.refreshClientDocument(clientId));
  } catch (error) {
    if (!(error instanceof ClientResolutionError)) throw error;
    output.err(`${error.message} (${error.code})`);
    return 1;
  }
  if (options.json) await output.out(toJson(describeClient(registration), 2));
  else {
    const verb = action === 'import' ? 'Imported' : 'Refreshed';
    await output.out(
      `${verb} ${printable(clientId)} (${printable(registration.metadata.client_name ?? '-')}).`,
    );
  }
  return 0;
}

/** Where `clients create` and `clients update` read the metadata: `--metadata JSON` or `--metadata-file FILE`. */
export interface MetadataOptions {
  readonly json: boolean;
  readonly metadata?: string;
  /** A file of JSON; `-` reads standard input. */
  readonly metadataFile?: string;
}

/** The client metadata object of `--metadata` or `--metadata-file`. */
function readMetadata(options: MetadataOptions): Record<string, unknown> {
  if ((options.metadata === undefined) === (options.metadataFile === undefined)) {
    throw new ConfigurationError(
      'Give the client metadata with exactly one of --metadata JSON or --metadata-file FILE.',
    );
  }
  let text: string;
  let flag: string;
  if (options.metadata !== undefined) {
    text = options.metadata;
    flag = '--metadata';
  } else {
    const file = options.metadataFile as string;
    flag = `--metadata-file ${printable(file)}`;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw new ConfigurationError(`${flag}: ${(error as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${flag} must be JSON, a client metadata object.`);
  }
  if (!isJsonObject(value)) throw new ConfigurationError(`${flag} must be a JSON object of client metadata.`);
  return value as Record<string, unknown>;
}

/** The credentials an answer holds, shown this once. */
const MINTED = ['client_secret', 'registration_access_token'] as const;

async function printAnswer(
  verb: string,
  answer: Record<string, unknown>,
  options: MetadataOptions,
  output: Output,
): Promise<void> {
  const minted = MINTED.filter((name) => typeof answer[name] === 'string');
  if (options.json) await output.out(toJson(answer, 2));
  else {
    await output.out(`client_id\t${printable(answer.client_id)}`);
    for (const name of minted) await output.out(`${name}\t${printable(answer[name])}`);
  }
  output.err(
    `${verb} client ${printable(answer.client_id)} (${printable(answer.client_name ?? '-')}).` +
      (minted.length === 0
        ? ''
        : ` Its ${minted.join(' and ')} are shown only now: the store keeps only hashes.`),
  );
}

/** A refusal of the registrar's as one line and exit code 1; any other error is thrown on. */
function refused(error: unknown, output: Output): number {
  if (error instanceof RegistrationError) {
    output.err(`Refused: ${error.description} (${error.code})`);
    return 1;
  }
  if (error instanceof ClientResolutionError) {
    output.err(`${error.message} (${error.code})`);
    return 1;
  }
  throw error;
}

/** Sends the metadata of `options` through `write` and prints the answer, or the refusal. */
async function writeClient(
  verb: 'Created' | 'Updated',
  write: (metadata: Record<string, unknown>) => Promise<Record<string, unknown>>,
  options: MetadataOptions,
  output: Output,
): Promise<number> {
  const metadata = readMetadata(options);
  let answer: Record<string, unknown>;
  try {
    answer = await write(metadata);
  } catch (error) {
    return refused(error, output);
  }
  await printAnswer(verb, answer, options, output);
  return 0;
}

/** `clients create`: registers a client with the given metadata; its secret is printed once. */
export function createClient(
  administration: OperatorAdministration,
  options: MetadataOptions,
  output: Output,
): Promise<number> {
  return writeClient('Created', (metadata) => administration.createClient(metadata), options, output);
}

/** `clients update ID`: replaces a client's metadata whole. */
export function updateClient(
  administration: OperatorAdministration,
  clientId: string,
  options: MetadataOptions,
  output: Output,
): Promise<number> {
  return writeClient(
    'Updated',
    (metadata) => administration.updateClient(clientId, metadata),
    options,
    output,
  );
}
