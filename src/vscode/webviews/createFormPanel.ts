/**
 * The Create Sandbox form (one panel per window). It is filled from the settings and creates
 * through the same path as the Create Sandbox command (`createWithProgress`: pull progress,
 * cancellation, tunnels, the view told). Problems a field explains are shown next to it; anything
 * else as the usual error notification. "Save as workspace defaults" writes the form to this
 * workspace's settings.
 */
import * as vscode from 'vscode';
import { parseCidr, parseDomainEntry, validateSpec } from '../../core';
import type { SandboxSpec } from '../../core/types';
import { createWithProgress, workspaceMountSettings } from '../create/creationService';
import { pickEngine } from '../engines/pickEngine';
import { currentMountChoices } from '../files/chooseWorkspaceMounts';
import { defaultMountChoice, describeMounts } from '../files/workspaceMounts';
import { imageChoices, type ImageChoice } from '../../shared/localImages';
import type { PanelContext } from './panelContext';
import { showWarningMessage } from '../uiText';
import { Disposable } from '../dispose';
import { showErrorNotification } from '../errorNotification';
import { errorLogText, isSandboxErrorLike, presentError, withFix } from '../errors';
import { networkSettingsFrom, samePolicy, type NetworkSettings } from '../network/networkSettings';
import { WORKSPACE_TAG } from '../network/workspaceTag';
import { describeIgnored } from '../effectiveSettings';
import { currentWorkspaceTag, readEffectiveSettings, readIgnoredWorkspaceSettings, readRuntimeSetting } from '../settings';
import { specFromSettings, type SettingsReader } from '../settingsToSpec';
import { checkForm, formModelFromSettings, settingsFromForm, type FormEngine, type FormSpec } from '../../shared/createFormModel';
import { PanelChannel } from './panelChannel';
import { ReadyWatchdog } from './readyWatchdog';
import { CREATE_FORM_PARAMS, type CreateFormMethods, type CreateFormModel, type CreateFormPush, type CreateOutcome, type SaveOutcome } from '../../shared/webviewProtocol';
import { preparePanel, renderWebviewHtml } from './webviewHtml';

/**
 * Wrapped, not `{ validateSpec, parseCidr }`: reading an export of the engine loads it
 * (dist/coreLoader.js), and this module is loaded with the extension — a top-level read put
 * compiling core.js (~65 ms) on every activation.
 */
const ENGINE: FormEngine = { validateSpec: (spec) => validateSpec(spec), parseCidr: (value) => parseCidr(value), parseDomainEntry: (value) => parseDomainEntry(value) };

export interface CreateFormDeps extends PanelContext {
  extensionUri: vscode.Uri;
  /** Opens the details panel of a sandbox just created (beside the form, which stays in view), when the form asks for it. */
  showDetails(sandboxId: string): Promise<void>;
}

