/**
 * The Engine API over SSH on few SSH connections. docker-modem's own `ssh://` transport opens a
 * new SSH connection (TCP + key exchange + authentication) for every API request, and one
 * sandbox create or command makes several: a create over SSH took ~7 s. Here every HTTP request
 * gets a channel running `docker system dial-stdio` (what the Docker CLI's ssh:// does) on a
 * shared connection. sshd allows 10 sessions per connection by default (`MaxSessions`), and
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

  private async channel(): Promise<Duplex> {
    const connection = [...this.connections].find((c) => c.open < CHANNELS_PER_CONNECTION) ?? this.connect();
    connection.open++;
    clearTimeout(connection.idleTimer);
    let stream: Duplex;
    try {
      const client = await connection.ready;
      stream = await new Promise<Duplex>((resolve, reject) => {
        client.exec('docker system dial-stdio', (error, channel) => (error ? reject(error) : resolve(channel)));
      });
    } catch (error) {
      // A connection that cannot open a channel is not used again.
      this.drop(connection);
      throw error;
    }
    stream.once('close', () => {
      connection.open--;
      if (connection.open === 0) connection.idleTimer = setTimeout(() => this.drop(connection), IDLE_CLOSE_MS).unref();
    });
    return stream;
  }

  private connect(): Connection {
    const client = new Client();
    const connection: Connection = {
      client,
      open: 0,
      ready: new Promise<Client>((resolve, reject) => {
        client.once('ready', () => resolve(client));
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
