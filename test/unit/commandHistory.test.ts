import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandHistory, HISTORY_SIZE, historyFromState, withCommand, withoutCommand } from '../../src/vscode/commands/commandHistory';

describe('command history', () => {
  it('puts the newest command first', () => {
    assert.deepEqual(withCommand(['ls', 'pwd'], 'pip list'), ['pip list', 'ls', 'pwd']);
  });

  it('keeps each command once, moving a repeated one to the front', () => {
    assert.deepEqual(withCommand(['ls', 'pwd', 'make'], 'pwd'), ['pwd', 'ls', 'make']);
    assert.deepEqual(withCommand(['ls'], '  ls  '), ['ls'], 'surrounding spaces do not make a new entry');
  });

  it(`drops the oldest beyond ${HISTORY_SIZE}`, () => {
    let history: string[] = [];
    for (let i = 1; i <= HISTORY_SIZE + 5; i++) history = withCommand(history, `echo ${i}`);
    assert.equal(history.length, HISTORY_SIZE);
    assert.equal(history[0], `echo ${HISTORY_SIZE + 5}`);
    assert.equal(history.at(-1), 'echo 6');
  });

  it('ignores blank lines and removes single entries', () => {
    assert.deepEqual(withCommand(['ls'], '   '), ['ls']);
    assert.deepEqual(withoutCommand(['ls', 'pwd', 'make'], 'pwd'), ['ls', 'make']);
  });

  it('reads only strings from stored state', () => {
    assert.deepEqual(historyFromState(undefined), []);
    assert.deepEqual(historyFromState('ls'), []);
    assert.deepEqual(historyFromState(['ls', 3, null, '', 'pwd']), ['ls', 'pwd']);
  });

  it('stores through a Memento: add, remove, clear', async () => {
    const stored = new Map<string, unknown>();
    const history = new CommandHistory({ get: (key) => stored.get(key), update: async (key, value) => void stored.set(key, value) });
    await history.add('ls');
    await history.add('pwd');
    await history.add('ls');
    assert.deepEqual(history.entries, ['ls', 'pwd']);
    await history.remove('ls');
    assert.deepEqual(history.entries, ['pwd']);
    await history.clear();
    assert.deepEqual(history.entries, []);
  });
});
