// The fixtures of what MCP clients send (test/fixtures/mcp-clients) are well formed: every file parses,
// names its client, kind, source and retrieval date, carries a JSON object as body, a metadata document
// names its URL as client_id (equal to the body's client_id when the body has one), and the README lists
// every file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/mcp-clients/', import.meta.url));
const files = readdirSync(DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();
const readme = readFileSync(join(DIR, 'README.md'), 'utf8');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

describe('MCP client fixtures', () => {
  it('has fixtures', () => {
    assert.ok(files.length > 0);
  });

  for (const name of files) {
    it(`${name} is a well-formed fixture`, () => {
      const fixture: unknown = JSON.parse(readFileSync(join(DIR, name), 'utf8'));
      assert.ok(isObject(fixture), 'the fixture is a JSON object');
      for (const key of ['client', 'source', 'retrieved', 'notes']) {
        assert.equal(typeof fixture[key], 'string', `${key} is a string`);
        assert.notEqual(fixture[key], '', `${key} is not empty`);
      }
      assert.match(String(fixture.retrieved), /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(fixture.kind === 'registration' || fixture.kind === 'metadata-document', 'kind');
      assert.ok(isObject(fixture.body), 'body is a JSON object');
      assert.ok(Object.keys(fixture.body).length > 0, 'body is not empty');
      if (fixture.redirect_uris_seen !== undefined) {
        assert.ok(Array.isArray(fixture.redirect_uris_seen));
        for (const uri of fixture.redirect_uris_seen) assert.equal(typeof uri, 'string');
      }
      if (fixture.kind === 'metadata-document') {
        assert.equal(typeof fixture.client_id, 'string', 'a metadata document names its URL');
        if ('client_id' in fixture.body) assert.equal(fixture.body.client_id, fixture.client_id);
      } else {
        assert.equal(fixture.client_id, undefined, 'a registration has no client_id URL');
      }
    });

    it(`the README lists ${name}`, () => {
      assert.ok(readme.includes(`\`${name}\``));
    });
  }
});
