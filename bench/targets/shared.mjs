// What the bench targets share: a store from its command-line spec, and a JSON answer.

/**
 * The bundled store a spec names: memory:, sqlite:PATH, or a postgres:// URL with its schema,
 * migrated where the store has migrations.
 */
export async function openBenchStore(spec, schema) {
  const store =
    spec === 'memory:'
      ? (await import('../../dist/store/memory.js')).createMemoryStore()
      : spec.startsWith('sqlite:')
        ? (await import('../../dist/store/sqlite.js')).createSqliteStore({
            filename: spec.slice('sqlite:'.length),
          })
        : (await import('../../dist/store/postgres.js')).createPostgresStore({
            connectionString: spec,
            schema,
          });
  if (typeof store.migrate === 'function') await store.migrate();
  return store;
}

/** Answers `body` as JSON with `status`, its length and any `headers` given. */
export function answerJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
