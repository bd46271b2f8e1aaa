/**
 * The files API of a running sandbox (SandboxFiles): each operation checks its arguments and
 * runs its script (fileScripts.ts) through the transport (fileTransport.ts); downloads survey
 * first and extract with caps (extract.ts), uploads stream a tar of the host tree (tar.ts).
 */
import * as path from 'node:path';
import { SandboxError, isSandboxError } from '../errors';
import type { ConfigFolderAnswer, CopyProgress, DownloadOptions, FileEntry, FileStat, SandboxFiles } from '../types';
import { DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_DOWNLOAD_ENTRIES, formatCap, parseSurvey } from './downloadLimits';
import { downloadTooLarge, downloadTooMany, extractToHost } from './extract';
import { cap, fileFailure, hostError } from './fileErrors';
import { EXIT, SCRIPTS } from './fileScripts';
import { FileTransport, type FilesHost } from './fileTransport';
import { changedDuringCopy, walkHost } from './hostTree';
import { parentOf, sandboxPath } from './paths';
import { ProgressTracker } from './progress';
import { parseStatOutput, toEntries, toFileStat } from './statOutput';
import { packHostTree } from './tar';
import { newBaseline, type MountBaseline } from '../review/manifest';

export type { FilesHost } from './fileTransport';
export { SPARE_SCRIPT, spareRequest } from './fileScripts';
export { hostError } from './fileErrors';

export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024;
/** A download's listing (one short line per entry) past this is more entries than any cap allows. */
const SURVEY_MAX_OUTPUT = 256 * 1024 * 1024;

/** Files of a running sandbox through exec: see SandboxFiles for the contract. */
export class ExecSandboxFiles implements SandboxFiles {
  private readonly transport: FileTransport;
  private readonly sandboxName: string;

  constructor(host: FilesHost) {
    this.transport = new FileTransport(host);
    this.sandboxName = host.name;
  }

  async stat(input: string): Promise<FileStat> {
    const p = sandboxPath(input);
    const result = await this.transport.script('stat', SCRIPTS.stat, [p], p);
    const [record] = parseStatOutput(result.stdout);
    if (!record) throw fileFailure('stat', p, { ...result, code: EXIT.notFound }, this.sandboxName);
    return toFileStat(record, p);
  }

  async list(input: string): Promise<FileEntry[]> {
    const p = sandboxPath(input);
    const result = await this.transport.script('list', SCRIPTS.list, [p], p);
    return toEntries(parseStatOutput(result.stdout), p);
  }

  async read(input: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const p = sandboxPath(input);
    const max = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    if (!Number.isInteger(max) || max < 0)
      throw new SandboxError('INVALID_SPEC', `maxBytes must be a whole number of bytes (got ${max}).`, 'Pass e.g. { maxBytes: 10 * 1024 * 1024 }.');
    // cat alone, no shell around it (process start is what costs in gVisor: ≈ 40 ms a shell) and
    // no size check first: the caller stops reading at maxBytes, which also holds for files that
    // grow and for devices. Its conditions come back as its messages (see failure()).
    return (await this.transport.process('read', ['cat', '--', p], p, { maxStdout: max })).stdout;
  }

  async write(input: string, data: Buffer | string, options: { create?: boolean; overwrite?: boolean; mkdirs?: boolean } = {}): Promise<void> {
    const p = sandboxPath(input);
    const flags = [options.create !== false, options.overwrite !== false, options.mkdirs === true].map((b) => (b ? '1' : '0'));
    await this.transport.script('write', SCRIPTS.write, [p, ...flags], p, { stdin: typeof data === 'string' ? Buffer.from(data, 'utf8') : data });
  }

  async mkdir(input: string, options: { parents?: boolean } = {}): Promise<void> {
    const p = sandboxPath(input);
    await this.transport.script('mkdir', SCRIPTS.mkdir, [p, options.parents ? '1' : '0'], p);
  }

  async remove(input: string, options: { recursive?: boolean } = {}): Promise<void> {
    const p = sandboxPath(input);
    if (p === '/') throw new SandboxError('PATH_OUTSIDE', "Refusing to remove the sandbox's root folder.", 'Remove the folders inside it instead, or terminate the sandbox.');
    await this.transport.script('remove', SCRIPTS.remove, [p, options.recursive ? '1' : '0'], p);
  }

