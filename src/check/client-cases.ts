/**
 * Would the widely used MCP clients register here: each client's request,
 * sent as the client sends it except for `client_name`, which names the run.
 *
 * @module
 */

import {
  bodyObject,
  type CaseDefinition,
  type CheckContext,
  clientName,
  describe,
  fail,
  isRegistration,
  pass,
  register,
} from './check-context.js';
import { MCP_CLIENT_BODIES } from './mcp-client-bodies.js';

/** A real client's case: its name and the body it sends. */
export interface ClientCase extends CaseDefinition {
  readonly client: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** One case per client, in the order they run. */
export const CLIENT_CASES: readonly ClientCase[] = MCP_CLIENT_BODIES.map((entry) => ({
  id: `client.${entry.key}`,
  title: `${entry.client} would register (body from ${entry.source})`,
  section: 'RFC 7591 §3.1',
  level: 'should',
  profiles: ['mcp'],
  client: entry.client,
  body: entry.body,
}));

/** Runs the real clients' registrations of the profile. */
export async function runClients(context: CheckContext): Promise<void> {
  for (const item of CLIENT_CASES) {
    const name = clientName(context, item.client);
    await context.run(item, async () => {
      const response = await register(context, { ...item.body, client_name: name }, { name });
      if (!isRegistration(response)) return fail(`refused: ${describe(response)}`);
      const method = bodyObject(response)?.token_endpoint_auth_method;
      return pass(`${describe(response)}${method === undefined ? '' : `, ${String(method)}`}`);
    });
  }
}
