/**
 * The Sandbox Details panel's script: renders what the extension pushes (state, network,
 * ports, log tail, CPU and memory samples) and turns buttons into requests that run the
 * extension's commands. Keeps the sandbox id with `setState`, which is how the panel comes back
 * after a reload.
 */
import { NETWORK_MODES } from '../shared/networkModes';
import { TUNNEL_KINDS } from '../shared/tunnelKinds';
import type { DetailsAction, DetailsMethods, DetailsPush, DetailsState, NetworkView, SandboxView, StatsPoint, TunnelView } from '../shared/webviewProtocol';
import { areaPoints, linePoints, niceMax } from './lib/chartGeometry';
import { h, replaceChildren, root, svg } from './lib/dom';
import { WebviewClient } from './lib/webviewClient';

/** Samples the chart has room for: about two minutes (the extension keeps as many). */
const CAPACITY = 120;
/** A new series fills this many slots at first, so a few samples already draw a line. */
const FIRST_WINDOW = 20;
const CHART = { width: 300, height: 64 };
const MIB = 1024 * 1024;

let sandbox: SandboxView | undefined;
let gone = false;
let points: StatsPoint[] = [];
let statsError: string | undefined;
let logs = '';
let logsError: string | undefined;
let built = false;

const parts = {
  title: h('h1', {}),
  state: h('span', { class: 'badge', role: 'status', 'aria-live': 'polite' }),
  facts: h('dl', { class: 'facts' }),
  actions: h('div', { class: 'actions' }),
  network: h('div', {}),
  ports: h('div', {}),
  cpu: h('div', { class: 'chart' }),
  memory: h('div', { class: 'chart' }),
  statsNote: h('p', { class: 'hint' }),
  log: h('pre', { class: 'log', tabindex: 0, 'aria-label': 'Log tail' }),
  logNote: h('p', { class: 'hint' }),
  message: h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }),
};

const client = new WebviewClient<DetailsMethods, DetailsPush>((push) => {
  switch (push.type) {
    case 'init': {
      const state: DetailsState = { sandboxId: push.sandboxId };
      client.state = state;
      break;
    }
    case 'sandbox':
      sandbox = push.sandbox;
      gone = false;
      break;
    case 'gone':
      gone = true;
      break;
    case 'stats':
      points = push.replace ? push.points : [...points, ...push.points].slice(-CAPACITY);
      statsError = push.error;
      renderStats();
      return;
    case 'logs':
      logs = push.text;
      logsError = push.error;
      renderLogs();
      return;
  }
  render();
});
client.ready();

function build(): void {
  if (built) return;
  built = true;
  const refresh = button('Refresh', () => void client.request('refreshLogs', {}), 'Read the log again');
  const main = root();
  replaceChildren(
    main,
    h('header', {}, parts.title, parts.state),
    parts.facts,
    parts.actions,
    parts.message,
    h('section', { 'aria-labelledby': 'network-heading' }, h('h2', { id: 'network-heading' }, 'Network'), parts.network),
    h('section', { 'aria-labelledby': 'ports-heading' }, h('h2', { id: 'ports-heading' }, 'Forwarded ports'), parts.ports),
    h(
      'section',
      { 'aria-labelledby': 'usage-heading' },
      h('h2', { id: 'usage-heading' }, 'CPU and memory'),
      h('div', { class: 'charts' }, parts.cpu, parts.memory),
      parts.statsNote,
    ),
    h('section', { 'aria-labelledby': 'log-heading' }, h('div', { class: 'section-head' }, h('h2', { id: 'log-heading' }, 'Log'), refresh), parts.logNote, parts.log),
  );
  main.removeAttribute('aria-busy');
}

