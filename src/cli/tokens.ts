/**
 * `registrar tokens create|list|revoke`: initial access tokens kept in the
 * store (RFC 7591 §3). A created token is printed once; the store keeps only
 * its hash.
 *
 * @module
 */

import { nodeCrypto } from '../adapters/node.js';
import { durationTextSeconds } from '../core/config/config-checks.js';
import {
  hashCredential,
  mintIdentifier,
  mintSecret,
  TOKEN_ID_BYTES,
} from '../core/credentials/credentials.js';
import { ConfigurationError } from '../core/errors.js';
import { metadataPolicyProblem } from '../core/metadata/apply-policies.js';
import {
  hasInitialAccessTokens,
  type InitialAccessTokenRecord,
  type InitialAccessTokenStore,
} from '../core/store/registration-store.js';
import { isoDate, type Output, printable, toJson, writeJsonArray } from './output.js';

/** The options `tokens` reads. */
export interface TokenCommandOptions {
  readonly json: boolean;
  readonly expiresIn: string | undefined;
  readonly uses: string | undefined;
  readonly label: string | undefined;
  readonly policy: string | undefined;
}

/** The longest `--expires-in`: 3650 days (10 years). For a token that never expires, omit the flag. */
export const MAX_EXPIRES_IN_SECONDS: number = 3650 * 86400;

/** The largest `--uses`: what the SQL stores' integer column holds. */
export const MAX_USES = 2_147_483_647;

/** Seconds in `3600`, `90s`, `30m`, `12h` or `7d`, at most `MAX_EXPIRES_IN_SECONDS`. */
export function parseDuration(value: string): number {
  const seconds = durationTextSeconds(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigurationError(
      `--expires-in "${printable(value)}" is not a duration such as 3600, 90s, 30m, 12h or 7d.`,
    );
  }
  if (seconds > MAX_EXPIRES_IN_SECONDS) {
    throw new ConfigurationError(
      `--expires-in "${printable(value)}" is longer than the maximum of 3650d (10 years); ` +
        'omit --expires-in for a token that never expires.',
    );
  }
  return seconds;
}

/** A `--uses` count: a whole number from 1 to `MAX_USES`. */
export function parseUses(value: string): number {
  const uses = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(uses >= 1 && uses <= MAX_USES)) {
    throw new ConfigurationError(
      `--uses "${printable(value)}" must be a whole number from 1 to ${MAX_USES}.`,
    );
  }
  return uses;
}

/** A record as an administrator sees it: everything but the hash. */
export function describeToken(record: InitialAccessTokenRecord): Record<string, unknown> {
  const { token_hash: _hash, ...rest } = record;
  return rest;
}

async function create(store: InitialAccessTokenStore, options: TokenCommandOptions, output: Output) {
  const now = Math.floor(Date.now() / 1000);
  const record: InitialAccessTokenRecord = {
    id: mintIdentifier(nodeCrypto, TOKEN_ID_BYTES),
    token_hash: '',
    created_at: now,
    uses: 0,
  };
  if (options.expiresIn !== undefined) record.expires_at = now + parseDuration(options.expiresIn);
  if (options.uses !== undefined) record.max_uses = parseUses(options.uses);
  if (options.label !== undefined) record.label = options.label;
  if (options.policy !== undefined) {
    let policy: unknown;
    try {
      policy = JSON.parse(options.policy);
    } catch {
      throw new ConfigurationError('--policy must be JSON: {"defaults": {...}, "force": {...}}.');
    }
    const problem = metadataPolicyProblem(policy);
    if (problem !== null) throw new ConfigurationError(`--policy: ${problem}.`);
    record.policy = policy as NonNullable<InitialAccessTokenRecord['policy']>;
  }
  const token = mintSecret(nodeCrypto);
  record.token_hash = await hashCredential(nodeCrypto, token);
  await store.createInitialAccessToken(record);
  if (options.json) {
    await output.out(toJson({ token, ...describeToken(record) }, 2));
  } else {
    // The token alone on stdout, so `TOKEN=$(registrar tokens create)` captures it.
    await output.out(token);
  }
  output.err(
    `Created initial access token ${record.id} (expires ${isoDate(record.expires_at)}, ` +
      `${record.max_uses === undefined ? 'unlimited' : record.max_uses} uses). ` +
      'It is shown only now: the store keeps only its hash.',
  );
  return 0;
}

/** Runs one `tokens` subcommand; resolves to the exit code. */
export async function tokensCommand(
  store: unknown,
  args: readonly string[],
  options: TokenCommandOptions,
  output: Output,
): Promise<number> {
  if (!hasInitialAccessTokens(store)) {
    output.err('This store does not keep initial access tokens.');
    return 1;
  }
  const [action, id] = args;
  switch (action) {
    case 'create':
      return create(store, options, output);
    case 'list': {
      const records = await store.listInitialAccessTokens();
      if (options.json) {
        await writeJsonArray(output, records.map(describeToken));
        return 0;
      }
      await output.out(['id', 'created_at', 'expires_at', 'uses', 'label'].join('\t'));
      for (const record of records) {
        await output.out(
          [
            printable(record.id),
            isoDate(record.created_at),
            isoDate(record.expires_at),
            `${record.uses}/${record.max_uses ?? '-'}`,
            printable(record.label ?? '-'),
          ].join('\t'),
        );
      }
      return 0;
    }
    case 'revoke': {
      if (id === undefined) {
        output.err('Usage: registrar tokens revoke ID');
        return 2;
      }
      if (!(await store.revokeInitialAccessToken(id))) {
        output.err(`No initial access token ${printable(id)}.`);
        return 1;
      }
      await output.out(`Revoked initial access token ${printable(id)}.`);
      return 0;
    }
    default:
      output.err('Usage: registrar tokens create|list|revoke');
      return 2;
  }
}
