// The browser's part of an authorization code login against oidc-provider: follows the redirects
// of an authorization request, carrying the provider's cookies, until it reaches the client.

/** Follows `authorizationUrl` through the provider's redirects and answers the URL that reached `redirectUri`. */
export async function followLogin(authorizationUrl: URL, redirectUri: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl.href;
  for (let hop = 0; hop < 12; hop++) {
    if (url.startsWith(redirectUri)) return new URL(url);
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie === '' ? {} : { cookie } });
    for (const set of response.headers.getSetCookie()) {
      const pair = set.split(';', 1)[0] as string;
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (location === null) throw new Error(`${response.status} at ${url}: ${await response.text()}`);
    url = new URL(location, url).href;
  }
  throw new Error(`no redirect to ${redirectUri} after 12 hops`);
}
