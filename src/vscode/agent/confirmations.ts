/**
 * What each agent tool call says before it runs (VS Code's prepareInvocation): what will run or
 * change, and where. Model-chosen text (commands, paths, reasons) goes through untrustedText.ts:
 * VS Code renders these strings as Markdown. Pure (no editor API), so it is unit-tested.
 */
import { markdownCode, markdownText } from '../untrustedText';

export interface Prepared {
  invocationMessage: string;
  confirmation?: { title: string; message: string };
}

const WHERE = "in this workspace's gVisor agent sandbox (your files are not touched: the workspace is a copy)";

export function prepareMessages(tool: string, input: unknown, confirm: boolean): Prepared {
  const i = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
  const command = i.command !== undefined ? str(i.command) : Array.isArray(i.argv) ? i.argv.map(str).join(' ') : '';
  const ask = (title: string, message: string, invocationMessage: string): Prepared => ({ invocationMessage, ...(confirm ? { confirmation: { title, message } } : {}) });
  switch (tool) {
    case 'sandbox_run':
      return ask(
        'Run a command in the agent sandbox?',
        `Runs ${markdownCode(command)} ${WHERE}${typeof i.cwd === 'string' ? `, in ${markdownCode(i.cwd)}` : ''}, killed after ${typeof i.timeoutSeconds === 'number' ? i.timeoutSeconds : 'the default'} seconds. Its output streams into the "Sandbox agent" terminal, where you can stop it.`,
        `Running ${markdownCode(command)} in the agent sandbox`,
      );
    case 'sandbox_write_file':
      return ask(
        'Write a file in the agent sandbox?',
        `Writes ${typeof i.content === 'string' ? Buffer.byteLength(i.content) : 0} bytes to ${markdownCode(str(i.path))} ${WHERE}.`,
        `Writing ${markdownCode(str(i.path))} in the agent sandbox`,
      );
    case 'sandbox_forward_port':
      return ask(
        'Forward a port of the agent sandbox?',
        `Makes port ${markdownCode(str(i.port))} of the agent sandbox reachable from this machine (at the address of the sandboxes.ports.bindAddress setting, 127.0.0.1 by default).`,
        `Forwarding port ${markdownCode(str(i.port))} of the agent sandbox`,
      );
    case 'sandbox_read_file':
      return { invocationMessage: `Reading ${markdownCode(str(i.path))} in the agent sandbox` };
    case 'sandbox_list_files':
      return { invocationMessage: `Listing ${i.path === undefined ? 'the workspace copy' : markdownCode(str(i.path))} in the agent sandbox` };
    case 'sandbox_state':
      return { invocationMessage: 'Reading the state of the agent sandbox' };
    case 'sandbox_request_network':
      // The request itself asks the user (with the reason): a confirmation first would ask twice.
      return { invocationMessage: `Asking you to ${markdownText(str(i.change))} network access for the agent sandbox` };
    default:
      return { invocationMessage: `Calling ${markdownText(tool)}` };
  }
}
