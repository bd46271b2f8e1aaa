/**
 * The `sandbox:` file system: files inside a running sandbox, opened, edited and saved like local
 * ones and browsable in the Explorer (`sandbox://<sandbox-id>/<absolute path>`). Every operation
 * goes through the engine's `sandbox.files` (the Docker API, no mount needed); engine errors
 * become the `FileSystemError` kinds the editor acts on (fileErrors.ts).
 *
 * Change events are fired for what goes through this extension (saves, Explorer operations,
 * uploads). Docker has no file events, so what programs inside the sandbox change is noticed by
 * polling — only the sandbox files open as documents, every few seconds while the window has
 * focus (statPoller.ts), so an editor shows what an agent or a build just wrote; polling folder
 * trees through execs would cost far more than it is worth, so the Explorer shows such changes on
 * refresh. VS Code's own watch requests are not used for this: for a workspace folder it asks
 * for one recursive watch, which says nothing about which files are open.
 */
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { SandboxFiles } from '../../core/types';
import type { SandboxClientService } from '../client';
import { Disposable, toDisposable } from '../dispose';
import { errorLogText } from '../errors';
import type { ExtensionLog } from '../log';
import { plainText } from '../untrustedText';
import { mapFileError } from './fileErrors';
import { formatBytes } from './fileFormat';
import { editorStat, type EditorStat } from './fileStats';
import { SANDBOX_SCHEME, sandboxLocation, sandboxUriParts, type SandboxLocation } from './sandboxUri';
import { StatPoller, type PolledChange, type StatSignature } from './statPoller';

/**
 * Largest file the editor reads from a sandbox. The whole file crosses Docker's API and the
 * extension host's memory before the editor shows a byte; past this, refusing with a way out
 * (download it) beats an editor that seems to hang.
 */
const MAX_EDITOR_FILE_BYTES = 50 * 1024 * 1024;

/** How often watched files are looked at for changes made inside the sandbox. */
const POLL_INTERVAL_MS = 5000;

const CHANGE_TYPES: Record<PolledChange['type'], vscode.FileChangeType> = {
  changed: vscode.FileChangeType.Changed,
  created: vscode.FileChangeType.Created,
  deleted: vscode.FileChangeType.Deleted,
};

const TYPES: Record<EditorStat['type'], vscode.FileType> = {
  file: vscode.FileType.File,
  directory: vscode.FileType.Directory,
  symlink: vscode.FileType.SymbolicLink,
  other: vscode.FileType.Unknown,
};

export function sandboxUri(sandboxId: string, path: string): vscode.Uri {
  return vscode.Uri.from(sandboxUriParts(sandboxId, path));
}

export class SandboxFileSystemProvider extends Disposable implements vscode.FileSystemProvider {
  private readonly onDidChangeFileEmitter = this._register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.onDidChangeFileEmitter.event;

  /** Handles by sandbox id: `fromId` is a Docker round trip the editor should not pay per stat. */
  private readonly sandboxes = new Map<string, Promise<Sandbox>>();
  private readonly poller = new StatPoller((key) => this.signature(vscode.Uri.parse(key)));
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly polledDocuments = new Map<vscode.TextDocument, () => void>();

  constructor(
    private readonly clients: SandboxClientService,
    private readonly log: ExtensionLog,
  ) {
    super();
    this._register(vscode.workspace.registerFileSystemProvider(SANDBOX_SCHEME, this, { isCaseSensitive: true }));
    this._register(clients.onDidChangeClient(() => this.sandboxes.clear()));
    this._register(toDisposable(() => clearInterval(this.pollTimer)));
    this._register(vscode.workspace.onDidOpenTextDocument((document) => this.pollDocument(document)));
    this._register(vscode.workspace.onDidCloseTextDocument((document) => this.stopPollingDocument(document)));
    vscode.workspace.textDocuments.forEach((document) => this.pollDocument(document));
  }

  /** Tells editors and the Explorer that something changed under `uri` (e.g. after an upload). */
  notifyChanged(uri: vscode.Uri, type = vscode.FileChangeType.Changed): void {
    this.onDidChangeFileEmitter.fire([{ type, uri }]);
  }

