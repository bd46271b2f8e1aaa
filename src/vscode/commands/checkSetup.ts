/**
 * "Check Setup": asks the engine whether Docker and the configured runtime work, adds whether
 * the sandbox settings are valid and whether network policies can be enforced, shows the full
 * report as a document and sums it up in a notification that names the first fix. Returns the
 * report (for tests).
 */
import * as vscode from 'vscode';
import type { SandboxClient } from '../../core';
import type { CheckItem, CheckReport } from '../../core/types';
import { UserFacingError } from '../errors';
import { describePolicy } from '../network/networkFormat';
import { modeOfSettings, type NetworkSettings } from '../network/networkSettings';
import { networkCheckItems } from '../report/networkCheck';
import { renderSetupReport, summarizeSetupReport, type SetupCheckTarget } from '../report/renderSetupReport';
import { readDockerHost, readImageSetting, readNetworkSettings, readPoolSize, readRuntimeSetting, readSandboxDefaults } from '../settings';
import { poolCheckItem } from '../create/poolSettings';
import type { CommandContext } from './commandContext';
import { CommandIds } from './commandIds';
import { showErrorMessage, showInformationMessage, withProgress } from '../uiText';

export async function checkSetup(context: CommandContext): Promise<CheckReport> {
  const settings = checkSettings();
  const network = networkSettingsOrUndefined();
  const target: SetupCheckTarget = {
    dockerHost: readDockerHost(),
    runtime: readRuntimeSetting(),
    image: readImageSetting(),
    network: network ? describePolicy(network) : 'invalid (see "Sandbox settings" below)',
    checkedAt: new Date(),
  };

  const client = context.clients.client;
  const { engineReport, networkItems } = await withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking Docker and gVisor…' }, async () => {
    const engineReport = await client.checkSetup({ image: target.image, runtime: target.runtime });
    // Without Docker there is nothing to ask about networking: the engine's report says why.
    const reachable = engineReport.items[0]?.ok !== false;
    return { engineReport, networkItems: reachable ? await checkNetwork(client, target.runtime, network) : [] };
  });
  // The warm pool as a setting and its state, never as sandboxes (create/poolSettings.ts).
  const pool = poolCheckItem(readPoolSize(), await client.poolStatus().catch(() => []));
  // Every further engine (sandboxes.docker.engines) is checked the same way, its items named after it.
  const others = await Promise.all(context.clients.engines.slice(1).map((engine) => checkEngine(context.clients.clientOf(engine.key), engine.name, target, network)));
  const items = [...engineReport.items, settings, ...networkItems, pool, ...others.flat()];
  const report: CheckReport = { ok: items.every((item) => item.ok), items };

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

/**
 * One further engine's section: Docker and the runtime there, and its network enforcement, each
 * item's name prefixed with the engine's (`gpu box · Docker engine`) so the report groups them.
 */
async function checkEngine(client: SandboxClient, engineName: string, target: SetupCheckTarget, network: NetworkSettings | undefined): Promise<CheckItem[]> {
  const prefix = (item: CheckItem): CheckItem => ({ ...item, name: `${engineName} · ${item.name}` });
  try {
    const engineReport = await client.checkSetup({ image: target.image, runtime: target.runtime });
    const reachable = engineReport.items[0]?.ok !== false;
    const networkItems = reachable ? await checkNetwork(client, target.runtime, network) : [];
    return [...engineReport.items, ...networkItems].map(prefix);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return [prefix({ name: 'Docker engine', ok: false, detail: `Could not check: ${detail}`, fix: 'See the log for details, and check again.' })];
  }
}

/** Invalid settings would fail every "Create Sandbox", so they are part of the setup. */
function checkSettings(): CheckItem {
  const name = 'Sandbox settings';
  try {
    const spec = readSandboxDefaults();
    return { name, ok: true, detail: `The sandbox defaults and network settings are valid (image ${spec.image}).` };
  } catch (err) {
    if (err instanceof UserFacingError) {
      return { name, ok: false, detail: err.message, fix: err.fix };
    }
    throw err;
  }
}

function networkSettingsOrUndefined(): NetworkSettings | undefined {
  try {
    return readNetworkSettings();
  } catch (err) {
    if (err instanceof UserFacingError) {
      return undefined;
    }
    throw err;
  }
}

/** Per registered runtime, whether policies are enforced there; and whether the guard image exists. */
async function checkNetwork(client: SandboxClient, configuredRuntime: string, settings: NetworkSettings | undefined): Promise<CheckItem[]> {
  try {
    const names = [...(await client.runtimes()).keys()];
    const runtimes = await Promise.all(names.map(async (name) => ({ name, networking: await client.runtimeNetworking(name) })));
    const present = await client.docker
      .getImage(client.guardImage)
      .inspect()
      .then(
        () => true,
        (err: unknown) => {
          if ((err as { statusCode?: unknown } | null)?.statusCode === 404) return false;
          throw err;
        },
      );
    return networkCheckItems({
      runtimes,
      configuredRuntime,
      guardImage: { name: client.guardImage, present },
      settingsMode: settings ? modeOfSettings(settings) : undefined,
    });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return [{ name: 'Network policy', ok: false, detail: `Could not check: ${detail}`, fix: 'See the log for details, and check again.' }];
  }
}

async function notify(report: CheckReport, target: SetupCheckTarget): Promise<void> {
  const summary = summarizeSetupReport(report, target);
  if (report.ok) {
    await showInformationMessage(summary);
    return;
  }
  const checkAgain = 'Check Again';
  const choice = await showErrorMessage(summary, checkAgain);
  if (choice === checkAgain) {
    await vscode.commands.executeCommand(CommandIds.checkSetup);
  }
}
