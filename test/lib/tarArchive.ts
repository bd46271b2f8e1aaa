/** Tar archives built in memory, entry by entry, for the files tests (hostile archives included). */
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';

/** A tar stream of these entries (headers as given, `body` as the content). */
export async function packArchive(entries: (tar.Headers & { body?: string })[]): Promise<Readable> {
  const pack = tar.pack();
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => pack.entry(header, body ?? '', (error) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  return pack as unknown as Readable;
}
