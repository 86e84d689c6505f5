// The registration request every throughput target receives: what a confidential web client sends.
// Every member is one Registrar, the ceiling and oidc-provider all accept as is.

/** A realistic client metadata document (RFC 7591 §2). */
export const BENCH_DOCUMENT = {
  client_name: 'Acme Notes',
  'client_name#fr': 'Notes Acme',
  client_uri: 'https://notes.acme.example/',
  logo_uri: 'https://notes.acme.example/static/logo.png',
  tos_uri: 'https://notes.acme.example/legal/terms',
  policy_uri: 'https://notes.acme.example/legal/privacy',
  redirect_uris: ['https://notes.acme.example/oauth/callback', 'https://app.acme.example/auth/return'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile email offline_access',
  contacts: ['ops@acme.example', 'security@acme.example'],
  software_id: '4NRB1-0XZABZI9E6-5SM3R',
  software_version: '2.4.1',
} as const;

/** The document as sent on the wire. */
export const BENCH_BODY = JSON.stringify(BENCH_DOCUMENT);
