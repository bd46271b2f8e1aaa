/**
 * "Create Sandbox (Form)…": every option of a new sandbox in one form, filled from the settings,
 * with the allowlist checked as it is typed and a button that saves the form as the workspace's
 * defaults. The quick "Create Sandbox" command stays for creating from the settings as they are.
 */
import type { CommandContext } from './commandContext';

export async function openCreateForm(context: CommandContext): Promise<void> {
  context.webviews.showCreateForm();
}
