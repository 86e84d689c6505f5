// Test helpers: the real browser the console suite drives, Debian's chromium package through
// playwright-core, and where its screenshots go.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** The browser's executable: Debian's chromium, or the one REGISTRAR_TEST_CHROMIUM names (as the test runner reads it). */
export const CHROMIUM: string = process.env.REGISTRAR_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The switches for a headless run that talks to nothing but the server under test: no sandbox
 * (containers run as root), no GPU, no QUIC, no first-run, background, component or sync traffic.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches chromium headless with a fresh profile (playwright makes a new --user-data-dir per launch). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** The folder the console suite writes its screenshots to (gitignored), made when missing. */
export function artifactsDir(): string {
  const dir = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The path of the screenshot `name` in the artifacts folder. */
export function screenshotPath(name: string): string {
  return join(artifactsDir(), `${name}.png`);
}
