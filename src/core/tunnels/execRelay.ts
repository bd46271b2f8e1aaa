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
import { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import { StreamDemuxer } from '../exec';

// Why each step is there (measured in docs/benchmarks.md, "Relay throughput and latency"):
// - TCP_QUICKACK after every read from the server: a server that writes a response's headers
//   and body separately with Nagle on (Python's http.server does) has its body held until the
//   headers are ACKed, and a delayed ACK takes 40 ms; the relay ACKs at once instead.
// - 1 MiB pipes (F_SETPIPE_SZ, 1031) on stdin and stdout, and 256 KiB reads: fewer wake-ups of
//   the relay and of containerd-shim, which copies the exec's pipes to dockerd.
const RELAY = String.raw`
use strict; use IO::Socket::INET; use IO::Select; use Socket qw(IPPROTO_TCP TCP_NODELAY);
my $port = shift; binmode STDIN; binmode STDOUT;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
if (!$s) { syswrite STDERR, "ERR $!\n"; exit 3; }
setsockopt($s, IPPROTO_TCP, TCP_NODELAY, 1);
fcntl(STDOUT, 1031, 1 << 20); fcntl(STDIN, 1031, 1 << 20);
syswrite STDERR, "OK\n";
my $sel = IO::Select->new(\*STDIN, $s); my ($in, $out) = (1, 1); my $buf;
sub put { my ($fh, $b) = @_; my $off = 0; while ($off < length $b) { my $w = syswrite($fh, $b, length($b) - $off, $off); exit 0 unless defined $w; $off += $w; } }
while ($in || $out) {
  for my $fh ($sel->can_read) {
    my $n = sysread($fh, $buf, 262144);
    if ($fh == $s) { if (!$n) { $out = 0; $sel->remove($s); close STDOUT; } else { setsockopt($s, IPPROTO_TCP, 12, 1); put(\*STDOUT, $buf); } }
    else { if (!$n) { $in = 0; $sel->remove(\*STDIN); shutdown($s, 1); } else { put($s, $buf); } }
  }
}
`;

/** Opens one relayed connection to `port` inside the sandbox whose guard is `guardId`. */
export async function openExecRelay(docker: Docker, guardId: string, port: number): Promise<Duplex> {
  const exec = await docker.getContainer(guardId).exec({ Cmd: ['perl', '-e', RELAY, String(port)], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
  const socket = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
  const relay = new RelayStream(socket);
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      relay.destroy();
      reject(
        new SandboxError(
          'TUNNEL_FAILED',
          `Could not reach port ${port} in the sandbox through the engine (${why}).`,
          'Start the server inside the sandbox on that port, listening on 0.0.0.0 or 127.0.0.1.',
        ),
      );
    };
    relay.onStderr = (said) => {
      if (said.startsWith('OK\n')) {
        relay.onStderr = undefined;
        socket.off('close', onClose);
        resolve();
      } else if (said.includes('\n')) fail(said.trim().slice(0, 200));
    };
    const onClose = () => fail(relay.said.trim().slice(0, 200) || 'the relay ended before connecting');
    socket.once('close', onClose);
    socket.once('error', (error: Error) => fail(error.message));
  });
  return relay;
}

/**
 * Writes go to the exec's stdin (raw bytes); reads are the exec's stdout, taken out of Docker's
 * frames without copying (StreamDemuxer; docker-modem's demuxStream copies every byte two or
 * three times and ignores backpressure). Backpressure reaches the engine's stream: while the
 * reader does not take more, the stream is paused (and SSH's window closes behind it).
 */
class RelayStream extends Duplex {
  /** What the relay wrote to stderr (its "OK" or the error), capped. */
  said = '';
  onStderr?: (said: string) => void;

  constructor(private readonly socket: Duplex) {
    super({ allowHalfOpen: true, readableHighWaterMark: 1 << 20 });
    const frames = new StreamDemuxer((stream, bytes) => {
      if (stream === 1) {
        if (!this.push(bytes)) socket.pause();
      } else if (this.said.length < 1000) {
        this.said += bytes.toString('utf8');
        this.onStderr?.(this.said);
      }
    });
    socket.on('data', (chunk: Buffer) => frames.push(chunk));
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.push(null));
    socket.on('error', (error: Error) => this.destroy(error));
  }

  override _read(): void {
    this.socket.resume();
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
