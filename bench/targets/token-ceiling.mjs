// Token target (a), the ceiling: the least a token endpoint must do for client_credentials with
// client_secret_basic. It reads the form, decodes the Basic credentials (form-decoded, RFC 6749
// §2.3.1), hashes the secret with SHA-256, compares the hash in constant time with the one it
// keeps, and mints an opaque access token. No store, no lookup beyond one comparison.
// Env: BENCH_CLIENT_ID and BENCH_CLIENT_SECRET name the one client.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { answerJson } from './shared.mjs';

const clientId = process.env.BENCH_CLIENT_ID;
const secretHash = createHash('sha256').update(process.env.BENCH_CLIENT_SECRET).digest();

/** A JSON answer, never cached, as a token endpoint's are (RFC 6749 §5.1). */
const answer = (res, status, body) => answerJson(res, status, body, { 'cache-control': 'no-store' });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials')
      return answer(res, 400, { error: 'unsupported_grant_type' });
    const header = req.headers.authorization ?? '';
    const decoded = header.startsWith('Basic ')
      ? Buffer.from(header.slice(6), 'base64').toString('utf8')
      : '';
    const colon = decoded.indexOf(':');
    const id = decodeURIComponent(decoded.slice(0, colon));
    const presented = createHash('sha256')
      .update(decodeURIComponent(decoded.slice(colon + 1)))
      .digest();
    if (colon < 0 || id !== clientId || !timingSafeEqual(presented, secretHash))
      return answer(res, 401, { error: 'invalid_client' });
    answer(res, 200, {
      access_token: randomBytes(32).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 3600,
    });
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
