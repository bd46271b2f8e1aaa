import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitMessage, terminalMessage, toTerminalText, Utf8StreamDecoder } from '../../src/vscode/terminal/terminalText';

function decodeInChunks(bytes: Buffer, cut: number[]): string {
  const decoder = new Utf8StreamDecoder();
  let text = '';
  let start = 0;
  for (const end of [...cut, bytes.length]) {
    text += decoder.write(bytes.subarray(start, end));
    start = end;
  }
  return text + decoder.end();
}

describe('terminal text', () => {
  it('decodes multi-byte characters split at every possible byte', () => {
    const text = 'é € 𝄞 日本 🙂\r\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.equal(decodeInChunks(bytes, [cut]), text, `split at byte ${cut}`);
    }
  });

  it('decodes a character spread over three chunks', () => {
    const bytes = Buffer.from('🙂', 'utf8');
    assert.equal(decodeInChunks(bytes, [1, 2]), '🙂');
  });

  it('holds back an incomplete character and ends it as U+FFFD', () => {
    const decoder = new Utf8StreamDecoder();
    assert.equal(decoder.write(Buffer.from([0x61, 0xe2, 0x82])), 'a');
    assert.equal(decoder.end(), '\ufffd');
  });

  it('passes strings through', () => {
    assert.equal(new Utf8StreamDecoder().write('already text'), 'already text');
  });

  it('turns bare LF into CRLF in our messages, leaving CRLF alone', () => {
    assert.equal(toTerminalText('a\nb\r\nc\n'), 'a\r\nb\r\nc\r\n');
    assert.equal(toTerminalText('no newline'), 'no newline');
  });

  it('prints the exit code on a line of its own', () => {
    assert.match(exitMessage(3), /^\r\n.*\[process exited with code 3\].*\r\n$/);
    assert.equal(terminalMessage('line1\nline2'), '\x1b[2mline1\r\nline2\x1b[0m\r\n');
  });
});
