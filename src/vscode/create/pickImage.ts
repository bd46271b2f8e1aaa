/**
 * The image picker of Create Sandbox (the palette flow): the images on this machine with their
 * sizes, the current one first, and whatever is typed as a free-text choice (pulled when missing,
 * which needs a registry). The Create form shows the same list (createFormPanel.ts).
 */
import * as vscode from 'vscode';
import { DEFAULT_ENGINE } from '../engines/engineEntries';
import { imageChoices } from '../../shared/localImages';
import type { CreateContext } from './creationService';
import { labelText } from '../untrustedText';

interface ImageItem extends vscode.QuickPickItem {
  ref: string;
}

/** The chosen image reference, or `undefined` when dismissed. */
export async function pickImage(context: CreateContext, current: string, engine: string = DEFAULT_ENGINE): Promise<string | undefined> {
  const quickPick = vscode.window.createQuickPick<ImageItem>();
  quickPick.title = 'Create Sandbox: Image';
  quickPick.placeholder = 'Pick a local image, or type any image name';
  quickPick.matchOnDescription = true;
  quickPick.busy = true;
  quickPick.show();
  let local: ImageItem[] = [];
  try {
    // Image names come from Docker, which a script can tag with anything: label text only.
    // The images of the engine the sandbox will run on (sandboxes.docker.engines).
    local = imageChoices(await context.clients.clientOf(engine).localImages(), current).map((choice) => ({
      label: labelText(choice.ref),
      description: choice.current ? `${choice.size} · current` : choice.size,
      ref: choice.ref,
    }));
  } catch (err) {
    context.log.failure('listing the local images', err);
    quickPick.placeholder = 'The local images could not be listed (see the log); type an image name';
  }
  const typedItem = (value: string): ImageItem[] => {
    const text = value.trim();
    if (!text || /\s/.test(text) || local.some((item) => item.ref === text)) return [];
    // A partial name of a local image ("bookworm") picks that image on Enter, never a pull: the
    // typed name is offered only when it looks like a full reference or matches nothing local.
    const partial = local.some((item) => item.ref.toLowerCase().includes(text.toLowerCase()));
    if (partial && !/[:/@]/.test(text)) return [];
    return [{ label: labelText(text), description: 'not on this machine: pulled when created (needs a registry)', ref: text, alwaysShow: true }];
  };
  quickPick.items = local;
  quickPick.busy = false;
  quickPick.onDidChangeValue((value) => {
    quickPick.items = [...local, ...typedItem(value)];
  });
  try {
    return await new Promise<string | undefined>((resolve) => {
      quickPick.onDidAccept(() => {
        resolve(quickPick.selectedItems[0]?.ref ?? quickPick.activeItems[0]?.ref);
        quickPick.hide();
      });
      quickPick.onDidHide(() => resolve(undefined));
    });
  } finally {
    quickPick.dispose();
  }
}
