/**
 * The syntax of one `sandboxes.network.cidrAllowlist` entry as a regular expression, so the
 * Settings editor flags a malformed entry as it is typed. package.json carries the same text
 * (test/unit/cidrPattern.test.ts keeps the two in step); the adapter checks entries against it
 * too, so what the Settings editor flags is exactly what is refused.
 *
 * Stricter than "whatever parses": IPv4 in four decimal parts only (no `10.1`, no octal `010.0.0.1`,
 * which some parsers read as 8.0.0.1), IPv6 without zone ids or embedded IPv4. Semantic checks
 * (host bits set, IPv4-mapped networks) are the engine's `parseCidr`.
 *
 * Pure and free of Node modules: the Create Sandbox form's script checks entries as they are typed
 * with `checkAllowlistEntry`, the same check the settings get.
 */
import { asSentence } from './sentence';

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
export const IPV4 = `(?:${OCTET}\\.){3}${OCTET}`;
const IPV4_PREFIX = '(?:3[0-2]|[12]?[0-9])';

const H = '[0-9A-Fa-f]{1,4}';
/** Every way to write eight groups, with at most one `::` standing for one or more zero groups. */
export const IPV6 = `(?:${[
  `(?:${H}:){7}${H}`,
  `(?:${H}:){1,7}:`,
  `(?:${H}:){1,6}:${H}`,
  `(?:${H}:){1,5}(?::${H}){1,2}`,
  `(?:${H}:){1,4}(?::${H}){1,3}`,
  `(?:${H}:){1,3}(?::${H}){1,4}`,
  `(?:${H}:){1,2}(?::${H}){1,5}`,
  `${H}:(?::${H}){1,6}`,
  `:(?:(?::${H}){1,7}|:)`,
].join('|')})`;
const IPV6_PREFIX = '(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])';

/**
 * An IPv4 or IPv6 address, optionally with a prefix length. Surrounding spaces pass: the engine
 * trims them, and a stray space pasted into the Settings editor is not worth an error.
 */
export const CIDR_ENTRY_PATTERN = `^\\s*(?:${IPV4}(?:/${IPV4_PREFIX})?|${IPV6}(?:/${IPV6_PREFIX})?)\\s*$`;

export const CIDR_ENTRY_PATTERN_ERROR = 'Use an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or fd00::/8, or a single address such as 192.0.2.7 (IPv4 in four decimal parts).';

const CIDR_ENTRY = new RegExp(CIDR_ENTRY_PATTERN, 'u');

export function matchesCidrSyntax(entry: string): boolean {
  return CIDR_ENTRY.test(entry);
}

/** The engine's `parseCidr`: the normalised entry, or why it is refused ("has host bits set; …"). */
export type CidrParser = (entry: string) => { cidr: string } | string;

/**
 * One allowlist entry, checked the way settings and the Create Sandbox form both check it: the
 * syntax above, then the engine's semantic checks. The normalised entry (`192.0.2.7` →
 * `192.0.2.7/32`), or a sentence saying what is wrong with it.
 */
export function checkAllowlistEntry(entry: unknown, parseCidr: CidrParser): { cidr: string } | string {
  if (typeof entry !== 'string') {
    return `${JSON.stringify(entry) ?? String(entry)} is not a string.`;
  }
  if (!matchesCidrSyntax(entry)) {
    return `"${entry}" is not an IPv4 or IPv6 address or CIDR.`;
  }
  const parsed = parseCidr(entry.trim());
  return typeof parsed === 'string' ? asSentence(`"${entry}" ${parsed}`) : parsed;
}