  /** Nothing to subscribe to: see the file comment for what is polled instead. */
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => {});
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.run('stat', uri, async (files, { path }) => toFileStat(await editorStat(files, await files.stat(path))));
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.run('readDirectory', uri, async (files, { path }) => {
      const entries = await files.list(path);
      // Only links need a second look (what they point to); plain entries are typed already.
      return Promise.all(entries.map(async (entry): Promise<[string, vscode.FileType]> => [entry.name, toFileType(await editorStat(files, entry))]));
    });
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.run('readFile', uri, async (files, { path }) => {
      try {
        return await files.read(path, { maxBytes: MAX_EDITOR_FILE_BYTES });
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'FILE_TOO_LARGE') throw err;
        const size = await files.stat(path).then(
          (stat) => ` (${formatBytes(stat.size)})`,
          () => '',
        );
        // No FileSystemError kind means "too large"; a plain one carries the message to the editor.
        throw new vscode.FileSystemError(
          plainText(
            `${path}${size} is larger than ${formatBytes(MAX_EDITOR_FILE_BYTES)}, the most the editor opens from a sandbox. Copy it to this machine with "Sandboxes: Download from Sandbox…" and open the copy.`,
          ),
        );
      }
    });
  }

  writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    return this.run('writeFile', uri, async (files, { path }) => {
      await files.write(path, Buffer.from(content.buffer, content.byteOffset, content.byteLength), { create: options.create, overwrite: options.overwrite });
      // A write that may not overwrite made a new file; otherwise it is a change as far as anyone can tell without another exec.
      this.notifyChanged(uri, options.create && !options.overwrite ? vscode.FileChangeType.Created : vscode.FileChangeType.Changed);
    });
  }

  createDirectory(uri: vscode.Uri): Promise<void> {
    return this.run('createDirectory', uri, async (files, { path }) => {
      await files.mkdir(path);
      this.notifyChanged(uri, vscode.FileChangeType.Created);
    });
  }

  delete(uri: vscode.Uri, options: { readonly recursive: boolean }): Promise<void> {
    return this.run('delete', uri, async (files, { path }) => {
      await files.remove(path, { recursive: options.recursive });
      this.notifyChanged(uri, vscode.FileChangeType.Deleted);
    });
  }

  rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { readonly overwrite: boolean }): Promise<void> {
    return this.run('rename', oldUri, async (files, from) => {
      const to = sandboxLocation(newUri);
      if (to.sandboxId !== from.sandboxId) {
        // VS Code copies and deletes when a provider refuses a move; it cannot between sandboxes, so say why.
        throw vscode.FileSystemError.NoPermissions(plainText(`Cannot move ${from.path} from sandbox ${from.sandboxId} to sandbox ${to.sandboxId}: copy it instead.`));
      }
      await files.rename(from.path, to.path, { overwrite: options.overwrite });
      this.onDidChangeFileEmitter.fire([
        { type: vscode.FileChangeType.Deleted, uri: oldUri },
        { type: vscode.FileChangeType.Created, uri: newUri },
      ]);
    });
  }

  /** Sandbox documents are polled from their opening to their closing. */
  private pollDocument(document: vscode.TextDocument): void {
    if (document.uri.scheme !== SANDBOX_SCHEME || this.polledDocuments.has(document)) return;
    this.polledDocuments.set(document, this.poller.add(document.uri.toString()));
    this.schedulePolling();
  }

  private stopPollingDocument(document: vscode.TextDocument): void {
    this.polledDocuments.get(document)?.();
    if (this.polledDocuments.delete(document)) this.schedulePolling();
  }

  /** A timer only while something is watched. */
  private schedulePolling(): void {
    if (this.poller.size > 0 && !this.pollTimer && !this.isDisposed) {
      this.pollTimer = setInterval(() => void this.pollWatched(), POLL_INTERVAL_MS);
    } else if (this.poller.size === 0 && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  private async pollWatched(): Promise<void> {
    // A window in the background has no one looking: its editors catch up when it is focused again.
    if (!vscode.window.state.focused) return;
    const changes = await this.poller.poll();
    if (changes.length > 0 && !this.isDisposed) {
      this.onDidChangeFileEmitter.fire(changes.map(({ key, type }) => ({ type: CHANGE_TYPES[type], uri: vscode.Uri.parse(key) })));
    }
  }

  /** What the poller compares; `undefined` when the file is gone, a throw when it cannot tell. */
  private async signature(uri: vscode.Uri): Promise<StatSignature | undefined> {
    const { sandboxId, path } = sandboxLocation(uri);
    const files = await this.files(sandboxId);
    try {
      const stat = await editorStat(files, await files.stat(path));
      return { mtimeMs: stat.mtimeMs, size: stat.size };
    } catch (err) {
      if ((err as { code?: unknown }).code === 'FILE_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** The engine's file API of a URI's sandbox; the handle is cached until an operation says the sandbox is gone. */
  private files(sandboxId: string): Promise<SandboxFiles> {
    let sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) {
      const lookup = this.clients.fromId(sandboxId);
      this.sandboxes.set(sandboxId, lookup);
      // A failed lookup is not remembered (Docker may have been restarting): the next operation asks again.
      lookup.catch(() => {
        if (this.sandboxes.get(sandboxId) === lookup) this.sandboxes.delete(sandboxId);
      });
      sandbox = lookup;
    }
    return sandbox.then((s) => s.files);
  }

  private async run<T>(operation: string, uri: vscode.Uri, body: (files: SandboxFiles, location: SandboxLocation) => Promise<T>): Promise<T> {
    try {
      const location = sandboxLocation(uri);
      return await body(await this.files(location.sandboxId), location);
    } catch (err) {
      if (err instanceof vscode.FileSystemError) throw err;
      const code = (err as { code?: unknown }).code;
      if (code === 'NOT_FOUND' || code === 'NOT_RUNNING') {
        this.sandboxes.delete(uri.authority.toLowerCase());
      }
      const { kind, message } = mapFileError(err);
      if (kind === 'Unknown') {
        this.log.failure(`${operation} ${uri.toString(true)}`, err);
      } else {
        this.log.debug(`${operation} ${uri.toString(true)}: ${kind}: ${errorLogText(err)}`);
      }
      throw kind === 'Unknown' ? new vscode.FileSystemError(message) : vscode.FileSystemError[kind](message);
    }
  }
}

function toFileType(stat: EditorStat): vscode.FileType {
  return TYPES[stat.type] | (stat.isLink ? vscode.FileType.SymbolicLink : 0);
}

function toFileStat(stat: EditorStat): vscode.FileStat {
  return {
    type: toFileType(stat),
    // The engine knows no creation time; VS Code uses ctime only to tell versions apart.
    ctime: stat.mtimeMs,
    mtime: stat.mtimeMs,
    size: stat.size,
  };
}
