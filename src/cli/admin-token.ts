/**
 * `registrar admin-token create [--label L]`: a new admin token for the admin
 * API (docs/admin-api.md#admin-tokens), printed once, with the
 * `REGISTRAR_ADMIN_TOKEN_HASH` entry that admits it. Nothing is stored.
 *
 * @module
 */

import { ADMIN_TOKEN_HASH_VARIABLE, mintAdminToken } from '../admin/admin-tokens.js';
import { type Output, toJson } from './output.js';

/** Runs one `admin-token` subcommand; resolves to the exit code. */
export async function adminTokenCommand(
  args: readonly string[],
  options: { readonly json: boolean; readonly label: string | undefined },
  output: Output,
): Promise<number> {
  if (args[0] !== 'create' || args.length > 1) {
    output.err('Usage: registrar admin-token create [--label LABEL] [--json]');
    return 2;
  }
  const { token, entry } = mintAdminToken(options.label);
  const [label, hash] = entry.split(':') as [string, string];
  if (options.json) {
    await output.out(toJson({ token, label, hash, entry }, 2));
    return 0;
  }
  // The token alone on stdout, so `TOKEN=$(registrar admin-token create)` captures it.
  await output.out(token);
  output.err(
    `Admit it with ${ADMIN_TOKEN_HASH_VARIABLE}=${entry} (comma-separate several entries). ` +
      'The token is shown only now: only its hash is configured.',
  );
  return 0;
}
