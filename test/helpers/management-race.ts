// Test helpers: concurrent PUT, DELETE and GET on one client through two `registrar serve`
// processes sharing one database (RFC 7592 §2.2: of concurrent updates with one token only one wins;
// docs/store-contract.md: deletes are atomic). REGISTRAR_LONG_TESTS=1 runs 500 rounds instead of 30.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { BundledStore } from '../../src/store/bundled-store.js';
import type { ServeProcess } from './cli.js';

const ROUNDS = process.env.REGISTRAR_LONG_TESTS === '1' ? 500 : 30;

type Json = Record<string, unknown>;
interface Outcome {
  readonly operation: string;
  readonly status: number;
  readonly json: Json;
}

const stateOf = (name: string) => ({
  client_name: name,
  redirect_uris: [`https://${name}.example.org/cb`],
});
const sha256 = (value: string) => `sha256:${createHash('sha256').update(value).digest('base64url')}`;

/**
 * Runs the rounds against two instances sharing `store`'s database, checking every answer and,
 * through `store`, the final stored state of each round's client.
 */
export async function race(instances: [ServeProcess, ServeProcess], store: BundledStore): Promise<void> {
  const [a, b] = instances;
  let updatesWon = 0;
  let deletesWon = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const created = await fetch(`${a.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(stateOf('original')),
    });
    assert.equal(created.status, 201);
    const client = (await created.json()) as Json;
    const path = new URL(client.registration_client_uri as string).pathname;
    const token = client.registration_access_token as string;
    // A delete needs less work than an update, so it would always win a fair start; in most
    // rounds the deletes leave a few milliseconds later, which lets either kind win.
    const deleteDelay = [0, 2, 5, 10, 30][round % 5] as number;
    const send = async (server: ServeProcess, operation: string, method: string, body?: Json) => {
      if (operation === 'delete' && deleteDelay > 0)
        await new Promise((resolve) => setTimeout(resolve, deleteDelay));
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { operation, status: response.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
    };
    const puts = [0, 1, 2, 3].map((k) => `put-${round}-${k}`);
    const outcomes: Outcome[] = await Promise.all([
      ...puts.map((name, k) =>
        send(k % 2 === 0 ? a : b, name, 'PUT', { client_id: client.client_id, ...stateOf(name) }),
      ),
      send(round % 2 === 0 ? a : b, 'delete', 'DELETE'),
      send(round % 2 === 0 ? b : a, 'delete', 'DELETE'),
      ...[a, b, a, b].map((server) => send(server, 'get', 'GET')),
    ]);

    const allowed: Record<string, number[]> = { get: [200, 401], delete: [204, 401] };
    for (const outcome of outcomes) {
      assert.ok(outcome.status < 500, `${outcome.operation} answered ${outcome.status}`);
      assert.ok((allowed[outcome.operation] ?? [200, 401]).includes(outcome.status), JSON.stringify(outcome));
      if (outcome.status === 200) {
        // A read or an update answer shows one whole submitted state, never a mixture.
        const name = outcome.json.client_name as string;
        assert.ok(name === 'original' || puts.includes(name), `a submitted state: ${name}`);
        assert.deepEqual(outcome.json.redirect_uris, stateOf(name).redirect_uris);
      }
    }
    const wonUpdates = outcomes.filter((o) => o.operation.startsWith('put') && o.status === 200);
    const wonDeletes = outcomes.filter((o) => o.operation === 'delete' && o.status === 204);
    assert.ok(wonUpdates.length <= 1, 'of concurrent updates with one token at most one wins');
    assert.ok(wonDeletes.length <= 1, 'of concurrent deletes at most one wins');
    assert.ok(wonUpdates.length + wonDeletes.length >= 1, 'the first write to arrive wins');
    updatesWon += wonUpdates.length;
    deletesWon += wonDeletes.length;

    const final = await store.loadClient(client.client_id as string);
    if (wonDeletes.length === 1) {
      assert.equal(final, null, 'a client whose delete succeeded stays deleted');
    } else {
      assert.ok(final, 'no delete succeeded, so the client exists');
      const winner = wonUpdates[0];
      const name = winner ? winner.operation : 'original';
      assert.equal(final.metadata.client_name, name, 'the final state is the winning submission');
      assert.deepEqual(final.metadata.redirect_uris, stateOf(name).redirect_uris);
      const expectedToken = winner ? (winner.json.registration_access_token as string) : token;
      assert.equal(final.registration_access_token_hash, sha256(expectedToken));
    }
  }
  assert.ok(
    updatesWon > 0 && deletesWon > 0,
    `both kinds of winner occur (${updatesWon} updates, ${deletesWon} deletes)`,
  );
}
