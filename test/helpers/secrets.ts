// Test helpers: finding plaintext credentials in large texts (database dumps, logs) quickly.

// Minted secrets and tokens are 43 base64url characters (256 bits); client ids are 22.
const RUN = /[A-Za-z0-9_-]{22,}/g;

/**
 * The credentials from `credentials` that occur anywhere in `text`, also inside a longer run of
 * base64url characters. Every credential must be base64url and at least 22 characters long.
 */
export function credentialsIn(text: string, credentials: ReadonlySet<string>): string[] {
  const lengths = new Set([...credentials].map((credential) => credential.length));
  const found = new Set<string>();
  for (const [run] of text.matchAll(RUN)) {
    for (const length of lengths) {
      for (let start = 0; start + length <= run.length; start++) {
        const window = run.slice(start, start + length);
        if (credentials.has(window)) found.add(window);
      }
    }
  }
  return [...found];
}
