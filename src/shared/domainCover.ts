/**
 * Whether one normalised domain allowlist entry allows nothing another does not (issue #12):
 * `a.example.com` ⊆ `*.example.com`, `*.a.example.com` ⊆ `*.example.com`, a port entry only
 * within the same port (`name` means 80 and 443). For "workspace settings may only tighten" and
 * the live re-apply's ordering of policies. Pure, no Node: entries come from the engine's
 * validator already normalised (lower case, punycode, no trailing dot).
 */
interface Parts {
  name: string;
  wildcard: boolean;
  ports: number[];
}

function parts(entry: string): Parts {
  let rest = entry.trim().toLowerCase();
  let ports = [80, 443];
  const port = /:(\d{1,5})$/.exec(rest);
  if (port) {
    ports = [Number(port[1])];
    rest = rest.slice(0, port.index);
  }
  const wildcard = rest.startsWith('*.');
  return { name: wildcard ? rest.slice(2) : rest, wildcard, ports };
}

export function domainEntryWithin(entry: string, outer: string): boolean {
  const e = parts(entry);
  const o = parts(outer);
  if (!e.ports.every((p) => o.ports.includes(p))) return false;
  if (!o.wildcard) return !e.wildcard && e.name === o.name;
  return e.name.endsWith(`.${o.name}`) || (e.wildcard && e.name === o.name);
}

export function domainWithinList(entry: string, list: readonly string[]): boolean {
  return list.some((outer) => domainEntryWithin(entry, outer));
}

/** The entries of either list that the other list covers: what both allow. */
export function intersectDomainLists(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a.filter((e) => domainWithinList(e, b)), ...b.filter((e) => domainWithinList(e, a))])];
}
