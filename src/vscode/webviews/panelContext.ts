/** What the webview panels need of the extension: creating, and the Sandboxes view's shared list. */
import type { CreateContext } from '../create/creationService';
import type { SandboxesView } from '../tree/sandboxesView';

export interface PanelContext extends CreateContext {
  /** Its list is the one cache of sandbox state the panels read. */
  sandboxesView: SandboxesView;
}
