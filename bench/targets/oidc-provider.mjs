// Target (e): oidc-provider's registration endpoint (OpenID Connect Dynamic Client Registration),
// configured to accept the bench document as sent: dynamic registration open (no initial access
// token), management enabled so it issues a registration access token as Registrar does, the
// scopes the document asks for, and its bundled in-memory adapter (an LRU of 1,000 entries).
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const server = createServer();
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    features: {
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: true },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      devInteractions: { enabled: false },
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
    cookies: { keys: ['bench-cookie-key-not-a-secret'] },
    routes: { registration: '/oauth/register' },
  });
  server.on('request', provider.callback());
  console.log(JSON.stringify({ msg: 'listening', url: issuer }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
