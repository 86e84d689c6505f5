// Authorization request target, the ceiling: the least an authorization endpoint must do with a
// client before it can show a consent page. It reads client_id and redirect_uri from the query,
// finds the client in a Map, compares the redirect URI exactly and answers with the client's name.
// No store, no defaults, no policy.
import { createServer } from 'node:http';
import { answerJson as answer } from './shared.mjs';

const CLIENT_ID = 'bench-app';
const clients = new Map([
  [CLIENT_ID, { client_name: 'Bench app', redirect_uris: ['https://app.example/callback'] }],
]);

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/client-id') return answer(res, 200, { client_id: CLIENT_ID });
  const client = clients.get(url.searchParams.get('client_id') ?? '');
  if (client === undefined) return answer(res, 400, { error: 'invalid_client' });
  if (!client.redirect_uris.includes(url.searchParams.get('redirect_uri') ?? ''))
    return answer(res, 400, { error: 'invalid_request' });
  answer(res, 200, { client_name: client.client_name });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
