/**
 * `registrar clients list|show|delete`: administration against the configured store.
 *
 * @module
 */

import type { BundledStore, ClientRegistration } from '../store/contract.js';
import { isoDate, type Output } from './output.js';

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

/**
 * A client-chosen value made safe for a terminal: control characters (escape
 * sequences, tabs, newlines that would forge a row) are shown escaped.
 */
function printable(value: unknown): string {
  const text = String(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** Runs one `clients` subcommand; resolves to the exit code. */
export async function clientsCommand(
  store: BundledStore,
  args: readonly string[],
  options: { json: boolean },
  output: Output,
): Promise<number> {
  const [action, clientId] = args;
  switch (action) {
    case 'list': {
      const all: ClientRegistration[] = [];
      let after: string | undefined;
      do {
        const page = await store.listClients(after === undefined ? { limit: 500 } : { limit: 500, after });
        all.push(...page.clients);
        after = page.next;
      } while (after !== undefined);
      if (options.json) {
        output.out(JSON.stringify(all.map(describeClient), null, 2));
        return 0;
      }
      output.out(['client_id', 'issued_at', 'auth_method', 'client_name'].join('\t'));
      for (const client of all) {
        output.out(
          [
            client.client_id,
            isoDate(client.client_id_issued_at),
            printable(client.metadata.token_endpoint_auth_method ?? '-'),
            printable(client.metadata.client_name ?? '-'),
          ].join('\t'),
        );
      }
      output.err(`${all.length} client${all.length === 1 ? '' : 's'}`);
      return 0;
    }
    case 'show': {
      if (!clientId) return usage(output);
      const client = await store.loadClient(clientId);
      if (!client) {
        output.err(`No client ${clientId}.`);
        return 1;
      }
      output.out(JSON.stringify(describeClient(client), null, 2));
      return 0;
    }
    case 'delete': {
      if (!clientId) return usage(output);
      const client = await store.loadClient(clientId);
      const result = client ? await store.unregisterClient(client) : undefined;
      if (!client || (result !== undefined && !result.ok)) {
        output.err(`No client ${clientId}.`);
        return 1;
      }
      output.out(`Deleted ${clientId}.`);
      return 0;
    }
    default:
      return usage(output);
  }
}

function usage(output: Output): number {
  output.err('Usage: registrar clients list [--json] | show CLIENT_ID | delete CLIENT_ID');
  return 2;
}
