/**
 * The shapes of a `registrar check` run: its options, each case's result and
 * the report, the same from the library and from the command.
 *
 * @module
 */

/** Which rules a run checks. `all` is every case. */
export type CheckProfile = 'rfc7591' | 'rfc7592' | 'oidc' | 'mcp' | 'all';

/** The profiles `--profile` accepts. */
export const CHECK_PROFILES: readonly CheckProfile[] = ['rfc7591', 'rfc7592', 'oidc', 'mcp', 'all'];

/**
 * How much a case weighs: `must` is an RFC MUST or MUST NOT (a failure makes
 * the run fail), `should` a SHOULD or an interoperability expectation (a
 * failure is a warning).
 */
export type CheckLevel = 'must' | 'should';

/**
 * What a case found. `warning` is a `should` case that failed, or a `must`
 * case whose requirement held but whose details (an error code) differ from
 * what the RFC names; `not-applicable` is a case whose precondition the server
 * does not meet (no RFC 7592, no secret issued); `not-run` is a case the
 * checker's own limits stopped (a 429 beyond the time bound, the request bound).
 */
export type CheckOutcome = 'pass' | 'fail' | 'warning' | 'not-applicable' | 'not-run';

/** One case's result. */
export interface CheckResult {
  /** Stable identifier, for `--only` and for CI. */
  readonly id: string;
  readonly title: string;
  /** The section the case rests on, e.g. `RFC 7591 §3.2.1`. */
  readonly section: string;
  readonly level: CheckLevel;
  readonly outcome: CheckOutcome;
  /** What the checker saw: a status, an error code, a member. */
  readonly seen: string;
  /** How long the case took, its requests included. */
  readonly durationMs: number;
}

/** A client the run registered and could not delete through RFC 7592. */
export interface LeftoverClient {
  readonly clientId: string;
  readonly clientName: string;
  readonly reason: string;
}

/** The whole report of one run. */
export interface CheckReport {
  readonly issuer: string;
  readonly profile: CheckProfile;
  /** Names the run's clients: `registrar-check <runId>`. */
  readonly runId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly requestsSent: number;
  /** Where the metadata was found, when it was. */
  readonly metadataUrl: string | undefined;
  readonly registrationEndpoint: string | undefined;
  readonly results: readonly CheckResult[];
  /** Clients created and deleted again through RFC 7592. */
  readonly deleted: readonly string[];
  readonly leftovers: readonly LeftoverClient[];
  /** True when no `must` case failed. */
  readonly passed: boolean;
  readonly counts: Readonly<Record<CheckOutcome, number>>;
}

/** A progress line: one per case, as it ends. */
export interface CheckProgress {
  readonly index: number;
  readonly result: CheckResult;
}

/** Options of {@link checkIssuer}. */
export interface CheckOptions {
  /** `all` by default. */
  readonly profile?: CheckProfile;
  /** Sent as `Authorization: Bearer` on registration requests (RFC 7591 §3). */
  readonly initialAccessToken?: string;
  /** Only these case ids run (their prerequisites still run, unreported). */
  readonly only?: readonly string[];
  /** Further hosts (`host[:port]`) the run may reach beyond the issuer's. */
  readonly allowHosts?: readonly string[];
  /** The registration endpoint, for a server that publishes no metadata. */
  readonly registrationEndpoint?: string;
  /** Requests a second at most (5). */
  readonly requestsPerSecond?: number;
  /** Requests per run at most (200). */
  readonly maxRequests?: number;
  /** Milliseconds per run at most (120 000). */
  readonly timeLimitMs?: number;
  /** Milliseconds one request may take (10 000, never beyond the run's bound). */
  readonly requestTimeoutMs?: number;
  /** Names the run's clients; random by default. */
  readonly runId?: string;
  /** Called as each case ends. */
  readonly onProgress?: (progress: CheckProgress) => void;
}
