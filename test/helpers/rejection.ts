// Test helper: the error a promise rejects with, checked to be of the expected class.
import assert from 'node:assert/strict';

/** Awaits `promise` and returns what it rejected with, failing the test if it resolved or threw another kind. */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  kind: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof kind, String(error));
    return error;
  }
  assert.fail(`expected a ${kind.name}, but the promise resolved`);
}
