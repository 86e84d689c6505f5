/**
 * A one-line progress display for long CLI operations: shown only on a
 * terminal, and only once the operation has run longer than a delay, so
 * quick runs and redirected output stay clean.
 *
 * @module
 */

/** What the display writes to: stderr, usually. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** A running progress display. */
export interface Progress {
  /** Records the current count; redraws the line once the display is showing. */
  update(count: number): void;
  /** Stops the display and ends its line, if it was shown. */
  done(): void;
}

/**
 * Starts a display rendering `render(count)`; it appears after `delayMs`
 * (default 1000) on a TTY. The delay is checked on every update, because a
 * synchronous store (SQLite) may never yield to a timer, and by a timer, for
 * a store that is slow to answer even one call.
 */
export function startProgress(
  stream: ProgressStream,
  render: (count: number) => string,
  options: { delayMs?: number; now?: () => number } = {},
): Progress {
  const tty = stream.isTTY === true;
  const delayMs = options.delayMs ?? 1000;
  const now = options.now ?? Date.now;
  const started = now();
  let count = 0;
  let shown = false;
  const draw = () => stream.write(`\r${render(count)}`);
  const timer = tty
    ? setTimeout(() => {
        shown = true;
        draw();
      }, delayMs)
    : undefined;
  timer?.unref();
  return {
    update(next) {
      count = next;
      if (tty && !shown && now() - started >= delayMs) shown = true;
      if (shown) draw();
    },
    done() {
      if (timer !== undefined) clearTimeout(timer);
      if (shown) stream.write('\n');
      shown = false;
    },
  };
}
