/**
 * "Check Setup" results as a Markdown document and as a one-line summary. Pure, so the wording
 * is unit-tested.
 */
import type { CheckItem, CheckReport } from '../../core/types';
import { asSentence } from '../errors';
import { isGvisorRuntime } from '../../shared/runtimes';
import { markdownCode, markdownText, plainText } from '../untrustedText';

export interface SetupCheckTarget {
  /** `undefined`: DOCKER_HOST or the default socket. */
  dockerHost: string | undefined;
  runtime: string;
  image: string | undefined;
  /** The workspace's network settings as a phrase, e.g. "allowlist: 10.0.0.0/8". */
  network?: string;
  checkedAt: Date;
}

export function renderSetupReport(report: CheckReport, target: SetupCheckTarget): string {
  const failed = report.items.filter((item) => !item.ok);
  const verdict = report.ok
    ? `✅ **All ${report.items.length} checks passed:** ${escapeMarkdown(readyLine(target.runtime))}`
    : `❌ **${failed.length} of ${report.items.length} checks failed.** Fix them from the top: later checks often fail because an earlier one did.`;

  const lines = [
    '# gVisor Sandboxes: Setup Check',
    '',
    verdict,
    '',
    `- Docker endpoint: ${target.dockerHost ? code(target.dockerHost) : 'DOCKER_HOST, or the default socket'}`,
    `- Runtime: ${code(target.runtime)}${isGvisorRuntime(target.runtime) ? ' (gVisor)' : ' (**not gVisor**)'}`,
    `- Image: ${target.image ? code(target.image) : '(none: the image setting is empty)'}`,
    ...(target.network ? [`- Network (this workspace's settings): ${escapeMarkdown(target.network)}`] : []),
    `- Checked: ${target.checkedAt.toLocaleString()}`,
  ];
  for (const item of report.items) {
    lines.push('', `## ${item.ok ? '✅' : '❌'} ${escapeMarkdown(item.name)}`, '', escapeMarkdown(item.detail));
    if (!item.ok && item.fix) {
      lines.push('', `**Fix:** ${escapeMarkdown(item.fix)}`);
    }
  }
  lines.push('', '---', '', 'Run **Sandboxes: Check Setup** again after a fix.', '');
  return lines.join('\n');
}

/** The notification: the verdict and, when something failed, the first fix to make. */
export function summarizeSetupReport(report: CheckReport, target: SetupCheckTarget): string {
  if (report.ok) {
    return `Setup check passed: ${readyLine(target.runtime)}`;
  }
  const failed = report.items.filter((item) => !item.ok);
  const [first] = failed;
  if (!first) {
    return 'Setup check failed. The report has the details.';
  }
  const more = failed.length > 1 ? ` (${failed.length - 1} more problem${failed.length > 2 ? 's' : ''} in the report.)` : '';
  return `Setup check failed: ${describeFailure(first)}${more}`;
}

/** Names and details come from Docker and the engine: plain text (untrustedText.ts), so no link renders. */
function describeFailure(item: CheckItem): string {
  const what = asSentence(plainText(`${item.name}: ${item.detail}`));
  return item.fix ? `${what} Fix: ${asSentence(plainText(item.fix))}` : what;
}

function readyLine(runtime: string): string {
  return isGvisorRuntime(runtime) ? 'sandboxes can run under gVisor.' : `sandboxes can run, with runtime "${plainText(runtime)}", which is not gVisor.`;
}

function code(text: string): string {
  return markdownCode(text);
}

/**
 * Details come from Docker and the engine: shown as text, never interpreted as Markdown or HTML
 * (no link, image or autolink either), line by line.
 */
export function escapeMarkdown(text: string): string {
  return markdownText(text, { multiline: true });
}
