// Target (a), the ceiling: the least any registration endpoint must do. It reads and parses the
// JSON body, mints a client id, a secret and a registration access token from the CSPRNG, hashes
// them with SHA-256, and answers 201 with the document and the credentials. No validation, no store.
// Plain JavaScript, run by plain Node, like every bench target.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const hash = (value) => `sha256:${createHash('sha256').update(value).digest('base64url')}`;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const clientId = randomBytes(16).toString('base64url');
    const clientSecret = randomBytes(32).toString('base64url');
    const registrationAccessToken = randomBytes(32).toString('base64url');
    // The hashes a store would receive; computing them is the cost being measured.
    for (const credential of [clientId, clientSecret, registrationAccessToken]) hash(credential);
    const body = JSON.stringify({
      ...document,
      client_id: clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      client_secret: clientSecret,
      client_secret_expires_at: 0,
      registration_access_token: registrationAccessToken,
    });
    res.writeHead(201, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
