/**
 * The name a TLS client asks for: the SNI of its first ClientHello (issue #12). The gateway
 * refuses what carries no single clear name — no SNI, several names, an encrypted ClientHello
 * (ECH hides the real name behind a provider's public one), a hello split over records (no
 * common client does it; accepting it would mean buffering and re-parsing for little gain).
 */
export type SniResult = { need: true } | { name: string } | { refused: string };

/** Largest first record we wait for (TLS's maximum plaintext record plus its header). */
const MAX_RECORD = 16_384 + 5;

export function readSni(buf: Buffer): SniResult {
  if (buf.length < 5) return { need: true };
  if (buf[0] !== 22) return { refused: 'not TLS' };
  const recordLen = buf.readUInt16BE(3);
  if (recordLen > MAX_RECORD - 5) return { refused: 'ClientHello too large' };
  if (buf.length < 5 + recordLen) return { need: true };
  const hs = buf.subarray(5, 5 + recordLen);
  if (hs.length < 4 || hs[0] !== 1) return { refused: 'not a ClientHello' };
  const hsLen = hs.readUIntBE(1, 3);
  if (hsLen + 4 > hs.length) return { refused: 'ClientHello split over records' };
  const end0 = 4 + hsLen;
  let off = 4 + 2 + 32;
  const need = (n: number) => {
    if (off + n > end0) throw new Error('short');
  };
  try {
    need(1);
    off += 1 + hs[off]; // session id
    need(2);
    off += 2 + hs.readUInt16BE(off); // cipher suites
    need(1);
    off += 1 + hs[off]; // compression methods
    if (off === end0) return { refused: 'no SNI' }; // no extensions at all
    need(2);
    const end = off + 2 + hs.readUInt16BE(off);
    off += 2;
    if (end > end0) throw new Error('short');
    let name: string | undefined;
    let names = 0;
    let sniExtensions = 0;
    while (off + 4 <= end) {
      const type = hs.readUInt16BE(off);
      const len = hs.readUInt16BE(off + 2);
      if (off + 4 + len > end) throw new Error('short');
      const body = hs.subarray(off + 4, off + 4 + len);
      if (type === 0xfe0d) return { refused: 'encrypted ClientHello (ECH): the name is hidden' };
      if (type === 0) {
        sniExtensions++;
        let p = 2;
        while (p + 3 <= body.length) {
          const nameType = body[p];
          const nameLen = body.readUInt16BE(p + 1);
          if (p + 3 + nameLen > body.length) throw new Error('short');
          if (nameType === 0) {
            names++;
            name = body.subarray(p + 3, p + 3 + nameLen).toString('latin1');
          }
          p += 3 + nameLen;
        }
      }
      off += 4 + len;
    }
    if (names === 0 || name === undefined) return { refused: 'no SNI' };
    if (names > 1 || sniExtensions > 1) return { refused: 'several SNI names' };
    return { name };
  } catch {
    return { refused: 'malformed ClientHello' };
  }
}
