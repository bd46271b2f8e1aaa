import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage, LineSplitter, parseClientMessage, parseHostMessage } from '../../src/core/sessions/sessionProtocol';

const open = {
  op: 'open',
  containerId: 'c',
  sandboxId: 'sb-1',
  sandboxName: 'n',
  workspace: 'w',
  title: 't',
  argv: ['/bin/sh'],
  env: { TERM: 'xterm' },
  size: { cols: 80, rows: 24 },
};

describe('session protocol', () => {
  it('round-trips every client message', () => {
    for (const message of [
      { op: 'list' },
      { op: 'stats' },
      { op: 'end', sessionId: 's' },
      { op: 'attach', sessionId: 's', size: { cols: 10, rows: 5 } },
      { op: 'attach', sessionId: 's' },
      { op: 'input', data: 'aGk=' },
      { op: 'resize', size: { cols: 1, rows: 1 } },
      { op: 'kill', signal: 'HUP' },
      open,
    ] as const) {
      assert.deepEqual(parseClientMessage(encodeMessage(message as never).trim()), message);
    }
  });

  it('refuses malformed client messages field by field', () => {
    for (const line of [
      'not json',
      '[]',
      '{"op":"nope"}',
      '{"op":"end"}',
      '{"op":"attach","sessionId":1}',
      '{"op":"resize","size":{"cols":0,"rows":5}}',
      '{"op":"resize","size":{"cols":1e9,"rows":5}}',
      '{"op":"kill","signal":"HUP; rm -rf /"}',
      JSON.stringify({ ...open, argv: [] }),
      JSON.stringify({ ...open, argv: [1] }),
      JSON.stringify({ ...open, env: { A: 1 } }),
      JSON.stringify({ ...open, containerId: undefined }),
    ]) {
      assert.equal(parseClientMessage(line), null, line);
    }
  });

  it('reads host messages', () => {
    assert.deepEqual(parseHostMessage('{"ev":"ok"}'), { ev: 'ok' });
    assert.equal(parseHostMessage('{"op":"ok"}'), null);
    assert.equal(parseHostMessage('{'), null);
  });

  it('splits lines across chunks, and stops at a line that is too long', () => {
    const lines: string[] = [];
    let tooLong = 0;
    const splitter = new LineSplitter(
      (line) => lines.push(line),
      () => tooLong++,
      10,
    );
    splitter.push(Buffer.from('ab'));
    splitter.push(Buffer.from('c\nde\n\nf'));
    splitter.push(Buffer.from('g\n'));
    assert.deepEqual(lines, ['abc', 'de', 'fg']);
    splitter.push(Buffer.from('0123456789ABCDEF'));
    assert.equal(tooLong, 1);
    splitter.push(Buffer.from('\nok\n'));
    assert.deepEqual(lines, ['abc', 'de', 'fg'], 'nothing is parsed after an overlong line');
  });
});
