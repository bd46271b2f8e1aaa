/** How an engine node of the Sandboxes tree looks, when more than one engine is configured (pure, like nodePresentation.ts). */
import { markdownCode, markdownText, plainText } from '../untrustedText';
import { ContextValues, type NodePresentation } from './presentationTypes';
import { isRunning, type TreeNode } from './treeNodes';

/** "ssh://me@box · 2 running · pool: 1 ready", or "ssh://me@box · unreachable: <cause>". */
export function engineDescription(node: Extract<TreeNode, { kind: 'engine' }>): string {
  const where = node.host ?? 'DOCKER_HOST or the default socket';
  if (node.unreachable) return `${where} · unreachable: ${node.problem ?? 'no answer'}`;
  const sandboxes = node.children.flatMap((child) => (child.kind === 'group' ? child.sandboxes : []));
  const running = sandboxes.filter((s) => isRunning(s.info)).length;
  const parts = [where, sandboxes.length === 0 ? 'no sandboxes' : `${running} running`];
  if (node.poolReady !== undefined) parts.push(`pool: ${node.poolReady} ready`);
  if (node.problem) parts.push(`could not list: ${node.problem}`);
  return parts.join(' · ');
}

export function presentEngine(node: Extract<TreeNode, { kind: 'engine' }>): NodePresentation {
  const description = plainText(engineDescription(node));
  return {
    id: `engine/${node.engine}`,
    label: plainText(node.name),
    description,
    tooltip: [
      `**Docker engine** ${markdownText(node.name)}`,
      '',
      `- Endpoint: ${node.host ? markdownCode(node.host) : 'DOCKER_HOST, or the default socket'}`,
      node.unreachable ? `- Unreachable: ${markdownText(node.problem ?? 'no answer')}` : `- ${markdownText(description)}`,
      '',
      'Sandboxes run on the engine they were created on; commands on a row act on its engine.',
    ].join('\n'),
    icon: node.unreachable ? { id: 'debug-disconnect', color: 'problemsWarningIcon.foreground' } : { id: 'server' },
    contextValue: node.unreachable ? ContextValues.unreachableEngine : ContextValues.engine,
    collapsible: 'expanded',
  };
}