  async rename(fromInput: string, toInput: string, options: { overwrite?: boolean } = {}): Promise<void> {
    const from = sandboxPath(fromInput);
    const to = sandboxPath(toInput);
    if (from === to) return;
    if (to.startsWith(from + '/')) throw new SandboxError('PATH_OUTSIDE', `Cannot move ${from} into itself (${to}).`, 'Choose a destination outside the folder being moved.');
    await this.transport.script('rename', SCRIPTS.rename, [from, to, options.overwrite ? '1' : '0'], `${from} → ${to}`);
  }

  async upload(hostPath: string, input: string, options: { includeIgnored?: boolean; onProgress?: (p: CopyProgress) => void; signal?: AbortSignal } = {}): Promise<void> {
    await this.uploadRecorded(hostPath, input, options);
  }

  /**
   * `upload`, returning what was sent, hashed as it went: the baseline of Review Sandbox Changes
   * for a workspace copied into a running sandbox (a claimed pool member: pool/copyAtClaim.ts).
   */
  async uploadRecorded(
    hostPath: string,
    input: string,
    options: { includeIgnored?: boolean; onProgress?: (p: CopyProgress) => void; signal?: AbortSignal } = {},
  ): Promise<MountBaseline> {
    const target = sandboxPath(input);
    if (target === '/') throw new SandboxError('PATH_OUTSIDE', "Uploading onto the sandbox's root folder is not supported.", 'Upload to a folder, e.g. "/workspace".');
    const tree = await walkHost(path.resolve(hostPath), { includeIgnored: options.includeIgnored }).catch((error: unknown) => {
      throw hostError(error, hostPath);
    });
    const progress = new ProgressTracker(tree.totalFiles, tree.totalBytes, options.onProgress);
    const baseline = newBaseline(path.resolve(hostPath), target, tree.skipped);
    const archive = packHostTree(tree, path.posix.basename(target), progress, { signal: options.signal, record: (rel, state) => (baseline.entries[rel] = state) });
    await this.transport.script('upload', SCRIPTS.tarIn, [parentOf(target)], target, { stdin: archive, signal: options.signal });
    progress.finish();
    if (tree.changed.length) throw changedDuringCopy(tree.changed);
    return baseline;
  }

  async download(input: string, hostPath: string, options: DownloadOptions = {}): Promise<void> {
    const source = sandboxPath(input);
    if (source === '/')
      throw new SandboxError(
        'PATH_OUTSIDE',
        'Downloading the whole sandbox filesystem is not supported.',
        'Download a folder, e.g. "/workspace", or snapshot the sandbox (snapshotFilesystem).',
      );
    const maxBytes = cap('maxBytes', options.maxBytes, DEFAULT_MAX_DOWNLOAD_BYTES);
    const maxEntries = cap('maxEntries', options.maxEntries, DEFAULT_MAX_DOWNLOAD_ENTRIES);
    const listed = await this.transport.script('download', SCRIPTS.survey, [source], source, { maxStdout: SURVEY_MAX_OUTPUT }).catch((error: unknown) => {
      throw isSandboxError(error, 'FILE_TOO_LARGE') ? downloadTooMany(maxEntries) : error;
    });
    const survey = parseSurvey(listed.stdout.toString('utf8'), source, path.basename(path.resolve(hostPath)));
    // Refused before a byte is written; the extraction enforces the same caps on what really comes.
    if (survey.entries > maxEntries) throw downloadTooMany(maxEntries);
    if (survey.bytes > maxBytes) throw downloadTooLarge(maxBytes, `${source} holds ${formatCap(survey.bytes)} in ${survey.files} file(s)`, survey.bytes);
    const answers = new Map<string, ConfigFolderAnswer>();
    let otherwise: ConfigFolderAnswer = 'refuse';
    if (typeof options.configFolders === 'function') {
      if (survey.folders.length) {
        const answer = await options.configFolders({ folders: survey.folders, hooks: survey.hooks });
        for (const folder of survey.folders) answers.set(folder, answer);
      }
    } else if (options.configFolders) otherwise = options.configFolders;
    const progress = new ProgressTracker(survey.files, survey.bytes, options.onProgress);
    await this.transport.script('download', SCRIPTS.tarOut, [source], source, {
      signal: options.signal,
      consume: (stdout) =>
        extractToHost(stdout, hostPath, progress, { signal: options.signal, maxBytes, maxEntries, configFolder: (folder) => answers.get(folder) ?? otherwise }),
      // GNU tar exits 1 when a file changed while it was read: the archive is still complete.
      okCodes: [0, 1],
    });
    progress.finish();
  }
}
