/**
 * `registrar export` and `registrar import` (docs/operations.md#moving-and-keeping-data):
 * every client and stored initial access token as JSON lines, with hashes
 * carried as they are (a plaintext secret or token never exists to carry),
 * so an operator can move from SQLite to PostgreSQL or between instances.
 * Import checks the whole file before it writes anything, and is idempotent:
 * a record already in the store is left as it is.
 *
 * @module
 */

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isJsonObject } from '../core/credentials/encoding.js';
import {
  type ClientRegistration,
  hasInitialAccessTokens,
  type InitialAccessTokenRecord,
} from '../core/store/registration-store.js';
import type { BundledStore } from '../store/bundled-store.js';
import { type Output, printable, toJson } from './output.js';
import { type ProgressStream, startProgress } from './progress.js';

/** The first line of an export: what it is and which version of the format. */
export const EXPORT_HEADER = { registrar_export: 1 } as const;

/** One line of an export after the header. */
export type ExportRecord =
  | { readonly kind: 'client'; readonly registration: ClientRegistration }
  | { readonly kind: 'initial_access_token'; readonly token: InitialAccessTokenRecord };

/** Clients per `listClients` page while exporting. */
const PAGE_SIZE = 500;

/** Writes every client, then every stored initial access token, one JSON line each; resolves to the exit code. */
export async function exportCommand(
  store: BundledStore,
  output: Output,
  terminal: ProgressStream,
): Promise<number> {
  const progress = startProgress(terminal, (count) => `exporting: ${count} records`);
  let count = 0;
  let tokens = 0;
  try {
    await output.out(toJson(EXPORT_HEADER));
    let after: string | undefined;
    do {
      const page = await store.listClients(
        after === undefined ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, after },
      );
      for (const registration of page.clients) {
        await output.out(toJson({ kind: 'client', registration }));
        progress.update(++count);
      }
      after = page.next;
    } while (after !== undefined);
    if (hasInitialAccessTokens(store)) {
      for (const token of await store.listInitialAccessTokens()) {
        await output.out(toJson({ kind: 'initial_access_token', token }));
        tokens++;
        progress.update(++count);
      }
    }
  } finally {
    progress.done();
  }
  output.err(`Exported ${count - tokens} clients and ${tokens} initial access tokens.`);
  return 0;
}

const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value);
const isHash = (value: unknown): boolean => typeof value === 'string' && value.startsWith('sha256:');

/** Why `value` is not a client registration as a store keeps it, or `undefined` when it is one. */
function registrationProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'registration must be an object';
  const registration = value as Record<string, unknown>;
  if (typeof registration.client_id !== 'string' || registration.client_id === '')
    return 'client_id must be a string';
  if (!isNumber(registration.client_id_issued_at)) return 'client_id_issued_at must be Unix seconds';
  if (!isNumber(registration.client_secret_expires_at))
    return 'client_secret_expires_at must be Unix seconds';
  for (const member of ['client_secret_hash', 'registration_access_token_hash']) {
    if (registration[member] !== undefined && !isHash(registration[member])) {
      return `${member} must be a sha256: hash (an export never holds a plaintext)`;
    }
  }
  if ('client_secret' in registration || 'registration_access_token' in registration) {
    return 'a plaintext secret or token is never imported';
  }
  if (!isJsonObject(registration.metadata)) return 'metadata must be an object';
  return undefined;
}

/** Why `value` is not a stored initial access token, or `undefined` when it is one. */
function tokenProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'token must be an object';
  const token = value as Record<string, unknown>;
  if (typeof token.id !== 'string' || token.id === '') return 'id must be a string';
  if (!isHash(token.token_hash)) return 'token_hash must be a sha256: hash';
  if (!isNumber(token.created_at) || !isNumber(token.uses)) return 'created_at and uses must be integers';
  if ('token' in token) return 'a plaintext token is never imported';
  return undefined;
}

/** The records of an export, each checked as it is read; throws naming the first bad line. */
async function* readExport(path: string): AsyncGenerator<ExportRecord> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ImportFileError(number, 'not JSON');
    }
    if (number === 1) {
      if (!isJsonObject(value) || (value as Record<string, unknown>).registrar_export !== 1) {
        throw new ImportFileError(1, 'not a registrar export (its first line is {"registrar_export":1})');
      }
      continue;
    }
    const record = isJsonObject(value) ? (value as Record<string, unknown>) : {};
    const problem =
      record.kind === 'client'
        ? registrationProblem(record.registration)
        : record.kind === 'initial_access_token'
          ? tokenProblem(record.token)
          : "kind must be 'client' or 'initial_access_token'";
    if (problem !== undefined) throw new ImportFileError(number, problem);
    yield record as unknown as ExportRecord;
  }
  if (number === 0) throw new ImportFileError(1, 'the file is empty');
}

/** A line of an import file that cannot be imported. */
export class ImportFileError extends Error {
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = 'ImportFileError';
  }
}

/**
 * Imports an export into `store`: reads the file once to check every line,
 * then again to write each record that is not there yet; a client or token already present (by
 * `client_id`, by token hash) is skipped. Resolves to the exit code.
 */
export async function importCommand(
  store: BundledStore,
  path: string,
  options: { readonly json: boolean },
  output: Output,
  terminal: ProgressStream,
): Promise<number> {
  // A first pass reads the whole file without keeping it, so a bad line anywhere writes nothing.
  let total = 0;
  let tokensWanted = false;
  try {
    for await (const record of readExport(path)) {
      total++;
      if (record.kind === 'initial_access_token') tokensWanted = true;
    }
  } catch (error) {
    if (!(error instanceof ImportFileError) && (error as NodeJS.ErrnoException).code === undefined)
      throw error;
    output.err(
      `Nothing imported: ${printable(path)}: ${error instanceof Error ? error.message : String(error)}.`,
    );
    return 1;
  }
  if (tokensWanted && !hasInitialAccessTokens(store)) {
    output.err('Nothing imported: the export holds initial access tokens and this store does not keep them.');
    return 1;
  }
  const result = { clients: 0, tokens: 0, skipped: 0, refused: [] as string[] };
  const progress = startProgress(terminal, (count) => `importing: ${count} of ${total} records`);
  try {
    let count = 0;
    for await (const record of readExport(path)) {
      if (record.kind === 'client') {
        const { registration } = record;
        if (await store.loadClient(registration.client_id)) result.skipped++;
        else {
          const written = await store.registerClient(registration);
          if (written.ok) result.clients++;
          else result.refused.push(registration.client_id);
        }
      } else if (hasInitialAccessTokens(store)) {
        if (await store.findInitialAccessToken(record.token.token_hash)) result.skipped++;
        else {
          await store.createInitialAccessToken(record.token);
          result.tokens++;
        }
      }
      progress.update(++count);
    }
  } finally {
    progress.done();
  }
  if (options.json) await output.out(toJson(result));
  else {
    await output.out(
      `Imported ${result.clients} clients and ${result.tokens} initial access tokens; ${result.skipped} already present.`,
    );
    for (const clientId of result.refused) output.err(`The store refused ${printable(clientId)}.`);
  }
  return result.refused.length === 0 ? 0 : 1;
}
