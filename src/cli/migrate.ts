/**
 * `registrar migrate`: brings the configured store's schema up to date, for
 * deployments that migrate in a separate step and start instances with
 * `--no-migrate`.
 *
 * @module
 */

import type { Logger } from '../core/events.js';
import type { CommandOptions } from '../server/options.js';
import { openMigratedStore } from '../server/serve.js';
import type { Output } from './output.js';

/** Runs `registrar migrate`; resolves to the exit code. */
export async function migrateCommand(options: CommandOptions, output: Output): Promise<number> {
  const warn = (record: Record<string, unknown>) => output.err(JSON.stringify({ level: 'warn', ...record }));
  const quiet: Logger = { info: () => undefined, warn, error: warn };
  // One line per migration, as it starts: a migration over a large table can take a while.
  const opened = await openMigratedStore({ ...options, migrate: true }, quiet, ({ version, name }) =>
    output.err(`applying migration ${version} (${name})`),
  );
  try {
    const { migration, description } = opened;
    if (options.json) {
      await output.out(
        JSON.stringify({
          store: description,
          applied: migration?.applied ?? [],
          ...(migration ? { version: migration.version } : {}),
        }),
      );
    } else if (!migration) {
      // SQLite applies its migrations whenever the file is opened; memory has no schema.
      await output.out(`${description}: nothing to migrate separately; it is current once opened.`);
    } else if (migration.applied.length === 0) {
      await output.out(`${description}: already at version ${migration.version}; nothing to apply.`);
    } else {
      await output.out(
        `${description}: applied ${migration.applied.join(', ')}; now at version ${migration.version}.`,
      );
    }
    return 0;
  } finally {
    await opened.store.close();
  }
}
