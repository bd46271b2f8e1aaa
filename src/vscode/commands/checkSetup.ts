/**
 * "Check Setup": asks the engine whether Docker and the configured runtime work, adds whether
 * the sandbox settings are valid, shows the full report as a document and sums it up in a
 * notification that names the first fix. Returns the report (for tests).
 */
import * as vscode from 'vscode';
import type { CheckItem, CheckReport } from '../../core/types';
import { UserFacingError } from '../errors';
import { renderSetupReport, summarizeSetupReport, type SetupCheckTarget } from '../report/renderSetupReport';
import { readDockerHost, readImageSetting, readRuntimeSetting, readSandboxDefaults } from '../settings';
import type { CommandContext } from './commandContext';
import { CommandIds } from './commandIds';

export async function checkSetup(context: CommandContext): Promise<CheckReport> {
  const settings = checkSettings();
  const target: SetupCheckTarget = {
    dockerHost: readDockerHost(),
    runtime: readRuntimeSetting(),
    image: readImageSetting(),
    checkedAt: new Date(),
  };

  const engineReport = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Checking Docker and gVisor…' },
    () => context.clients.client.checkSetup({ image: target.image, runtime: target.runtime }),
  );
  const report: CheckReport = {
    ok: engineReport.ok && settings.ok,
    items: [...engineReport.items, settings],
  };

  for (const item of report.items) {
    const line = `Check Setup: ${item.ok ? 'ok' : 'FAILED'} - ${item.name}: ${item.detail}`;
    if (item.ok) {
      context.log.info(line);
    } else {
      context.log.warn(item.fix ? `${line} Fix: ${item.fix}` : line);
    }
  }

  context.setupReport.update(renderSetupReport(report, target));
  await context.setupReport.show();
  void notify(report, target);
  return report;
}

/** Invalid settings would fail every "Create Sandbox", so they are part of the setup. */
function checkSettings(): CheckItem {
  const name = 'Sandbox settings';
  try {
    const spec = readSandboxDefaults();
    return { name, ok: true, detail: `The sandbox defaults are valid (image ${spec.image}).` };
  } catch (err) {
    if (err instanceof UserFacingError) {
      return { name, ok: false, detail: err.message, fix: err.fix };
    }
    throw err;
  }
}

async function notify(report: CheckReport, target: SetupCheckTarget): Promise<void> {
  const summary = summarizeSetupReport(report, target);
  if (report.ok) {
    await vscode.window.showInformationMessage(summary);
    return;
  }
  const checkAgain = 'Check Again';
  const choice = await vscode.window.showErrorMessage(summary, checkAgain);
  if (choice === checkAgain) {
    await vscode.commands.executeCommand(CommandIds.checkSetup);
  }
}
