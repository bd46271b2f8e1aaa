import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Sandbox ids look like Modal's: `sb-` and 12 lowercase letters or digits. */
export function newSandboxId(): string {
  const bytes = randomBytes(12);
  let id = 'sb-';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

export function isSandboxId(value: string): boolean {
  return /^sb-[a-z0-9]{12}$/.test(value);
}
