import * as ipaddr from 'ipaddr.js';
import { SandboxError } from '../errors';

/**
 * Entries of a domain allowlist, as the egress gateway enforces them (docs/domain-allowlist.md):
 *
 * - `example.com`: that name only, on TCP ports 80 (HTTP, name from the Host header) and 443
 *   (TLS, name from the SNI);
 * - `*.example.com`: every name below it, at any depth, but not `example.com` itself (list both
 *   for both);
 * - `name:port` (also `*.name:port`): that port only, instead of 80 and 443.
 *
 * Names are stored normalised — lower case, international names in punycode (what DNS, SNI and
 * the Host header carry) — so comparing entries is comparing strings. Anything that is not a
 * plain host name is refused with a message that says what is wrong and, where it is obvious,
 * what was meant (`https://example.org/simple` → `example.org`): an allowlist entry that silently
 * meant something else would allow the wrong thing or nothing at all.
 */

export interface DomainEntry {
  /** Normalised text of the entry, e.g. `example.org`, `*.example.com`, `example.com:8443`. */
  entry: string;
  /** The name in ASCII without `*.` and port, e.g. `example.com`. */
  name: string;
  /** True for `*.name`: names below `name` match, `name` itself does not. */
  wildcard: boolean;
  /** TCP ports this entry allows: the one it names, else 80 and 443. */
  ports: number[];
}

export const DEFAULT_DOMAIN_PORTS: readonly number[] = [80, 443];

