import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LEAVE_THEM_OUT, WRITE_THEM, answerOf, configFolderQuestion } from '../../src/vscode/files/configFolderPrompt';

describe('Download from Sandbox: the question before .git and .vscode are written', () => {
  it('names the folders and the hooks, and says why', () => {
    const q = configFolderQuestion({ folders: ['.git', '.vscode'], hooks: ['.git/hooks/pre-commit'] });
    assert.equal(q.message, 'The download contains .git, .vscode, with git hooks (.git/hooks/pre-commit). Write them to this machine?');
    assert.match(q.detail, /code from the sandbox could run on this machine/);
    assert.equal(configFolderQuestion({ folders: ['.vscode'], hooks: [] }).message, 'The download contains .vscode. Write it to this machine?');
    assert.match(configFolderQuestion({ folders: ['a', 'b', 'c', 'd', 'e', 'f'], hooks: [] }).message, /a, b, c, d and 2 more/);
  });

  it('maps the buttons; dismissing is no answer (the download is cancelled)', () => {
    assert.equal(answerOf(WRITE_THEM), 'write');
    assert.equal(answerOf(LEAVE_THEM_OUT), 'skip');
    assert.equal(answerOf(undefined), undefined);
  });
});
