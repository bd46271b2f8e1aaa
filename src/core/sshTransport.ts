/**
 * The Engine API over SSH on few SSH connections. docker-modem's own `ssh://` transport opens a
 * new SSH connection (TCP + key exchange + authentication) for every API request, and one
 * sandbox create or command makes several: a create over SSH took ~7 s. Here every HTTP request
 * gets a channel on a shared connection: preferably a stream forwarded straight to the engine's
 * socket on the remote host (OpenSSH's `direct-streamlocal`, what `ssh -L local.sock:/var/run/docker.sock`
 * uses; the socket is the remote user's `DOCKER_HOST` when it names one, else Docker's default),
 * and where sshd refuses that (`AllowStreamLocalForwarding no`), `docker system dial-stdio` run
 * on the remote host (what the Docker CLI's ssh:// does), which costs a process start per request. sshd allows 10 sessions per connection by default (`MaxSessions`), and
 * terminals, relayed ports and followed logs hold theirs for long, so a connection takes at most
 * CHANNELS_PER_CONNECTION and another one is opened beyond that. A connection without channels
 * is closed after a short idle time, so scripts still exit.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';

const CHANNELS_PER_CONNECTION = 8;
const IDLE_CLOSE_MS = 5_000;

interface Connection {
  ready: Promise<Client>;
  /** The engine's socket on the remote host, or null when streams cannot be forwarded to it. */
  socket?: Promise<string | null>;
  open: number;
  idleTimer?: NodeJS.Timeout;
  client: Client;
}

export class SshDialAgent extends http.Agent {
  private readonly connections = new Set<Connection>();

  constructor(private readonly config: ConnectConfig) {
    super({ keepAlive: false });
  }

  // Node's Agent accepts a connection handed to the callback later (returning undefined).
  override createConnection(_options: unknown, callback: (error: Error | null, stream?: Duplex) => void): undefined {
    this.channel().then(
      (stream) => callback(null, stream),
      (error: Error) => callback(error),
    );
    return undefined;
  }

  override destroy(): void {
    super.destroy();
    for (const connection of this.connections) this.drop(connection);
  }

  /**
   * A TCP connection made by sshd on the remote host to `host:port` (OpenSSH's `direct-tcpip`,
   * what `ssh -L` uses): forwarded ports reach a sandbox's guard on the remote engine's bridge
   * this way, as a local engine's do from this machine. Rejects when sshd refuses
   * (`AllowTcpForwarding no`) or the connection fails; the caller then uses the exec relay.
   */
  forwardTcp(host: string, port: number): Promise<Duplex> {
    return this.channel(
      (client) => new Promise((resolve, reject) => client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => (error ? reject(error) : resolve(channel)))),
      false,
    );
  }

  private async channel(open?: (client: Client) => Promise<Duplex>, dropOnFailure = true): Promise<Duplex> {
    const connection = [...this.connections].find((c) => c.open < CHANNELS_PER_CONNECTION) ?? this.connect();
    connection.open++;
    clearTimeout(connection.idleTimer);
    let stream: Duplex;
    let connected = false;
    try {
      const client = await connection.ready;
      // Also run before a TCP forward: sshd turns TCP_NODELAY on for a connection at its first
      // session (this exec), and without it a response's last small write waits for our delayed ACK (40 ms).
      connection.socket ??= remoteSocket(client);
      const socket = await connection.socket;
      if (open) {
        connected = true;
        stream = await open(client);
      } else {
        const forwarded = socket ? await forwardTo(client, socket).catch(() => null) : null;
        if (socket && !forwarded) connection.socket = Promise.resolve(null); // refused: dial-stdio from now on
        stream =
          forwarded ??
          (await new Promise<Duplex>((resolve, reject) => {
            client.exec('docker system dial-stdio', (error, channel) => (error ? reject(error) : resolve(channel)));
          }));
      }
    } catch (error) {
      // A connection that cannot open a channel is not used again (a refused TCP forward is
      // the remote side's answer, not the connection's fault).
      if (dropOnFailure || !connected) this.drop(connection);
      else this.release(connection);
      throw error;
    }
    stream.once('close', () => this.release(connection));
    return stream;
  }

  private release(connection: Connection): void {
    connection.open--;
    if (connection.open === 0) connection.idleTimer = setTimeout(() => this.drop(connection), IDLE_CLOSE_MS).unref();
  }

  private connect(): Connection {
    const client = new Client();
    const connection: Connection = {
      client,
      open: 0,
      ready: new Promise<Client>((resolve, reject) => {
        client.once('ready', () => {
          // Small writes (a forwarded port's request, an exec's keystrokes) go out at once, not
          // after Nagle's wait for the previous segment's ACK.
          client.setNoDelay(true);
          resolve(client);
        });
        client.once('error', reject);
      }),
    };
    connection.ready.catch(() => undefined);
    client.once('close', () => this.connections.delete(connection));
    client.on('error', () => this.connections.delete(connection));
    this.connections.add(connection);
    client.connect(this.config);
    return connection;
  }

  private drop(connection: Connection): void {
    clearTimeout(connection.idleTimer);
    this.connections.delete(connection);
    connection.client.end();
  }
}

/** An ssh:// engine's TCP forward on its host (portPath `forward`), given its endpoint's agent; undefined for other engines. */
export function sshForwarder(agent: unknown): ((host: string, port: number) => Promise<Duplex>) | undefined {
  return agent instanceof SshDialAgent ? (host, port) => agent.forwardTcp(host, port) : undefined;
}

/** The remote user's engine socket: `DOCKER_HOST` when it is a unix:// URL, Docker's default when unset, else null. */
function remoteSocket(client: Client): Promise<string | null> {
  return new Promise((resolve) => {
    client.exec('printf %s "$DOCKER_HOST"', (error, channel) => {
      if (error) return resolve(null);
      let out = '';
      channel.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      channel.stderr.resume();
      channel.on('close', () => {
        const value = out.trim();
        if (!value) return resolve('/var/run/docker.sock');
        resolve(value.startsWith('unix://') ? value.slice('unix://'.length) : value.startsWith('/') ? value : null);
      });
    });
  });
}

/** A stream to a unix socket on the remote host (sshd's streamlocal forwarding). */
function forwardTo(client: Client, socketPath: string): Promise<Duplex> {
  return new Promise((resolve, reject) => client.openssh_forwardOutStreamLocal(socketPath, (error, channel) => (error ? reject(error) : resolve(channel))));
}
