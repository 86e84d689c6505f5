/**
 * `registrar check ISSUER`: runs the conformance and interop check
 * (docs/check.md) against an authorization server and prints its report,
 * with one progress line per case on stderr. Its options are parsed by the
 * commander program of `program.ts`, from `CHECK_FLAGS`.
 *
 * @module
 */

import { writeFile } from 'node:fs/promises';
import {
  CHECK_DEFAULTS,
  CHECK_PROFILES,
  type CheckProfile,
  checkExitCode,
  checkIssuer,
  formatCheckJunit,
  formatCheckTable,
} from '../check/check-issuer.js';
import { type Output, printable, toJson } from './output.js';

/** What `registrar check` prints above its options in `--help`. */
export const CHECK_DESCRIPTION: string = `Checks an authorization server's discovery (RFC 8414, OpenID Connect),
registration (RFC 7591), management (RFC 7592) and whether widely used MCP
clients would register. Exit code 0 when no required case fails, 1 when one
does, 3 when none failed but a required case could not run, 2 on bad usage.`;

/** The options of `registrar check` as the command line gave them. */
export interface CheckFlags {
  readonly profile?: string;
  readonly initialAccessToken?: string;
  readonly only?: string;
  readonly json?: boolean;
  readonly junit?: string;
  readonly registrationEndpoint?: string;
  readonly allowHost?: readonly string[];
  readonly rate?: string;
  readonly maxRequests?: string;
  readonly timeLimit?: string;
  readonly requestTimeout?: string;
  readonly runId?: string;
}

/** The options of `registrar check`: flag, placeholder, help text. */
export const CHECK_FLAGS: readonly (readonly [string, string])[] = [
  ['--profile <name>', `${CHECK_PROFILES.join(', ')} (all)`],
  ['--initial-access-token <token>', 'sent as Bearer on registration requests'],
  ['--only <ids>', 'run only these cases (comma-separated ids)'],
  ['--json', 'print the report as JSON instead of the table'],
  ['--junit <file>', 'also write the report as JUnit XML to FILE'],
  ['--registration-endpoint <url>', 'for a server that publishes no metadata'],
  ['--allow-host <host[:port]>', 'another host the check may reach (repeatable)'],
  ['--rate <n>', `requests a second at most (${CHECK_DEFAULTS.requestsPerSecond})`],
  ['--max-requests <n>', `requests per run at most (${CHECK_DEFAULTS.maxRequests})`],
  ['--time-limit <seconds>', `seconds per run at most (${CHECK_DEFAULTS.timeLimitMs / 1000})`],
  ['--request-timeout <seconds>', `seconds one request may take (${CHECK_DEFAULTS.requestTimeoutMs / 1000})`],
  ['--run-id <id>', 'names the run\'s clients "registrar-check ID" (random)'],
];

class UsageError extends Error {}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  return parsed;
}

/** Runs `registrar check ISSUER` with its parsed options; resolves to the exit code. */
export async function checkCommand(issuer: string, flags: CheckFlags, output: Output): Promise<number> {
  let options: ReturnType<typeof checkOptions>;
  try {
    options = checkOptions(flags);
  } catch (error) {
    output.err(`registrar check: ${(error as Error).message}`);
    return 2;
  }
  let report: Awaited<ReturnType<typeof checkIssuer>>;
  try {
    report = await checkIssuer(issuer, {
      ...options,
      onProgress: ({ index, result }) =>
        output.err(printable(`[${index}] ${result.outcome.toUpperCase()} ${result.id}: ${result.seen}`)),
    });
  } catch (error) {
    if (error instanceof TypeError) {
      output.err(`registrar check: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (flags.junit !== undefined) await writeFile(flags.junit, formatCheckJunit(report));
  if (flags.json === true) {
    await output.out(toJson(report, 2));
  } else {
    for (const line of formatCheckTable(report).trimEnd().split('\n')) await output.out(printable(line));
  }
  return checkExitCode(report);
}

/** The checker's options from the command line's, each checked. */
function checkOptions(flags: CheckFlags) {
  const { profile } = flags;
  if (profile !== undefined && !CHECK_PROFILES.includes(profile as CheckProfile)) {
    throw new UsageError(`--profile must be one of ${CHECK_PROFILES.join(', ')}, got "${profile}"`);
  }
  const timeLimit = number('--time-limit', flags.timeLimit);
  const requestTimeout = number('--request-timeout', flags.requestTimeout);
  return {
    ...(profile === undefined ? {} : { profile: profile as CheckProfile }),
    ...(flags.initialAccessToken === undefined ? {} : { initialAccessToken: flags.initialAccessToken }),
    ...(flags.only === undefined ? {} : { only: flags.only.split(',').map((id) => id.trim()) }),
    ...(flags.registrationEndpoint === undefined ? {} : { registrationEndpoint: flags.registrationEndpoint }),
    ...(flags.allowHost === undefined || flags.allowHost.length === 0
      ? {}
      : { allowHosts: [...flags.allowHost] }),
    ...optional('requestsPerSecond', number('--rate', flags.rate)),
    ...optional('maxRequests', number('--max-requests', flags.maxRequests)),
    ...optional('timeLimitMs', timeLimit === undefined ? undefined : timeLimit * 1000),
    ...optional('requestTimeoutMs', requestTimeout === undefined ? undefined : requestTimeout * 1000),
    ...(flags.runId === undefined ? {} : { runId: flags.runId }),
  };
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
