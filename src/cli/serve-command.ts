/**
 * `registrar serve`: runs the server until SIGTERM or SIGINT, with one log
 * line per request on stdout.
 *
 * @module
 */

import type { Logger } from '../core/events.js';
import { createLineWriter } from '../server/line-writer.js';
import { createServerLogger } from '../server/logger.js';
import type { CommandOptions } from '../server/options.js';
import { serve } from '../server/serve.js';

/**
 * A log reader that goes away (a closed pipe, `registrar serve | head`) must
 * not stop the server: errors on stdout and stderr are absorbed, and the loss
 * of stdout is said once on stderr while stderr is still open.
 */
function keepServingWithoutOutput(logger: Logger): void {
  let stderrOpen = true;
  let stdoutLost = false;
  process.stderr.on('error', () => {
    stderrOpen = false;
  });
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (stdoutLost) return;
    stdoutLost = true;
    if (stderrOpen) {
      logger.warn({
        msg: 'stdout is closed: request log lines are lost from now on',
        code: error.code ?? 'unknown',
      });
    }
  });
}

/** Serves until a signal; resolves to the exit code. */
export async function serveCommand(options: CommandOptions, err: (line: string) => void): Promise<number> {
  // One line per request: batched per turn of the event loop, not one write each.
  const log = createLineWriter(process.stdout, (flush) => process.on('exit', flush));
  const logger = createServerLogger({ out: log, err }, options.logLevel);
  keepServingWithoutOutput(logger);
  // A signal while the server is still starting (waiting for the database) ends it at once:
  // it has answered nothing but 503s, so there is nothing to drain.
  const early = (signal: string) => {
    logger.info({ msg: 'shutting down', signal });
    process.exit(0);
  };
  const onTerm = () => early('SIGTERM');
  const onInt = () => early('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  const running = await serve(options, logger);
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ msg: 'shutting down', signal });
      running.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
