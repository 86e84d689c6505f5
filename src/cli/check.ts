/**
 * `registrar check ISSUER`: runs the conformance and interop check
 * (docs/check.md) against an authorization server and prints its report,
 * with one progress line per case on stderr.
 *
 * @module
 */

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
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

/** The usage of `registrar check`. */
export const CHECK_USAGE: string = `Usage: registrar check ISSUER [options]

Checks an authorization server's discovery (RFC 8414, OpenID Connect),
registration (RFC 7591), management (RFC 7592) and whether widely used MCP
clients would register. Exit code 0 when no required case fails, 1 when one
does, 3 when none failed but a required case could not run, 2 on bad usage.

Options:
  --profile NAME             rfc7591, rfc7592, oidc, mcp or all (all)
  --initial-access-token T   sent as Bearer on registration requests
  --only ID,...              run only these cases
  --json                     print the report as JSON instead of the table
  --junit FILE               also write the report as JUnit XML to FILE
  --registration-endpoint URL
                             for a server that publishes no metadata
  --allow-host HOST[:PORT]   another host the check may reach (repeatable)
  --rate N                   requests a second at most (${CHECK_DEFAULTS.requestsPerSecond})
  --max-requests N           requests per run at most (${CHECK_DEFAULTS.maxRequests})
  --time-limit S             seconds per run at most (${CHECK_DEFAULTS.timeLimitMs / 1000})
  --request-timeout S        seconds one request may take (${CHECK_DEFAULTS.requestTimeoutMs / 1000})
  --run-id ID                names the run's clients "registrar-check ID" (random)
  -h, --help                 this text
`;

class UsageError extends Error {}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  return parsed;
}

/** Runs `registrar check` with the arguments after `check`; resolves to the exit code. */
export async function checkCommand(args: readonly string[], output: Output): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    const message = (error as Error).message;
    output.err(`registrar check: ${message}\n\n${CHECK_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    await output.out(CHECK_USAGE);
    return 0;
  }
  let report: Awaited<ReturnType<typeof checkIssuer>>;
  try {
    report = await checkIssuer(parsed.issuer, {
      ...parsed.options,
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
  if (parsed.junit !== undefined) await writeFile(parsed.junit, formatCheckJunit(report));
  if (parsed.json) {
    await output.out(toJson(report, 2));
  } else {
    for (const line of formatCheckTable(report).trimEnd().split('\n')) await output.out(printable(line));
  }
  return checkExitCode(report);
}

function parse(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      'initial-access-token': { type: 'string' },
      only: { type: 'string' },
      json: { type: 'boolean' },
      junit: { type: 'string' },
      'registration-endpoint': { type: 'string' },
      'allow-host': { type: 'string', multiple: true },
      rate: { type: 'string' },
      'max-requests': { type: 'string' },
      'time-limit': { type: 'string' },
      'request-timeout': { type: 'string' },
      'run-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [issuer, ...extra] = positionals;
  if (values.help === true)
    return { help: true as const, issuer: '', options: {}, json: false, junit: undefined };
  if (issuer === undefined) throw new UsageError('ISSUER is required');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const profile = values.profile;
  if (profile !== undefined && !CHECK_PROFILES.includes(profile as CheckProfile)) {
    throw new UsageError(`--profile must be one of ${CHECK_PROFILES.join(', ')}, got "${profile}"`);
  }
  const timeLimit = number('--time-limit', values['time-limit']);
  const requestTimeout = number('--request-timeout', values['request-timeout']);
  const options = {
    ...(profile === undefined ? {} : { profile: profile as CheckProfile }),
    ...(values['initial-access-token'] === undefined
      ? {}
      : { initialAccessToken: values['initial-access-token'] }),
    ...(values.only === undefined ? {} : { only: values.only.split(',').map((id) => id.trim()) }),
    ...(values['registration-endpoint'] === undefined
      ? {}
      : { registrationEndpoint: values['registration-endpoint'] }),
    ...(values['allow-host'] === undefined ? {} : { allowHosts: values['allow-host'] }),
    ...optional('requestsPerSecond', number('--rate', values.rate)),
    ...optional('maxRequests', number('--max-requests', values['max-requests'])),
    ...optional('timeLimitMs', timeLimit === undefined ? undefined : timeLimit * 1000),
    ...optional('requestTimeoutMs', requestTimeout === undefined ? undefined : requestTimeout * 1000),
    ...(values['run-id'] === undefined ? {} : { runId: values['run-id'] }),
  };
  return { help: false as const, issuer, options, json: values.json === true, junit: values.junit };
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
