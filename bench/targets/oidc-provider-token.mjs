// Token target (c): oidc-provider's token endpoint for client_credentials with one static client
// authenticating with client_secret_basic, and its bundled in-memory adapter (where it keeps the
// access tokens it issues). Env: BENCH_CLIENT_ID and BENCH_CLIENT_SECRET name the client.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const server = createServer();
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: process.env.BENCH_CLIENT_ID,
        client_secret: process.env.BENCH_CLIENT_SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    cookies: { keys: ['bench-cookie-key-not-a-secret'] },
  });
  server.on('request', provider.callback());
  console.log(JSON.stringify({ msg: 'listening', url: issuer }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