function render(): void {
  build();
  if (!sandbox) {
    parts.title.textContent = gone ? 'Sandbox removed' : 'Loading…';
    return;
  }
  const running = sandbox.state === 'running' && !gone;
  parts.title.textContent = sandbox.name;
  parts.state.textContent = gone ? 'removed' : sandbox.exitCode !== null && !running ? `${sandbox.state} (exit ${sandbox.exitCode})` : sandbox.state;
  parts.state.className = `badge ${gone ? 'removed' : sandbox.state}`;

  const facts: [string, string][] = [
    ['Image', sandbox.image],
    ['Runtime', sandbox.gvisor ? `gVisor (${sandbox.runtime})` : `${sandbox.runtime} — not isolated by gVisor`],
    ['Created', new Date(sandbox.createdAt).toLocaleString()],
    ['Expires', sandbox.expiresAt === null ? 'no timeout' : new Date(sandbox.expiresAt).toLocaleString()],
    ['Id', sandbox.id],
  ];
  replaceChildren(parts.facts, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));

  replaceChildren(
    parts.actions,
    running && button('Open Terminal', () => run('openTerminal')),
    !gone && button('Terminate…', () => run('terminate'), 'Kill and remove this sandbox and its network guard'),
  );
  if (gone) parts.message.textContent = `Sandbox ${sandbox.name} no longer exists.`;

  renderNetwork(sandbox.network, running);
  renderPorts(sandbox.tunnels, running);
  renderStats();
}

function renderNetwork(network: SandboxView['network'], running: boolean): void {
  if (!running) {
    replaceChildren(parts.network, h('p', { class: 'hint' }, 'A sandbox that is not running has no network.'));
    return;
  }
  if (network === null) {
    replaceChildren(parts.network, h('p', { class: 'hint' }, 'Reading the policy…'));
    return;
  }
  if ('error' in network) {
    replaceChildren(parts.network, h('p', { class: 'error' }, `Could not read the policy: ${network.error}`));
    return;
  }
  replaceChildren(
    parts.network,
    h('p', { class: 'mode' }, h('strong', {}, modeLabel(network)), ` — ${modeSummary(network)}`),
    network.mode === 'allowlist' && h('ul', { class: 'cidrs', 'aria-label': 'Allowed networks' }, ...network.cidrAllowlist.map((cidr) => h('li', {}, h('code', {}, cidr)))),
    network.mode === 'allowlist' &&
      (network.domainAllowlist ?? []).length > 0 &&
      h('ul', { class: 'cidrs', 'aria-label': 'Allowed host names' }, ...(network.domainAllowlist ?? []).map((name) => h('li', {}, h('code', {}, name)))),
    (network.refused ?? []).length > 0 &&
      h(
        'details',
        { class: 'refused' },
        h('summary', {}, `Refused by the egress gateway (${(network.refused ?? []).length} latest)`),
        h('ul', { 'aria-label': 'Refused connections and lookups' }, ...(network.refused ?? []).map((line) => h('li', {}, h('code', {}, line)))),
      ),
    h(
      'p',
      { class: 'hint' },
      network.followsDefaults
        ? "Follows this workspace's network settings: changing them changes this sandbox, live."
        : "This sandbox's own policy: settings changes leave it alone.",
    ),
    !network.enforced && network.mode !== 'blocked' && h('p', { class: 'error' }, 'This runtime cannot enforce a policy: only an open network runs.'),
    button('Set Network Policy…', () => run('toggleNetwork'), 'Open, block, allowlist or follow the settings, live'),
  );
}

function modeLabel(network: NetworkView): string {
  return NETWORK_MODES[network.mode].label;
}

function modeSummary(network: NetworkView): string {
  return NETWORK_MODES[network.mode].detailsSummary;
}

function renderPorts(tunnels: TunnelView[], running: boolean): void {
  if (!running) {
    replaceChildren(parts.ports, h('p', { class: 'hint' }, 'None: the sandbox is not running.'));
    return;
  }
  replaceChildren(
    parts.ports,
    tunnels.length === 0
      ? h('p', { class: 'hint' }, 'No port is forwarded.')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Port'),
              h('th', { scope: 'col' }, 'Kind'),
              h('th', { scope: 'col' }, 'On this machine'),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
            ),
          ),
          h(
            'tbody',
            {},
            ...tunnels.map((tunnel) =>
              h(
                'tr',
                {},
                h('td', {}, String(tunnel.containerPort)),
                h('td', {}, TUNNEL_KINDS[tunnel.kind].label),
                h('td', {}, tunnel.url ? h('code', {}, tunnel.url) : 'not served by this window'),
                h(
                  'td',
                  { class: 'row-actions' },
                  button('Open', () => run('openInBrowser', tunnel.containerPort), `Open port ${tunnel.containerPort} in the browser`),
                  button('Copy URL', () => run('copyTunnelUrl', tunnel.containerPort), `Copy the URL of port ${tunnel.containerPort}`),
                ),
              ),
            ),
          ),
        ),
    button('Forward Port…', () => run('forwardPort')),
  );
}