// No Node imports: the create form's webview validates entries with this file too.
/** An IPv4 address in four decimal parts or an IPv6 address (what node:net's isIP accepts). */
function isIP(text: string): boolean {
  return text.includes(':') ? ipaddr.IPv6.isValid(text) && !text.includes('%') : ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** IDNA to ASCII (punycode), as node:url's domainToASCII: '' when the name cannot be converted. */
function domainToASCII(text: string): string {
  try {
    return new URL(`http://${text}/`).hostname;
  } catch {
    return '';
  }
}

const MAX_NAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const ADDRESS_HINT = 'is an IP address; addresses belong in the CIDR allowlist (cidrAllowlist), names in this one';

/**
 * Parses one domain allowlist entry. Returns an error text instead of throwing (like
 * `parseCidr`), so callers can report every bad entry at once.
 */
export function parseDomainEntry(entry: string): DomainEntry | string {
  const text = entry.trim();
  if (!text) return 'is empty';
  if (/\s/.test(text)) return 'contains a space; write one name per entry';
  const notHost = notAHostName(text);
  if (notHost !== undefined) return notHost;
  const withPort = splitPort(text);
  if (typeof withPort === 'string') return withPort;
  const { port } = withPort;
  const portSuffix = port === undefined ? '' : `:${port}`;
  const named = splitWildcard(withPort.name, portSuffix);
  if (typeof named === 'string') return named;
  const { name, wildcard } = named;
  const spelling = spellingProblem(name, wildcard, portSuffix);
  if (spelling !== undefined) return spelling;
  const ascii = dnsName(name, wildcard);
  if (ascii.problem !== undefined) return ascii.problem;
  return {
    entry: `${wildcard ? '*.' : ''}${ascii.name}${portSuffix}`,
    name: ascii.name,
    wildcard,
    ports: port === undefined ? [...DEFAULT_DOMAIN_PORTS] : [port],
  };
}

/** A URL, a user name, a path or an address where a host name belongs. */
function notAHostName(text: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme) return `is a URL; ${suggest(fromUrl(text), 'write only the host name, e.g. example.org')}`;
  if (text.includes('@'))
    return `has a user name ("${text.slice(0, text.lastIndexOf('@') + 1)}"); ${suggest(cleanSuggestion(text.slice(text.lastIndexOf('@') + 1)), 'write only the host name')}`;

  const cut = text.search(/[/?#]/);
  if (cut !== -1) {
    if (text[cut] === '/' && isIP(text.slice(0, cut))) return `is a CIDR; addresses and networks belong in the CIDR allowlist (cidrAllowlist)`;
    return `has a path ("${text.slice(cut)}"); ${suggest(cleanSuggestion(text.slice(0, cut)), 'write only the host name')}`;
  }
  if (text.startsWith('[') || isIP(text)) return ADDRESS_HINT;
  return undefined;
}

/** `name:port` into its parts (no port: `port` undefined). */
function splitPort(text: string): { name: string; port: number | undefined } | string {
  const colon = text.indexOf(':');
  if (colon === -1) return { name: text, port: undefined };
  if (text.indexOf(':', colon + 1) !== -1) return 'is not a host name (an IPv6 address belongs in the CIDR allowlist, cidrAllowlist)';
  const portText = text.slice(colon + 1);
  const name = text.slice(0, colon);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    return `has an invalid port "${portText}"; write name:port with a TCP port from 1 to 65535, e.g. example.com:8443`;
  }
  if (!name) return 'has a port but no name; write name:port, e.g. example.com:8443';
  if (isIP(name)) return ADDRESS_HINT;
  return { name, port: Number(portText) };
}

/** `*.name` into the name and whether it is a wildcard; "*" anywhere else is refused. */
function splitWildcard(text: string, portSuffix: string): { name: string; wildcard: boolean } | string {
  if (text === '*') return 'is "*" alone, which would allow every name; use open mode for that, or name the domains';
  let name = text;
  let wildcard = false;
  if (text.startsWith('*.')) {
    wildcard = true;
    name = text.slice(2);
    if (!name) return 'is "*." without a domain; write e.g. *.example.com for the names below example.com';
  } else if (text.startsWith('*')) {
    return `has "*" joined to a name; ${suggest(`*.${text.slice(1).replace(/^\.+/, '')}${portSuffix}`, 'write *.example.com')} ("*." matches the names below a domain)`;
  }
  if (name.includes('*')) return '"*" may only stand as the whole first label, as in *.example.com (the names below example.com)';
  return { name, wildcard };
}

/** Dots, underscores and characters no host name has, each with what was probably meant. */
function spellingProblem(text: string, wildcard: boolean, portSuffix: string): string | undefined {
  if (text.endsWith('.')) {
    const trimmed = text.replace(/\.+$/, '');
    return `ends with a dot; ${suggest(trimmed ? `${wildcard ? '*.' : ''}${trimmed}${portSuffix}` : undefined, 'remove the dot')}`;
  }
  if (text.startsWith('.')) {
    const base = text.replace(/^\.+/, '');
    return `starts with a dot; did you mean *.${base}${portSuffix} (the names below ${base}) or ${base}${portSuffix} (that name)?`;
  }
  if (text.includes('..')) return `has an empty label (".."); did you mean ${wildcard ? '*.' : ''}${text.replace(/\.{2,}/g, '.')}${portSuffix}?`;
  if (text.includes('_')) return 'contains "_", which host names cannot contain (only letters, digits and "-")';
  const bad = /[\x00-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/.exec(text);
  if (bad) return `contains "${bad[0]}", which host names cannot contain (only letters, digits, "-" and "." between labels)`;
  // URL parsers and resolvers take an all-digit last label for an IPv4 address ("1.2.3").
  if (/(^|\.)\d+$/.test(text)) return `${ADDRESS_HINT} (a host name never ends in an all-digit label)`;
  return undefined;
}

/** The name in DNS form (IDNA), or why it is not a valid one (lengths, labels, a bare top-level domain). */
function dnsName(text: string, wildcard: boolean): { name: string; problem?: undefined } | { name?: undefined; problem: string } {
  const ascii = domainToASCII(text.toLowerCase());
  if (!ascii) return { problem: 'is not a valid international domain name' };
  if (ascii.length > MAX_NAME - (wildcard ? 2 : 0)) {
    return {
      problem: `is ${ascii.length} characters long${ascii !== text.toLowerCase() ? ` in DNS form (${ascii.slice(0, 24)}…)` : ''}; DNS names have at most ${MAX_NAME}${wildcard ? ', and a name below it needs room for at least "x."' : ''}`,
    };
  }
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label.length > MAX_LABEL) return { problem: `has a label of ${label.length} characters ("${label.slice(0, 16)}…"); DNS allows at most ${MAX_LABEL} per label` };
    if (!LABEL.test(label)) {
      if (label.startsWith('-') || label.endsWith('-')) return { problem: `has the label "${label}", which starts or ends with "-"` };
      return { problem: `has the label "${label}", which is not a host name label (letters, digits and "-")` };
    }
  }
  if (wildcard && labels.length < 2) return { problem: `would allow every name under the top-level domain "${ascii}"; name a domain, e.g. *.example.${ascii}` };
  return { name: ascii };
}

