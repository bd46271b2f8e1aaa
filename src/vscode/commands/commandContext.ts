/** The services every command handler receives from the registry. */
import type { SandboxClientService } from '../client';
import type { SandboxFileSystemProvider } from '../files/sandboxFileSystemProvider';
import type { ExtensionLog } from '../log';
import type { TunnelService } from '../ports/tunnelService';
import type { PortDetectionService } from '../ports/portDetection';
import type { SetupReportDocument } from '../report/setupReportDocument';
import type { SandboxChanges } from '../sandboxChanges';
import type { SandboxReviews } from '../review/sandboxReviews';
import type { SandboxesView } from '../tree/sandboxesView';
import type { CommandHistory } from './commandHistory';
import type { WebviewPanels } from '../webviews/webviewPanels';
import type { CommandOutput } from './commandOutput';
import type { TerminalSessions } from '../terminal/terminalSessions';
import type { PoolPreference } from '../create/poolPreference';

export interface CommandContext {
  readonly clients: SandboxClientService;
  readonly log: ExtensionLog;
  /** Where "Run Command in Sandbox…" streams output. */
  readonly commandOutput: CommandOutput;
  /** This workspace's recent command lines, offered by "Run Command in Sandbox…". */
  readonly commandHistory: CommandHistory;
  /** The read-only document that shows the last "Check Setup" report. */
  readonly setupReport: SetupReportDocument;
  /** This window's forwarded ports. */
  readonly tunnels: TunnelService;
  /** The one path for engine calls that change a sandbox; the views follow its events. */
  readonly changes: SandboxChanges;
  /** The Sandboxes view (and the sandbox list it shares with the status bar). */
  readonly sandboxesView: SandboxesView;
  /** The Create Sandbox form and the Sandbox Details panels. */
  readonly webviews: WebviewPanels;
  /** The `sandbox:` file system, told about changes the file commands make. */
  readonly files: SandboxFileSystemProvider;
  /** Review Sandbox Changes in the Source Control view. */
  readonly reviews: SandboxReviews;
  /** Ports that start listening in this window's sandboxes; Forward Port… suggests them. */
  readonly ports: PortDetectionService;
  /** Sandbox shells as sessions that survive a window reload (and reattach after it). */
  readonly terminals: TerminalSessions;
  /** Whether sandboxes were created in this workspace (the automatic warm pool size). */
  readonly pool?: PoolPreference;
}

/** A command's implementation; `args` are whatever the caller passed to `executeCommand`. */
export type CommandHandler = (context: CommandContext, ...args: unknown[]) => Promise<unknown>;