export class CreateFormPanel extends Disposable {
  readonly channel: PanelChannel<CreateFormMethods, CreateFormPush>;
  /** Sets the page again when its script never says `ready` (a restored panel always renders). */
  private readonly watchdog: ReadyWatchdog;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: CreateFormDeps,
  ) {
    super();
    preparePanel(panel, deps.extensionUri);
    this.watchdog = this._register(
      new ReadyWatchdog(
        panel,
        () => this.render(),
        (message) => deps.log.warn(`Create Sandbox form: ${message}`),
      ),
    );
    this.channel = this._register(
      new PanelChannel<CreateFormMethods, CreateFormPush>(panel.webview, {
        name: 'Create Sandbox form',
        log: deps.log,
        paramsOk: CREATE_FORM_PARAMS,
        handlers: {
          create: ({ model, openDetails }) => this.create(model, openDetails),
          saveDefaults: ({ model }) => this.saveDefaults(model),
          readDefaults: async () => readFormDefaults(),
          localImages: () => this.localImages(),
          openWorkspaceSettings: async () => {
            await vscode.commands.executeCommand('workbench.action.openSettings', 'sandboxes.workspace');
          },
        },
        onReady: () => {
          this.watchdog.ready();
          this.channel.push({ type: 'init', defaults: readFormDefaults(), saveUnavailable: saveUnavailable(), workspaceNote: workspaceNote() });
        },
      }),
    );
    this.render();
    this._register(panel.onDidDispose(() => this.dispose()));
  }

  private render(): void {
    this.panel.webview.html = renderWebviewHtml(this.panel.webview, this.deps.extensionUri, { script: 'createForm', styles: ['createForm.css'], title: 'Create Sandbox' });
    this.watchdog.rendered();
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** The image field's list: local images with sizes, the settings' image first. Docker unreachable is said, not thrown: the field stays free text. */
  private async localImages(): Promise<{ images: ImageChoice[]; problem?: string }> {
    try {
      const images = await this.deps.clients.client.localImages();
      return { images: imageChoices(images, readFormDefaults().image) };
    } catch (err) {
      this.deps.log.failure('listing the local images', err);
      return { images: [], problem: `The local images could not be listed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private async create(model: CreateFormModel, openDetails: boolean): Promise<CreateOutcome> {
    const { spec, errors } = checkForm(model, ENGINE);
    if (Object.keys(errors).length > 0) return { outcome: 'invalid', errors };
    // What the form does not show, and whether its network is the settings', as the settings count.
    const settings = readEffectiveSettings();
    // With several engines, where: asked as Create Sandbox asks (the default engine preselected).
    const engine = await pickEngine(this.deps.clients, 'Create Sandbox');
    if (engine === undefined) return { outcome: 'cancelled' };
    let sandbox;
    try {
      sandbox = await createWithProgress(this.deps, { ...spec, followsNetworkDefaults: followsSettings(spec, settings) }, baseSpec(spec, settings), undefined, engine);
    } catch (err) {
      return this.createFailed(err, model);
    }
    this.deps.log.info(`Create Sandbox form: created ${sandbox.name} (${sandbox.id}).`);
    // The focus stays in the form, whose status line announces the new sandbox.
    await this.deps.sandboxesView.reveal(sandbox.id, { focus: false }).catch((err: unknown) => this.deps.log.failure('revealing the new sandbox', err));
    if (openDetails) await this.deps.showDetails(sandbox.id);
    return { outcome: 'created', sandboxId: sandbox.id, name: sandbox.name };
  }

  /** Field errors go to the form; everything else is the usual notification. */
  private createFailed(err: unknown, model: CreateFormModel): CreateOutcome {
    const presentation = presentError(err, 'Create Sandbox');
    if (presentation.kind === 'cancelled') return { outcome: 'cancelled' };
    if (isSandboxErrorLike(err) && err.code === 'NAME_IN_USE') {
      return { outcome: 'invalid', errors: { name: withFix(err.message, err.fix) } };
    }
    if (isSandboxErrorLike(err) && (err.code === 'INVALID_SPEC' || err.code === 'INVALID_POLICY')) {
      // The form's own check passed, so the engine refused something the form does not show
      // (env, workdir or runtime from the settings), or the fields' combination.
      const { errors } = checkForm(model, ENGINE);
      return { outcome: 'invalid', errors: Object.keys(errors).length > 0 ? errors : { form: withFix(err.message, err.fix) } };
    }
    this.deps.log.error(`Create Sandbox form: ${errorLogText(err)}`);
    void showErrorNotification(this.deps.log, presentation).catch((notifyErr: unknown) => this.deps.log.failure('notification', notifyErr));
    return { outcome: 'failed', message: presentation.text };
  }

  private async saveDefaults(model: CreateFormModel): Promise<SaveOutcome> {
    const unavailable = saveUnavailable();
    if (unavailable) return { outcome: 'invalid', errors: { form: unavailable } };
    const result = settingsFromForm(model, ENGINE);
    if ('errors' in result) return { outcome: 'invalid', errors: result.errors };
    const config = vscode.workspace.getConfiguration();
    for (const [key, value] of result.settings) {
      await config.update(key, value, vscode.ConfigurationTarget.Workspace);
    }
    const keys = result.settings.map(([key]) => key);
    this.deps.log.info(`Create Sandbox form: saved ${keys.join(', ')} to the workspace settings.`);
    vscode.window.setStatusBarMessage('$(check) Saved the sandbox defaults to the workspace settings', 5000);
    this.warnIgnored(keys);
    return { outcome: 'saved', keys };
  }

  /**
   * Values typed in the form are the user's own for the sandbox it creates, but saved as workspace
   * settings they count only where they tighten the user's: say which ones will not.
   */
  private warnIgnored(saved: readonly string[]): void {
    const ignored = readIgnoredWorkspaceSettings().filter((item) => saved.includes(item.key));
    if (ignored.length === 0) return;
    for (const item of ignored) this.deps.log.warn(`Create Sandbox form: ${describeIgnored(item)}`);
    const names = [...new Set(ignored.map((item) => `"${item.key}"`))].join(', ');
    void showWarningMessage(
      `Saved, but new sandboxes will not use ${names} from the workspace settings: workspace settings may only tighten what your user settings allow. Change your user settings to allow more.`,
    );
  }
}

/** The form as the settings fill it: the values that count (settings.ts), never a workspace value that is ignored. */
function readFormDefaults(): CreateFormModel {
  return formModelFromSettings(readEffectiveSettings());
}

/** "uxform copied to /workspace": what a sandbox from the form gets of the workspace, as the settings say now. */
function workspaceNote(): string {
  try {
    return describeMounts(defaultMountChoice(currentMountChoices(workspaceMountSettings(undefined)))?.mounts);
  } catch {
    return 'as the sandboxes.workspace settings say';
  }
}

function saveUnavailable(): string | undefined {
  return vscode.workspace.workspaceFolders?.length ? undefined : 'Open a folder first: workspace settings belong to a folder or workspace.';
}

/**
 * What the form does not show comes from the settings as they are (the engine validates the
 * whole spec): environment, working directory, runtime, and the workspace tag that lets the
 * sandbox follow later network settings changes.
 */
function baseSpec(spec: FormSpec, settings: SettingsReader): SandboxSpec {
  const { env, workdir } = specFromSettings(settings);
  return { image: spec.image, env, workdir, runtime: readRuntimeSetting(), tags: { [WORKSPACE_TAG]: currentWorkspaceTag() } } as SandboxSpec;
}

/**
 * A sandbox whose network is the one the settings give follows them, as one from the Create
 * Sandbox command does; a network chosen in the form is this sandbox's own.
 */
function followsSettings(spec: FormSpec, settings: SettingsReader): boolean {
  // Blocking wins over a list: two blocked policies are the same whatever lists they keep.
  const effective = (policy: NetworkSettings): NetworkSettings => (policy.blockNetwork ? { blockNetwork: true, cidrAllowlist: [] } : policy);
  try {
    return samePolicy(
      effective(networkSettingsFrom(settings, parseCidr, parseDomainEntry)),
      effective({ blockNetwork: spec.blockNetwork === true, cidrAllowlist: spec.cidrAllowlist ?? [], domainAllowlist: spec.domainAllowlist ?? [] }),
    );
  } catch {
    return false; // invalid settings: there is nothing to follow
  }
}
