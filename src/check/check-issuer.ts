/**
 * `registrar check ISSUER` as a library function: a conformance and interop
 * check of an authorization server's discovery, RFC 7591 registration and
 * RFC 7592 management, and of whether widely used MCP clients would register.
 *
 * The checker keeps to the issuer's host (and the hosts named in
 * `allowHosts`), to a rate and to bounds of requests and time; it names its
 * clients `registrar-check <run id>` and deletes them again through RFC 7592
 * where it can. It sends no URL that makes the server fetch anything: the
 * only URLs in its requests are at `registrar-check.invalid`, which never
 * resolves (RFC 6761 §6.4), or are the real clients' own redirect URIs,
 * which a server stores and never fetches.
 *
 * @example
 * ```ts
 * import { checkIssuer, formatCheckTable } from 'registrar/check';
 *
 * const report = await checkIssuer('https://auth.example.com', { profile: 'mcp' });
 * console.log(formatCheckTable(report));
 * process.exitCode = report.passed ? 0 : 1;
 * ```
 *
 * @module
 */

import {
  type CaseDefinition,
  type CheckContext,
  describe,
  fail,
  notRun,
  toResult,
  type Verdict,
} from './check-context.js';
import {
  CHECK_PROFILES,
  type CheckOptions,
  type CheckOutcome,
  type CheckProfile,
  type CheckReport,
  type CheckResult,
  type LeftoverClient,
} from './check-report.js';
import { CheckSession, NotRunError } from './check-session.js';
import { CLIENT_CASES, runClients } from './client-cases.js';
import { DISCOVERY_CASES, runDiscovery } from './discovery-cases.js';
import { MANAGEMENT_CASES, runManagement } from './management-cases.js';
import { REGISTRATION_CASES, runRegistration } from './registration-cases.js';

export type { CaseDefinition } from './check-context.js';
export type {
  CheckLevel,
  CheckOptions,
  CheckOutcome,
  CheckProfile,
  CheckProgress,
  CheckReport,
  CheckResult,
  LeftoverClient,
} from './check-report.js';
export { CHECK_PROFILES } from './check-report.js';
export { formatCheckJunit, formatCheckTable } from './format-check-report.js';

/** Every case the checker knows, in the order a run with profile `all` reports them. */
export const CHECK_CASES: readonly CaseDefinition[] = [
  ...DISCOVERY_CASES,
  ...REGISTRATION_CASES,
  ...MANAGEMENT_CASES,
  ...CLIENT_CASES,
];

/** Default limits of a run (the safety rules): 5 requests a second, 200 requests, 120 s. */
export const CHECK_DEFAULTS: {
  readonly requestsPerSecond: number;
  readonly maxRequests: number;
  readonly timeLimitMs: number;
  readonly requestTimeoutMs: number;
} = { requestsPerSecond: 5, maxRequests: 200, timeLimitMs: 120_000, requestTimeoutMs: 10_000 };

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

function issuerUrl(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(`issuer must be an absolute URL, got ${JSON.stringify(issuer)}`);
  }
  // RFC 8414 §2: an https URL with no query or fragment; http is accepted for local servers.
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new TypeError(
      `issuer must be an http(s) URL without query or fragment, got ${JSON.stringify(issuer)}`,
    );
  }
  return url;
}

function emptyCounts(): Record<CheckOutcome, number> {
  return { pass: 0, fail: 0, warning: 0, 'not-applicable': 0, 'not-run': 0 };
}

/**
 * The exit code of `registrar check` for a report: 0 when every required
 * case passed or does not apply, 1 when a required case failed, 3 when none
 * failed but some required case could not run (the run was cut short).
 * @see docs/check.md#the-report
 */
export function checkExitCode(report: CheckReport): number {
  if (!report.passed) return 1;
  return report.results.some((result) => result.level === 'must' && result.outcome === 'not-run') ? 3 : 0;
}

/**
 * Runs the check against `issuer` and answers the report. Misuse (a bad
 * issuer, an unknown profile or case id, a limit that is not a positive
 * number) is a `TypeError` naming the option; what the server does is never
 * thrown, only reported.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591 RFC 7591
 * @see https://www.rfc-editor.org/rfc/rfc7592 RFC 7592
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3 RFC 8414 §3
 */