function suggest(candidate: string | undefined, otherwise: string): string {
  return candidate && typeof parseDomainEntry(candidate) !== 'string' ? `did you mean ${(parseDomainEntry(candidate) as DomainEntry).entry}?` : otherwise;
}

/** What a URL names as an allowlist entry: its host, and its port only when it is not 80 or 443. */
function fromUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (!url.hostname || isIP(url.hostname.replace(/^\[|\]$/g, ''))) return undefined;
    return url.port && !DEFAULT_DOMAIN_PORTS.includes(Number(url.port)) ? `${url.hostname}:${url.port}` : url.hostname;
  } catch {
    return undefined;
  }
}

function cleanSuggestion(text: string): string | undefined {
  return text.replace(/\.+$/, '') || undefined;
}

/**
 * Validates a domain allowlist from any source (API, settings, form); one error names every bad
 * entry, and nothing of a list with a bad entry is used. Returns the normalised entries, without
 * duplicates, in their first order.
 */
export function validateDomainAllowlist(list: unknown, source = 'domainAllowlist'): string[] {
  const problems: string[] = [];
  const entries: string[] = [];
  if (list === undefined || list === null) return entries;
  if (!Array.isArray(list)) {
    problems.push(`${source} must be an array of host names`);
  } else {
    list.forEach((entry, i) => {
      if (typeof entry !== 'string') return void problems.push(`${source}[${i}] must be a string`);
      const parsed = parseDomainEntry(entry);
      if (typeof parsed === 'string') problems.push(`${source}[${i}] "${entry}" ${parsed}`);
      else if (!entries.includes(parsed.entry)) entries.push(parsed.entry);
    });
  }
  if (problems.length) {
    throw new SandboxError(
      'INVALID_POLICY',
      `Invalid network policy: ${problems.join('; ')}. Nothing was applied.`,
      `Correct the entries named above: host names such as example.org, *.example.com for the names below a domain, or name:port for a TCP port other than 80 and 443 (e.g. in the setting sandboxes.network.domainAllowlist). Addresses and networks belong in the CIDR allowlist.`,
    );
  }
  return entries;
}

/**
 * The name a connection asks for (TLS SNI, HTTP Host without its port, a DNS question) in the
 * form entries are stored in, or null when it is not a host name — an address, a malformed or
 * empty name — which no entry matches.
 */
export function normaliseHost(host: string): string | null {
  let text = host.trim().toLowerCase();
  if (text.endsWith('.')) text = text.slice(0, -1); // the root label: "example.com." is example.com
  if (!text || text.includes('*') || text.includes(':') || isIP(text)) return null;
  if (/[\x00-\x2c\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]/.test(text)) return null;
  const ascii = /^[\x00-\x7f]*$/.test(text) ? text : domainToASCII(text);
  if (!ascii || ascii.length > MAX_NAME) return null;
  const labels = ascii.split('.');
  // Underscores are not host names, but DNS questions may carry them (_acme-challenge…): they
  // are simply never matched, as no entry can contain one.
  if (labels.some((label) => !label || label.length > MAX_LABEL || !/^[a-z0-9_-]+$/.test(label))) return null;
  if (/^\d+$/.test(labels[labels.length - 1])) return null;
  return ascii;
}

/** Whether an entry covers a name already normalised (`normaliseHost`). */
export function entryMatches(entry: DomainEntry, name: string): boolean {
  return entry.wildcard ? name.length > entry.name.length + 1 && name.endsWith(`.${entry.name}`) : name === entry.name;
}

/**
 * Whether a connection to `host` on TCP `port` is allowed by the list (normalised entries or
 * parsed ones). Pass `port` undefined to ask about the name alone, on any port (what the DNS
 * answer needs). Entries that do not parse match nothing: a bad list can only refuse more.
 */
export function domainAllowed(list: readonly (string | DomainEntry)[], host: string, port?: number): boolean {
  const name = normaliseHost(host);
  if (name === null) return false;
  for (const item of list) {
    const entry = typeof item === 'string' ? parseDomainEntry(item) : item;
    if (typeof entry === 'string') continue;
    if ((port === undefined || entry.ports.includes(port)) && entryMatches(entry, name)) return true;
  }
  return false;
}
