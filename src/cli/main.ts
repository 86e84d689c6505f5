#!/usr/bin/env node

/**
 * The `registrar` command: parses with the commander program of
 * `program.ts`, and turns what failed into one line on stderr and an exit
 * code: 2 for bad usage or configuration, 1 for a command that could not do
 * its work (docs/operations.md#the-registrar-command).
 *
 * @module
 */

import { CommanderError } from 'commander';
import { ConfigurationError, RegistrationError } from '../core/errors.js';
import { StoreAccessError } from '../server/open-store.js';
import { DatabaseUnreachableError } from '../server/serve.js';
import { streamOutput } from './output.js';
import { createProgram } from './program.js';

const output = streamOutput(process.stdout, process.stderr);
// A reader that goes away (`registrar --help | head`) loses the rest of the output, not the
// command: a write to the closed pipe fails quietly and the command ends as it would have.
// `serve` adds its own handlers, which say so once and keep the server serving.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

/** The exit code and the line for what a command threw. */
function failure(error: unknown): { code: number; line?: string } {
  if (error instanceof CommanderError) {
    // Commander has written its own line (or the help, or the version) already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { code: 0 };
    return { code: 2 };
  }
  if (error instanceof ConfigurationError) return { code: 2, line: error.message };
  if (error instanceof StoreAccessError || error instanceof DatabaseUnreachableError) {
    return { code: 1, line: error.message };
  }
  // A server error's description says nothing to an operator; its cause does.
  const shown =
    error instanceof RegistrationError && error.status >= 500 && error.cause instanceof Error
      ? error.cause
      : error;
  return { code: 1, line: shown instanceof Error ? shown.message : String(shown) };
}

const program = createProgram({
  output,
  env: process.env,
  terminal: process.stderr,
  exit(code) {
    process.exitCode = code;
  },
});
program.parseAsync(process.argv).catch((error: unknown) => {
  const { code, line } = failure(error);
  if (line !== undefined) output.err(`registrar: ${line}`);
  process.exitCode = code;
});
