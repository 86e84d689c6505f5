// Refusal targets, the bare servers: the least a registration server must do to give each refusal
// the refusal bench measures. Usage: node refusal-bare.mjs 429|400|401.
// 429: the address has used its registrations this window (a Map of per-address counters); the
//      answer is sent without reading the body.
// 400: the body is read and parsed, and grant_types is not an array: invalid_client_metadata.
// 401: GET on the one client's management URI with a bearer token whose SHA-256 does not match
//      the stored one (compared in constant time). POST /oauth/register names that URI, as a
//      registration answer would.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { answerJson } from './shared.mjs';

const mode = process.argv[2];
const CLIENT_PATH = '/oauth/register/bench-client';
const tokenHash = createHash('sha256').update(randomBytes(32).toString('base64url')).digest();
const windows = new Map();

/** A JSON answer, never cached, as a registration server's refusals are. */
const answer = (res, status, body, headers = {}) =>
  answerJson(res, status, body, { ...headers, 'cache-control': 'no-store' });

function readBody(req, then) {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => then(Buffer.concat(chunks).toString('utf8')));
}

const server = createServer((req, res) => {
  if (mode === '429') {
    const address = req.socket.remoteAddress ?? '';
    const used = (windows.get(address) ?? 0) + 1;
    windows.set(address, used);
    return answer(
      res,
      429,
      { error: 'too_many_requests', error_description: 'Too many registrations from this address.' },
      { 'retry-after': '3600' },
    );
  }
  if (mode === '400') {
    return readBody(req, (text) => {
      const metadata = JSON.parse(text);
      if (!Array.isArray(metadata.grant_types))
        return answer(res, 400, {
          error: 'invalid_client_metadata',
          error_description: 'grant_types must be an array of strings.',
        });
      answer(res, 201, { client_id: 'never' });
    });
  }
  if (req.method === 'POST') {
    return readBody(req, () =>
      answer(res, 201, { registration_client_uri: `http://${req.headers.host}${CLIENT_PATH}` }),
    );
  }
  const header = req.headers.authorization ?? '';
  const presented = createHash('sha256')
    .update(header.startsWith('Bearer ') ? header.slice(7) : '')
    .digest();
  if (req.url !== CLIENT_PATH || !timingSafeEqual(presented, tokenHash))
    return answer(
      res,
      401,
      { error: 'invalid_token' },
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    );
  answer(res, 200, {});
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
