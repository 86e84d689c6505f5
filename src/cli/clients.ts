/**
 * `registrar clients list|show|delete|approve|reject|import|refresh`: administration against
 * the configured store; `import` and `refresh` pre-register Client ID
 * Metadata Documents (docs/client-id-metadata-documents.md#pre-registered-documents).
 *
 * @module
 */

import { ClientResolutionError } from '../core/host/client-resolution-error.js';
import type { BundledStore, ClientRegistration } from '../store/bundled-store.js';
import { isoDate, type Output, printable, toJson, writeJsonArray } from './output.js';

/** The registrar calls behind `clients import` and `clients refresh`. */
export interface DocumentAdministration {
  importClientDocument(clientId: string): Promise<ClientRegistration>;
  refreshClientDocument(clientId: string): Promise<ClientRegistration>;
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

/** Every client in the store, in client id order, fetched a page at a time. */
async function* allClients(store: BundledStore): AsyncGenerator<ClientRegistration> {
  let after: string | undefined;
  do {
    const page = await store.listClients(after === undefined ? { limit: 500 } : { limit: 500, after });
    yield* page.clients;
    after = page.next;
  } while (after !== undefined);
}

async function* described(store: BundledStore): AsyncGenerator<Record<string, unknown>> {
  for await (const client of allClients(store)) yield describeClient(client);
}

/** Runs one `clients` subcommand; resolves to the exit code. */
export async function clientsCommand(
  store: BundledStore,
  args: readonly string[],
  options: { json: boolean },
  output: Output,
  documents: () => DocumentAdministration,
): Promise<number> {
  const [action, clientId] = args;
  switch (action) {
    case 'list': {
      if (options.json) {
        await writeJsonArray(output, described(store));
        return 0;
      }
      await output.out(['client_id', 'issued_at', 'auth_method', 'client_name'].join('\t'));
      let count = 0;
      for await (const client of allClients(store)) {
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
      output.err(`${count} client${count === 1 ? '' : 's'}`);
      return 0;
    }
    case 'show': {
      if (!clientId) return usage(output);
      const client = await store.loadClient(clientId);
      if (!client) {
        output.err(`No client ${printable(clientId)}.`);
        return 1;
      }
      await output.out(toJson(describeClient(client), 2));
      return 0;
    }
    case 'delete': {
      if (!clientId) return usage(output);
      const client = await store.loadClient(clientId);
      const result = client ? await store.unregisterClient(client) : undefined;
      if (!client || (result !== undefined && !result.ok)) {
        output.err(`No client ${printable(clientId)}.`);
        return 1;
      }
      await output.out(`Deleted ${printable(clientId)}.`);
      return 0;
    }
    case 'approve':
    case 'reject': {
      if (!clientId) return usage(output);
      const decided = await (action === 'approve'
        ? store.approveClient(clientId)
        : store.rejectClient(clientId));
      if (!decided) {
        output.err(`No client ${printable(clientId)} waiting for approval.`);
        return 1;
      }
      await output.out(`${action === 'approve' ? 'Approved' : 'Rejected'} ${printable(clientId)}.`);
      return 0;
    }
    case 'import':
    case 'refresh': {
      if (!clientId) return usage(output);
      const administration = documents();
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
    default:
      return usage(output);
  }
}

function usage(output: Output): number {
  output.err(
    'Usage: registrar clients list [--json] | show CLIENT_ID | delete CLIENT_ID | approve CLIENT_ID | reject CLIENT_ID | import URL | refresh URL',
  );
  return 2;
}
