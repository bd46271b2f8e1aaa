import type { Readable } from 'node:stream';

/**
 * The JSON documents of a stream that carries one per line (Docker's stats and events streams),
 * parsed as they arrive: a chunk may end mid-line, and blank lines are skipped.
 */
export async function* jsonLines(stream: Readable): AsyncGenerator<unknown, void, undefined> {
  stream.setEncoding('utf8');
  let buffered = '';
  for await (const chunk of stream) {
    buffered += chunk as string;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) yield JSON.parse(line);
  }
}
