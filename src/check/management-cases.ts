/**
 * The RFC 7592 cases, run on a client of their own when the registration
 * answer carries `registration_client_uri`: read, update, token rotation,
 * delete, and that the token works only from the `Authorization` header and
 * not at all once the client is gone.
 *
 * @module
 */

import {
  bodyObject,
  type CaseDefinition,
  CHECK_REDIRECT_URI,
  type CheckContext,
  type CreatedClient,
  clientName,
  describe,
  fail,
  isRegistration,
  notApplicable,
  notRun,
  pass,
  register,
  type Verdict,
  warn,
} from './check-context.js';
import { type CheckResponse, NotRunError } from './check-session.js';

function definition(
  id: string,
  title: string,
  section: string,
  level: CaseDefinition['level'],
): CaseDefinition {
  return { id, title, section, level, profiles: ['rfc7592', 'mcp'] };
}

const READ = definition(
  'mgmt.read',
  'a read with the registration access token answers 200',
  'RFC 7592 §2.1',
  'must',
);
const READ_SECRET = definition(
  'mgmt.read-no-secret',
  'a read does not hand back the client secret (which only a server storing it in clear text can)',
  'RFC 7592 §2.1, RFC 6819 §5.1.4.1.3',
  'should',
);
const NO_TOKEN = definition(
  'mgmt.read-no-token',
  'a read without a token is refused, with 401',
  'RFC 7592 §2, RFC 6750 §3, §3.1',
  'must',
);
const WRONG_TOKEN = definition(
  'mgmt.read-wrong-token',
  'a read with a wrong token answers 401',
  'RFC 7592 §2.1, RFC 6750 §3.1',
  'must',
);
const QUERY_TOKEN = definition(
  'mgmt.token-header-only',
  'the token in the query string, not the Authorization header, is refused',
  'RFC 7592 §2, RFC 6750 §2.3',
  'should',
);
const UPDATE = definition(
  'mgmt.update',
  'an update answers 200 with the new metadata',
  'RFC 7592 §2.2',
  'must',
);
const OMITTED = definition(
  'mgmt.update-omitted-reset',
  'a member left out of an update is removed',
  'RFC 7592 §2.2',
  'must',
);
const ROTATION = definition(
  'mgmt.token-rotation',
  'a rotated registration access token replaces the old one',
  'RFC 7592 §2.1, §2.2',
  'should',
);
const MISMATCH = definition(
  'mgmt.update-client-id-mismatch',
  'an update naming another client_id is refused',
  'RFC 7592 §2.2',
  'must',
);
const FORBIDDEN = definition(
  'mgmt.update-forbidden-members',
  'an update carrying registration_access_token, registration_client_uri or the timestamps is refused',
  'RFC 7592 §2.2',
  'should',
);
const DELETE = definition(
  'mgmt.delete',
  'a delete answers 204 (or 405 when unsupported)',
  'RFC 7592 §2.3',
  'must',
);
const AFTER_DELETE = definition(
  'mgmt.after-delete',
  'after the delete, the registration access token answers 401',
  'RFC 7592 §2.3, §5',
  'must',
);

/** The cases of this group, in the order they run. */
export const MANAGEMENT_CASES: readonly CaseDefinition[] = [
  READ,
  READ_SECRET,
  NO_TOKEN,
  WRONG_TOKEN,
  QUERY_TOKEN,
  UPDATE,
  OMITTED,
  ROTATION,
  MISMATCH,
  FORBIDDEN,
  DELETE,
  AFTER_DELETE,
];

const CLIENT_URI = 'https://registrar-check.invalid/';
const SECOND_REDIRECT_URI = 'https://registrar-check.invalid/callback2';

interface Managed {
  readonly client: CreatedClient;
  readonly uri: string;
  readonly secret: unknown;
  /** Tokens handed out and replaced since. */
  readonly replaced: string[];
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, accept: 'application/json' };
}

/** Takes a new registration access token from an answer (RFC 7592 §2.1: the client must use it). */
function adopt(managed: Managed, response: CheckResponse): void {
  const token = bodyObject(response)?.registration_access_token;
  const current = managed.client.registrationAccessToken;
  if (typeof token === 'string' && current !== undefined && token !== current) {
    managed.replaced.push(current);
    managed.client.registrationAccessToken = token;
  }
}

function token(managed: Managed): string {
  return managed.client.registrationAccessToken ?? '';
}

