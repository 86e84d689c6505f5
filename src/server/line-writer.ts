/**
 * Batched line output for the server's request log: lines written in one turn
 * of the event loop reach the stream in one write, not one write each.
 *
 * @module
 */

/** Pending output past which the lines are written at once, without waiting for the turn to end. */
export const LINE_WRITER_HIGH_WATER: number = 64 * 1024;

/** Where the lines go: `process.stdout`, `process.stderr`, or any stream. */
export interface LineSink {
  write(chunk: string): unknown;
  /** `false` once the stream is closed (a log reader went away): lines are then dropped. */
  readonly writable?: boolean;
}

/** Writes lines to a sink in batches; `flush` writes what is pending now. */
export interface LineWriter {
  (line: string): void;
  flush(): void;
}

/**
 * A line writer on `sink`. Lines are kept until the current turn of the event
 * loop ends (or 64 KiB are pending) and then written together, in order. What
 * is pending when the process exits is written by its `exit` handler, so a
 * line is lost only if the process is killed outright.
 */
export function createLineWriter(sink: LineSink, onExit: (flush: () => void) => void): LineWriter {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    if (sink.writable !== false) sink.write(chunk);
  };
  const writer = (line: string) => {
    pending += `${line}\n`;
    if (pending.length >= LINE_WRITER_HIGH_WATER) {
      flush();
    } else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  onExit(flush);
  return Object.assign(writer, { flush });
}
