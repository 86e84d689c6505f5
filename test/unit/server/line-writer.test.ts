// The server's batched log output: order, batching per turn, the size bound, and the exit flush.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLineWriter, LINE_WRITER_HIGH_WATER } from '../../../src/server/line-writer.js';

function recorder() {
  const writes: string[] = [];
  let exitFlush: (() => void) | undefined;
  const writer = createLineWriter({ write: (chunk) => writes.push(chunk) }, (flush) => {
    exitFlush = flush;
  });
  return { writes, writer, exit: () => exitFlush?.() };
}

describe('createLineWriter', () => {
  it('writes the lines of one turn together, in order, once the turn ends', async () => {
    const { writes, writer } = recorder();
    writer('one');
    writer('two');
    writer('three');
    assert.deepEqual(writes, [], 'nothing is written during the turn');
    await nextTurn();
    assert.deepEqual(writes, ['one\ntwo\nthree\n']);
    writer('four');
    await nextTurn();
    assert.deepEqual(writes, ['one\ntwo\nthree\n', 'four\n']);
  });

  it('writes at once when the pending lines pass the size bound', () => {
    const { writes, writer } = recorder();
    const line = 'x'.repeat(1023);
    const count = LINE_WRITER_HIGH_WATER / 1024;
    for (let i = 0; i < count; i++) writer(line);
    assert.equal(writes.length, 1);
    assert.equal(writes[0]?.length, LINE_WRITER_HIGH_WATER);
  });

  it('writes what is pending when the process exits', () => {
    const { writes, writer, exit } = recorder();
    writer('last words');
    exit();
    assert.deepEqual(writes, ['last words\n']);
  });

  it('drops the lines once the sink is closed, instead of writing to it', async () => {
    const writes: string[] = [];
    const sink = { writable: true, write: (chunk: string) => writes.push(chunk) };
    const writer = createLineWriter(sink, () => {});
    writer('kept');
    await nextTurn();
    sink.writable = false;
    writer('dropped');
    await nextTurn();
    writer.flush();
    assert.deepEqual(writes, ['kept\n']);
  });

  it('loses no line when a process exits in the same turn as it logs', () => {
    const module = fileURLToPath(new URL('../../../src/server/line-writer.ts', import.meta.url));
    const script = `
      import { createLineWriter } from ${JSON.stringify(module)};
      const log = createLineWriter(process.stdout, (flush) => process.on('exit', flush));
      for (let i = 0; i < 3; i++) log('line ' + i);
      process.exit(3);
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 3, result.stderr);
    assert.equal(result.stdout, 'line 0\nline 1\nline 2\n');
  });
});