/** Runs the management cases of the profile, when the server offers RFC 7592. */
export async function runManagement(context: CheckContext): Promise<void> {
  if (!MANAGEMENT_CASES.some((item) => context.selected(item))) return;
  const skipAll = (verdict: Verdict) => {
    for (const item of MANAGEMENT_CASES) context.record(item, verdict);
  };
  let registration: CheckResponse;
  try {
    registration = await register(context, {
      redirect_uris: [CHECK_REDIRECT_URI],
      client_name: clientName(context),
      client_uri: CLIENT_URI,
    });
  } catch (error) {
    const message = (error as Error).message;
    skipAll(notRun(error instanceof NotRunError ? message : `the registration these cases need: ${message}`));
    return;
  }
  if (!isRegistration(registration)) {
    skipAll(notApplicable(`the registration for these cases was refused: ${describe(registration)}`));
    return;
  }
  const client = context.created[context.created.length - 1] as CreatedClient;
  const uri = client.configurationUri;
  if (uri === undefined || client.registrationAccessToken === undefined) {
    skipAll(
      notApplicable(
        'no registration_client_uri and registration_access_token: the server offers no RFC 7592',
      ),
    );
    return;
  }
  if (!context.session.allows(uri)) {
    skipAll(notRun(`registration_client_uri ${uri} is on another host (see --allow-host)`));
    return;
  }
  const managed: Managed = {
    client,
    uri,
    secret: bodyObject(registration)?.client_secret,
    replaced: [],
  };
  const send = (method: string, headers: Record<string, string>, body?: unknown, url = uri) =>
    context.session.send({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  let read: CheckResponse | undefined;
  await context.run(READ, async () => {
    const presented = token(managed);
    read = await send('GET', bearer(presented));
    adopt(managed, read);
    const body = bodyObject(read);
    if (read.status !== 200) return fail(describe(read));
    return body?.client_id === client.clientId
      ? pass('200, same client_id')
      : fail(`200, client_id ${JSON.stringify(body?.client_id)}`);
  });
  // RFC 7592 §3 makes registration_access_token a REQUIRED member of every client information
  // response, reads included, so only the client secret is looked for.
  await context.run(READ_SECRET, async () => {
    if (read?.status !== 200) return notApplicable('no read');
    if (managed.secret === undefined) return notApplicable('no client_secret issued');
    return bodyObject(read)?.client_secret === managed.secret
      ? fail('the read repeats the client_secret issued at registration')
      : pass('the client_secret is not repeated');
  });
  await context.run(NO_TOKEN, async () => {
    const response = await send('GET', { accept: 'application/json' });
    if (response.status === 401) return pass('401');
    // RFC 6750 §3.1: a request with no credentials at all gets 401 and no error code.
    if (response.status >= 400 && response.status < 500) {
      return warn(
        `refused, but ${describe(response)}; RFC 6750 §3.1 answers a request without credentials 401`,
      );
    }
    return fail(describe(response));
  });
  await context.run(WRONG_TOKEN, async () => {
    const response = await send('GET', bearer(`${token(managed)}-wrong`));
    return response.status === 401 ? pass('401') : fail(describe(response));
  });
  await context.run(QUERY_TOKEN, async () => {
    const url = new URL(uri);
    url.searchParams.set('access_token', token(managed));
    const response = await send('GET', { accept: 'application/json' }, undefined, url.href);
    adopt(managed, response);
    if (response.status >= 400 && response.status < 500) return pass(`refused: ${describe(response)}`);
    return fail(`${describe(response)}: the token was taken from the query`);
  });

  const updateBody = (): Record<string, unknown> => ({
    client_id: client.clientId,
    ...(managed.secret === undefined ? {} : { client_secret: managed.secret }),
    redirect_uris: [CHECK_REDIRECT_URI, SECOND_REDIRECT_URI],
    client_name: clientName(context),
  });
  let update: CheckResponse | undefined;
  let tokenBeforeUpdate: string | undefined;
  const needsUpdate = [UPDATE, OMITTED, ROTATION].some((item) => context.selected(item));
  if (needsUpdate) {
    await context.run(UPDATE, async () => {
      tokenBeforeUpdate = token(managed);
      update = await send('PUT', bearer(tokenBeforeUpdate), updateBody());
      adopt(managed, update);
      const uris = bodyObject(update)?.redirect_uris;
      if (update.status !== 200) return fail(describe(update));
      return Array.isArray(uris) && uris.includes(SECOND_REDIRECT_URI)
        ? pass('200, redirect_uris updated')
        : fail(`200, but redirect_uris ${JSON.stringify(uris)}`);
    });
  }
  await context.run(OMITTED, async () => {
    if (update?.status !== 200) return notApplicable('no update');
    const body = bodyObject(update) ?? {};
    return body.client_uri === undefined
      ? pass('client_uri removed')
      : fail(`client_uri still ${JSON.stringify(body.client_uri)}`);
  });
  await context.run(ROTATION, async () => {
    const old = managed.replaced[managed.replaced.length - 1];
    if (old === undefined) return notApplicable('the token was not rotated');
    const response = await send('GET', bearer(old));
    adopt(managed, response);
    return response.status === 401
      ? pass('the replaced token answers 401')
      : fail(`the replaced token still works: ${describe(response)}`);
  });
  await context.run(MISMATCH, async () => {
    const response = await send('PUT', bearer(token(managed)), {
      ...updateBody(),
      client_id: `${client.clientId}-other`,
    });
    adopt(managed, response);
    if (response.status >= 400 && response.status < 500) return pass(`refused: ${describe(response)}`);
    if (response.status === 200) {
      return bodyObject(response)?.client_id === client.clientId
        ? warn('200: the client_id sent was ignored, not refused')
        : fail(`200: client_id became ${JSON.stringify(bodyObject(response)?.client_id)}`);
    }
    return fail(describe(response));
  });
  await context.run(FORBIDDEN, async () => {
    const response = await send('PUT', bearer(token(managed)), {
      ...updateBody(),
      registration_access_token: 'registrar-check-chosen-token',
      registration_client_uri: `${uri}-other`,
      client_secret_expires_at: 0,
      client_id_issued_at: 0,
    });
    adopt(managed, response);
    if (response.status >= 400 && response.status < 500) return pass(`refused: ${describe(response)}`);
    return fail(`${describe(response)}: accepted`);
  });

  let deleted = false;
  await context.run(DELETE, async () => {
    const response = await send('DELETE', bearer(token(managed)));
    if (response.status === 204) {
      deleted = true;
      client.deleted = true;
      context.deleted.push(client.clientId);
      return pass('204');
    }
    if (response.status === 200) {
      deleted = true;
      client.deleted = true;
      context.deleted.push(client.clientId);
      return warn('200; RFC 7592 §2.3 answers 204');
    }
    if (response.status === 405) return pass('405: delete is not supported');
    return fail(describe(response));
  });
  await context.run(AFTER_DELETE, async () => {
    if (!deleted) return notApplicable('the client was not deleted');
    const response = await send('GET', bearer(token(managed)));
    return response.status === 401 ? pass('401') : fail(describe(response));
  });
}