export async function checkIssuer(issuer: string, options: CheckOptions = {}): Promise<CheckReport> {
  const url = issuerUrl(issuer);
  const profile: CheckProfile = options.profile ?? 'all';
  if (!CHECK_PROFILES.includes(profile)) {
    throw new TypeError(
      `profile must be one of ${CHECK_PROFILES.join(', ')}, got ${JSON.stringify(profile)}`,
    );
  }
  const known = new Set(CHECK_CASES.map((item) => item.id));
  for (const id of options.only ?? []) {
    if (!known.has(id)) throw new TypeError(`only: unknown case id ${JSON.stringify(id)}`);
  }
  const session = new CheckSession({
    issuer: url,
    allowHosts: options.allowHosts ?? [],
    requestsPerSecond: positive(
      'requestsPerSecond',
      options.requestsPerSecond,
      CHECK_DEFAULTS.requestsPerSecond,
    ),
    maxRequests: positive('maxRequests', options.maxRequests, CHECK_DEFAULTS.maxRequests),
    timeLimitMs: positive('timeLimitMs', options.timeLimitMs, CHECK_DEFAULTS.timeLimitMs),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, CHECK_DEFAULTS.requestTimeoutMs),
  });
  if (options.registrationEndpoint !== undefined && !session.allows(options.registrationEndpoint)) {
    session.close();
    throw new TypeError(
      `registrationEndpoint ${options.registrationEndpoint} is not on the issuer's host (add it to allowHosts)`,
    );
  }
  const startedAt = new Date();
  const results: CheckResult[] = [];
  const only = options.only === undefined ? undefined : new Set(options.only);
  const push = (definition: CaseDefinition, verdict: Verdict, durationMs: number) => {
    const result = { ...toResult(definition, verdict), durationMs };
    results.push(result);
    options.onProgress?.({ index: results.length, result });
  };
  const context: CheckContext = {
    session,
    issuer,
    profile,
    runId: options.runId ?? globalThis.crypto.randomUUID().slice(0, 8),
    initialAccessToken: options.initialAccessToken,
    metadata: undefined,
    metadataUrl: undefined,
    registrationEndpoint: options.registrationEndpoint,
    registrationBlocked: undefined,
    created: [],
    deleted: [],
    selected: (definition) =>
      (profile === 'all' || definition.profiles.includes(profile)) &&
      (only === undefined || only.has(definition.id)),
    async run(definition, body) {
      if (!context.selected(definition)) return;
      const started = Date.now();
      let verdict: Verdict;
      try {
        verdict = await body();
      } catch (error) {
        if (error instanceof NotRunError) verdict = notRun(error.message);
        else if (error instanceof Error) verdict = fail(error.message);
        else throw error;
      }
      push(definition, verdict, Date.now() - started);
    },
    record(definition, verdict) {
      if (context.selected(definition)) push(definition, verdict, 0);
    },
  };

  /** Runs a group; if the run's limits stop it midway, its remaining cases are reported as not run. */
  const guarded = async (cases: readonly CaseDefinition[], group: () => Promise<void>) => {
    try {
      await group();
    } catch (error) {
      if (!(error instanceof NotRunError)) throw error;
      const done = new Set(results.map((result) => result.id));
      for (const item of cases) if (!done.has(item.id)) context.record(item, notRun(error.message));
    }
  };

  try {
    const discoveryWanted = DISCOVERY_CASES.some((item) => context.selected(item));
    if (discoveryWanted || context.registrationEndpoint === undefined) {
      await guarded(DISCOVERY_CASES, () => runDiscovery(context));
    }
    if (context.registrationEndpoint === undefined) {
      context.registrationBlocked = 'no registration_endpoint in the metadata (give --registration-endpoint)';
    } else if (!session.allows(context.registrationEndpoint)) {
      context.registrationBlocked = `registration_endpoint ${context.registrationEndpoint} is on another host (see --allow-host)`;
    }
    await guarded(REGISTRATION_CASES, () => runRegistration(context));
    await guarded(MANAGEMENT_CASES, () => runManagement(context));
    await guarded(CLIENT_CASES, () => runClients(context));
    return {
      ...summarise(results),
      issuer,
      profile,
      runId: context.runId,
      startedAt: startedAt.toISOString(),
      metadataUrl: context.metadataUrl,
      registrationEndpoint: context.registrationEndpoint,
      results,
      deleted: context.deleted,
      leftovers: await cleanUp(context),
      requestsSent: session.requestsSent,
      durationMs: Date.now() - startedAt.getTime(),
    };
  } finally {
    session.close();
  }
}

function summarise(results: readonly CheckResult[]): Pick<CheckReport, 'passed' | 'counts'> {
  const counts = emptyCounts();
  for (const result of results) counts[result.outcome] += 1;
  return {
    counts,
    passed: !results.some((result) => result.level === 'must' && result.outcome === 'fail'),
  };
}

/** Deletes every client the run created and has not deleted yet (RFC 7592 §2.3); lists the rest. */
async function cleanUp(context: CheckContext): Promise<LeftoverClient[]> {
  const leftovers: LeftoverClient[] = [];
  for (const client of context.created) {
    if (client.deleted) continue;
    const leave = (reason: string) =>
      leftovers.push({ clientId: client.clientId, clientName: client.clientName, reason });
    if (client.configurationUri === undefined || client.registrationAccessToken === undefined) {
      leave('no registration_client_uri: the server offers no RFC 7592 delete');
      continue;
    }
    if (!context.session.allows(client.configurationUri)) {
      leave(`registration_client_uri ${client.configurationUri} is on another host`);
      continue;
    }
    try {
      const response = await context.session.send(
        {
          method: 'DELETE',
          url: client.configurationUri,
          headers: { authorization: `Bearer ${client.registrationAccessToken}` },
        },
        { reserved: true },
      );
      if (response.status === 204 || response.status === 200) {
        client.deleted = true;
        context.deleted.push(client.clientId);
      } else {
        leave(`delete answered ${describe(response)}`);
      }
    } catch (error) {
      leave(`delete not done: ${(error as Error).message}`);
    }
  }
  return leftovers;
}