function renderStats(): void {
  build();
  const latest = points.at(-1);
  const cpu = points.map((p) => p.cpuPercent);
  const memory = points.map((p) => p.memoryBytes / MIB);
  const cpuPeak = Math.max(0, ...cpu);
  const memoryPeak = Math.max(0, ...memory);
  const limitMiB = latest ? latest.memoryLimitBytes / MIB : 0;
  chart(parts.cpu, 'CPU', cpu, niceMax(Math.max(100, cpuPeak)), latest ? `${latest.cpuPercent.toFixed(1)} %` : '—', (v) => `${v} %`, `peak ${cpuPeak.toFixed(1)} %`);
  chart(
    parts.memory,
    'Memory',
    memory,
    niceMax(Math.max(16, memoryPeak * 1.2)),
    latest ? `${formatMiB(latest.memoryBytes / MIB)}` : '—',
    (v) => formatMiB(v),
    limitMiB ? `limit ${formatMiB(limitMiB)}` : '',
  );
  parts.statsNote.textContent = statsError
    ? `Stats unavailable: ${statsError}`
    : points.length === 0
      ? sandbox?.state === 'running' && !gone
        ? 'Waiting for the first sample from Docker…'
        : 'No samples: the sandbox is not running.'
      : "From Docker's stats, one sample a second while this panel is visible; 100 % is one core.";
}

function chart(container: HTMLElement, label: string, values: number[], max: number, now: string, scale: (v: number) => string, extra: string): void {
  const id = `chart-${label.toLowerCase()}`;
  const slots = Math.min(CAPACITY, Math.max(FIRST_WINDOW, values.length));
  const summary = values.length ? `${label} over the last ${values.length} seconds: now ${now}${extra ? `, ${extra}` : ''}.` : `${label}: no samples yet.`;
  replaceChildren(
    container,
    h(
      'div',
      { class: 'chart-head' },
      h('span', { class: 'chart-label', id: `${id}-label` }, label),
      h('span', { class: 'chart-value' }, now),
      extra && h('span', { class: 'hint' }, extra),
    ),
    svg(
      'svg',
      { viewBox: `0 0 ${CHART.width} ${CHART.height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': summary, class: `plot ${label.toLowerCase()}` },
      svg('line', { class: 'grid', x1: 0, x2: CHART.width, y1: CHART.height / 2, y2: CHART.height / 2 }),
      svg('polygon', { class: 'area', points: areaPoints(values, CHART, max, slots) }),
      svg('polyline', { class: 'line', points: linePoints(values, CHART, max, slots) }),
    ),
    h('div', { class: 'hint', 'aria-hidden': 'true' }, `scale 0 – ${scale(max)}; up to the last ${CAPACITY / 60} minutes`),
  );
}

function formatMiB(mib: number): string {
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib >= 100 ? mib.toFixed(0) : mib.toFixed(1)} MiB`;
}

function renderLogs(): void {
  build();
  const atBottom = parts.log.scrollTop + parts.log.clientHeight >= parts.log.scrollHeight - 4;
  parts.log.textContent = logs || '(no output yet)';
  parts.logNote.textContent = logsError
    ? `Could not read the log: ${logsError}`
    : "The last 200 lines of the main process's output, read every 3 seconds while this panel is visible.";
  if (atBottom) parts.log.scrollTop = parts.log.scrollHeight;
}

function button(label: string, onClick: () => void, title?: string): HTMLButtonElement {
  const element = h('button', { type: 'button', class: 'secondary', title }, label);
  element.addEventListener('click', onClick);
  return element;
}

function run(action: DetailsAction, port?: number): void {
  client.request('run', { action, port }).catch((error: Error) => {
    parts.message.textContent = error.message;
  });
}
