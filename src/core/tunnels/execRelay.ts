/**
 * A forwarded port's connection carried over the Docker engine's own connection, for engines
 * whose bridge this machine cannot reach (a remote engine over SSH or TLS): each connection is
 * an exec in the sandbox's guard (it shares the sandbox's network namespace) that connects to the
 * port on loopback and copies bytes between its stdin/stdout and that socket. The tunnel's TLS
 * and h2 stay terminated by the local listener, so every port kind behaves as over the bridge.
 *
 * Why Perl: perl-base (with IO::Socket and IO::Select) is part of every Debian system, so the
 * guard image built from Debian has it without adding anything (the Alpine build adds `perl`);
 * it starts faster than the image's Node.js, and a connection pays that start.
 * The relay half-closes: end of input shuts down the socket's write side, as the bridge path
 * does, so request/response protocols that rely on a FIN still work.
 */
import { Duplex, PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';

const RELAY = String.raw`
use strict; use IO::Socket::INET; use IO::Select; use Socket qw(IPPROTO_TCP TCP_NODELAY);
my $port = shift; binmode STDIN; binmode STDOUT;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
if (!$s) { syswrite STDERR, "ERR $!\n"; exit 3; }
setsockopt($s, IPPROTO_TCP, TCP_NODELAY, 1);
syswrite STDERR, "OK\n";
my $sel = IO::Select->new(\*STDIN, $s); my ($in, $out) = (1, 1); my $buf;
sub put { my ($fh, $b) = @_; my $off = 0; while ($off < length $b) { my $w = syswrite($fh, $b, length($b) - $off, $off); exit 0 unless defined $w; $off += $w; } }
while ($in || $out) {
  for my $fh ($sel->can_read) {
    my $n = sysread($fh, $buf, 65536);
    if ($fh == $s) { if (!$n) { $out = 0; $sel->remove($s); close STDOUT; } else { put(\*STDOUT, $buf); } }
    else { if (!$n) { $in = 0; $sel->remove(\*STDIN); shutdown($s, 1); } else { put($s, $buf); } }
  }
}
`;

/** Opens one relayed connection to `port` inside the sandbox whose guard is `guardId`. */
export async function openExecRelay(docker: Docker, guardId: string, port: number): Promise<Duplex> {
  const exec = await docker.getContainer(guardId).exec({ Cmd: ['perl', '-e', RELAY, String(port)], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const socket = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(socket, stdout, stderr);
  socket.on('end', () => stdout.end());
  socket.on('close', () => stdout.end());
  await new Promise<void>((resolve, reject) => {
    let said = '';
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new SandboxError(
          'TUNNEL_FAILED',
          `Could not reach port ${port} in the sandbox through the engine (${why}).`,
          'Start the server inside the sandbox on that port, listening on 0.0.0.0 or 127.0.0.1.',
        ),
      );
    };
    const onData = (chunk: Buffer) => {
      said += chunk.toString('utf8');
      if (said.startsWith('OK\n')) {
        stderr.off('data', onData);
        socket.off('close', onClose);
        resolve();
      } else if (said.includes('\n')) fail(said.trim().slice(0, 200));
    };
    const onClose = () => fail(said.trim().slice(0, 200) || 'the relay ended before connecting');
    stderr.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', (error: Error) => fail(error.message));
  });
  stderr.resume();
  return new RelayStream(socket, stdout);
}

/** Writes go to the exec's stdin (raw bytes), reads come from its demultiplexed stdout. */
class RelayStream extends Duplex {
  constructor(
    private readonly socket: Duplex,
    private readonly output: PassThrough,
  ) {
    super({ allowHalfOpen: true });
    output.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) output.pause();
    });
    output.on('end', () => this.push(null));
    socket.on('error', (error: Error) => this.destroy(error));
  }

  override _read(): void {
    this.output.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.socket.write(chunk, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    // Closes the exec's stdin: the relay then shuts down the socket's write side (a FIN).
    this.socket.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }
}
