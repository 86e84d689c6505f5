/**
 * What the cases of one run share: the session, what discovery found, the
 * clients the run created, and the helpers that turn an answer into a verdict.
 *
 * @module
 */

import type { CheckLevel, CheckProfile, CheckResult } from './check-report.js';
import { type CheckResponse, type CheckSession, NotRunError } from './check-session.js';

/** A case as the table declares it. */
export interface CaseDefinition {
  readonly id: string;
  readonly title: string;
  readonly section: string;
  readonly level: CheckLevel;
  /** The profiles that include the case (`all` includes every case). */
  readonly profiles: readonly Exclude<CheckProfile, 'all'>[];
}

/** What a case decided; the runner turns it into a {@link CheckResult}. */
export interface Verdict {
  readonly status: 'pass' | 'fail' | 'warning' | 'not-applicable' | 'not-run';
  readonly seen: string;
}

/** A case that found what the RFC asks for; `seen` says what. */
export const pass = (seen: string): Verdict => ({ status: 'pass', seen });
/** A case that found a breach; `seen` says what was answered. */
export const fail = (seen: string): Verdict => ({ status: 'fail', seen });
/** A case that found a SHOULD not met. */
export const warn = (seen: string): Verdict => ({ status: 'warning', seen });
/** A case the server's choices make moot, such as management where none is offered. */
export const notApplicable = (seen: string): Verdict => ({ status: 'not-applicable', seen });
/** A case the run's bounds, or a 429, kept from running. */
export const notRun = (seen: string): Verdict => ({ status: 'not-run', seen });

/** A client the run registered. */
export interface CreatedClient {
  readonly clientId: string;
  readonly clientName: string;
  readonly configurationUri: string | undefined;
  registrationAccessToken: string | undefined;
  deleted: boolean;
}

/** The state of one run, handed to every case group. */
export interface CheckContext {
  readonly session: CheckSession;
  readonly issuer: string;
  readonly profile: CheckProfile;
  readonly runId: string;
  readonly initialAccessToken: string | undefined;
  metadata: Record<string, unknown> | undefined;
  metadataUrl: string | undefined;
  registrationEndpoint: string | undefined;
  /** Why registration cases cannot run, once that is known (no endpoint, a token needed). */
  registrationBlocked: string | undefined;
  readonly created: CreatedClient[];
  /** Ids of the clients deleted again through RFC 7592. */
  readonly deleted: string[];
  /** Whether a case runs in this profile and under `--only`. */
  selected(definition: CaseDefinition): boolean;
  /** Runs one case and records its result. */
  run(definition: CaseDefinition, body: () => Promise<Verdict>): Promise<void>;
  /** Records a case decided without a request. */
  record(definition: CaseDefinition, verdict: Verdict): void;
}

/** The name the run gives its clients: `registrar-check <run id>`, or with the real client's name. */
export function clientName(context: Pick<CheckContext, 'runId'>, client?: string): string {
  return client === undefined
    ? `registrar-check ${context.runId}`
    : `registrar-check ${context.runId} (${client})`;
}

/**
 * Redirect URIs at a host that does not resolve (RFC 6761 §6.4): the server
 * never reaches anything through them, and neither does a browser.
 */
export const CHECK_REDIRECT_URI = 'https://registrar-check.invalid/callback';

/** A `jwks_uri` that the server cannot fetch: `.invalid` never resolves. */
export const UNREACHABLE_JWKS_URI = 'https://registrar-check.invalid/jwks.json';

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The response body as a JSON object, or `undefined`. */
export function bodyObject(response: CheckResponse): Record<string, unknown> | undefined {
  return objectOf(response.json);
}

/** `400 invalid_redirect_uri`, `413 (no JSON body)`: a short account of an answer. */
export function describe(response: CheckResponse): string {
  const body = bodyObject(response);
  const error = typeof body?.error === 'string' ? body.error : undefined;
  const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
  if (error !== undefined && description !== undefined) {
    const flat = description.replace(/\s+/g, ' ').trim();
    const short = flat.length > 100 ? `${flat.slice(0, 100)}…` : flat;
    return `${response.status} ${error} (${JSON.stringify(short)})`;
  }
  if (error !== undefined) return `${response.status} ${error}`;
  if (response.status >= 200 && response.status < 300) return `${response.status}`;
  return `${response.status} (${body === undefined ? 'no JSON body' : 'no error member'})`;
}

/** Whether the answer is a registration: 2xx with a `client_id`. */
export function isRegistration(response: CheckResponse): boolean {
  return (
    response.status >= 200 && response.status < 300 && typeof bodyObject(response)?.client_id === 'string'
  );
}

/**
 * Sends a registration request (RFC 7591 §3.1) and keeps track of any client
 * it creates, so the run can delete it again.
 */
export async function register(
  context: CheckContext,
  body: string | Record<string, unknown>,
  options: { contentType?: string; name?: string } = {},
): Promise<CheckResponse> {
  const endpoint = context.registrationEndpoint;
  if (endpoint === undefined || context.registrationBlocked !== undefined) {
    throw new NotRunError(context.registrationBlocked ?? 'no registration endpoint');
  }
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    accept: 'application/json',
  };
  if (context.initialAccessToken !== undefined) {
    headers.authorization = `Bearer ${context.initialAccessToken}`;
  }
  const response = await context.session.send({
    method: 'POST',
    url: endpoint,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  track(context, response, options.name ?? clientName(context));
  if ((response.status === 401 || response.status === 403) && context.initialAccessToken === undefined) {
    context.registrationBlocked = `registration answered ${describe(response)}: it needs an initial access token (--initial-access-token)`;
    throw new NotRunError(context.registrationBlocked);
  }
  return response;
}

/** Records the client a 2xx registration answer created. */
function track(context: CheckContext, response: CheckResponse, name: string): void {
  if (!isRegistration(response)) return;
  const body = bodyObject(response) as Record<string, unknown>;
  const uri = typeof body.registration_client_uri === 'string' ? body.registration_client_uri : undefined;
  const token =
    typeof body.registration_access_token === 'string' ? body.registration_access_token : undefined;
  if (uri !== undefined && token !== undefined) context.session.reserve();
  context.created.push({
    clientId: body.client_id as string,
    clientName: name,
    configurationUri: uri,
    registrationAccessToken: token,
    deleted: false,
  });
}

/**
 * The verdict on a request that the server should refuse: pass for a 4xx
 * whose `error` is one of `codes`, a warning for a 4xx with another code or
 * no JSON error (RFC 7591 §3.2.2), a failure for a 2xx or a 5xx.
 */
export function expectRefused(response: CheckResponse, codes: readonly string[]): Verdict {
  const seen = describe(response);
  if (response.status >= 200 && response.status < 300) return fail(`accepted: ${seen}`);
  if (response.status >= 500) return fail(`server error: ${seen}`);
  if (response.status < 400) return fail(`unexpected status: ${seen}`);
  const error = bodyObject(response)?.error;
  if (typeof error === 'string' && codes.includes(error)) return pass(`refused: ${seen}`);
  return warn(`refused, but ${seen}; RFC 7591 §3.2.2 names ${codes.join(' or ')}`);
}

/** Turns a verdict into a result, lowering a failed `should` case to a warning. */
export function toResult(definition: CaseDefinition, verdict: Verdict): Omit<CheckResult, 'durationMs'> {
  const outcome = verdict.status === 'fail' && definition.level === 'should' ? 'warning' : verdict.status;
  return {
    id: definition.id,
    title: definition.title,
    section: definition.section,
    level: definition.level,
    outcome,
    seen: verdict.seen,
  };
}
