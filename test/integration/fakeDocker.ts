/**
 * A Docker endpoint that only a test uses: a unix socket answering the few Engine API calls the
 * reaper makes (list, inspect, kill, events) about containers the test describes. On the shared
 * engine a reaper also watches every other client's sandboxes, so "it exits once nothing has a
 * deadline" can only be asserted against an endpoint whose containers the test controls.
 */
import * as http from 'node:http';

export interface FakeContainer {
  Id: string;
  Labels: Record<string, string>;
  State: 'running' | 'exited';
}

export class FakeDocker {
  readonly containers = new Map<string, FakeContainer>();
  /** Container id → when the reaper killed it (ms since the epoch). */
  readonly kills = new Map<string, number>();
  listCalls = 0;
  private readonly subscribers = new Set<http.ServerResponse>();
  private readonly server: http.Server;

  constructor(readonly socketPath: string) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  get eventSubscribers(): number {
    return this.subscribers.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  close(): Promise<void> {
    for (const res of this.subscribers) res.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  add(container: FakeContainer): void {
    this.containers.set(container.Id, container);
  }

  /** What Docker sends on its event stream for a container action (`start`, `die`). */
  emit(action: string, id: string): void {
    const labels = this.containers.get(id)?.Labels ?? {};
    const event = {
      Type: 'container',
      Action: action,
      status: action,
      id,
      Actor: { ID: id, Attributes: labels },
      time: Math.floor(Date.now() / 1000),
      timeNano: Date.now() * 1e6,
    };
    for (const res of this.subscribers) res.write(`${JSON.stringify(event)}\n`);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://docker');
    const route = url.pathname.replace(/^\/v[\d.]+/, '');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && route === '/_ping') return void res.end('OK');
    if (req.method === 'GET' && route === '/containers/json') {
      this.listCalls++;
      const all = url.searchParams.get('all') === 'true' || url.searchParams.get('all') === '1';
      return json(
        200,
        [...this.containers.values()].filter((c) => all || c.State === 'running'),
      );
    }
    if (req.method === 'GET' && route === '/events') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      this.subscribers.add(res);
      res.on('close', () => this.subscribers.delete(res));
      return;
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(route);
    if (req.method === 'GET' && inspect) {
      const c = this.containers.get(inspect[1]);
      return c ? json(200, { Id: c.Id, Config: { Labels: c.Labels }, State: { Running: c.State === 'running' }, ExecIDs: [] }) : json(404, { message: 'No such container' });
    }
    const kill = /^\/containers\/([^/]+)\/kill$/.exec(route);
    if (req.method === 'POST' && kill) {
      const c = this.containers.get(kill[1]);
      if (!c) return json(404, { message: 'No such container' });
      if (c.State !== 'running') return json(409, { message: 'is not running' });
      c.State = 'exited';
      this.kills.set(c.Id, Date.now());
      res.writeHead(204);
      res.end();
      this.emit('die', c.Id);
      return;
    }
    json(404, { message: `the fake Docker endpoint does not serve ${req.method} ${route}` });
  }
}
