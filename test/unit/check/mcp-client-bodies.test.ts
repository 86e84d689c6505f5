// The registration bodies the checker ships (src/check/mcp-client-bodies.ts) are the interop fixtures'
// (test/fixtures/mcp-clients): each is its fixture's body, with the fixture's redirect_uris_seen as
// redirect_uris when the recorded body names none, and every registration fixture that names redirect
// URIs is shipped. A body edited in one place and not the other fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MCP_CLIENT_BODIES } from '../../../src/check/mcp-client-bodies.js';

interface Fixture {
  readonly file: string;
  readonly client: string;
  readonly kind: string;
  readonly source: string;
  readonly body: Record<string, unknown>;
  readonly redirect_uris_seen?: string[];
}

const DIR = fileURLToPath(new URL('../../fixtures/mcp-clients/', import.meta.url));
const registrations: Fixture[] = readdirSync(DIR)
  .filter((name) => name.endsWith('.json'))
  .map((file) => ({ file, ...JSON.parse(readFileSync(join(DIR, file), 'utf8')) }) as Fixture)
  .filter((fixture) => fixture.kind === 'registration');

/** The body the checker should send for a fixture, or undefined when the fixture names no redirect URI. */
function expectedBody(fixture: Fixture): Record<string, unknown> | undefined {
  if ('redirect_uris' in fixture.body) return fixture.body;
  if (fixture.redirect_uris_seen === undefined) return undefined;
  return { ...fixture.body, redirect_uris: fixture.redirect_uris_seen };
}

/** A source without its trailing parenthesised remark. */
const bareSource = (source: string) => source.replace(/\s*\(.*\)\s*$/, '');

describe('the checker ships the fixtures’ registration bodies', () => {
  it('finds registration fixtures', () => {
    assert.ok(registrations.length >= MCP_CLIENT_BODIES.length);
  });

  for (const entry of MCP_CLIENT_BODIES) {
    it(`${entry.key} is its fixture's body, with the fixture's source`, () => {
      const fixture = registrations.find((candidate) => candidate.client === entry.client);
      assert.ok(fixture, `a registration fixture names the client "${entry.client}"`);
      assert.deepEqual(entry.body, expectedBody(fixture), `${fixture.file} and the shipped body differ`);
      assert.ok(
        entry.source.includes(bareSource(fixture.source)),
        `the shipped source "${entry.source}" names ${fixture.file}'s source "${fixture.source}"`,
      );
    });
  }

  it('every registration fixture that names redirect URIs is shipped, once', () => {
    const shipped = registrations
      .filter((fixture) => expectedBody(fixture) !== undefined)
      .map((fixture) => fixture.client)
      .sort();
    assert.deepEqual(MCP_CLIENT_BODIES.map((entry) => entry.client).sort(), shipped);
    assert.equal(new Set(MCP_CLIENT_BODIES.map((entry) => entry.key)).size, MCP_CLIENT_BODIES.length);
  });
});
