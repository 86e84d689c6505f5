// The admin API as the console calls it. The admin token lives in sessionStorage (this tab only,
// gone when the tab closes) and travels in the Authorization header of each call, never in a
// cookie: a page on another site cannot make the browser attach it, which is the console's
// defence against cross-site request forgery.

const TOKEN_KEY = 'registrar.adminToken';
const API = '/admin/v1';

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** A refused call: the HTTP status, the API's error code and its description. */
export class ApiError extends Error {
  constructor(status, body) {
    const code = typeof body?.error === 'string' ? body.error : undefined;
    const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
    super(description ?? (code ? `${code} (HTTP ${status})` : `The admin API answered HTTP ${status}.`));
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls `method path` under /admin/v1 with the saved token (or `token`), sending `body` as JSON.
 * Resolves to the parsed answer (`null` for 204); rejects with an ApiError for any other status.
 */
export async function call(method, path, { body, token = savedToken() } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${API}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    redirect: 'error',
  });
  const text = await response.text();
  let data = null;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** The path of one client under /admin/v1: ids may be URLs (metadata documents), so it is encoded. */
export function clientPath(clientId, rest = '') {
  return `/clients/${encodeURIComponent(clientId)}${rest}`;
}
