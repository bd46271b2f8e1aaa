/** The gateway's output: one JSON line per event on stdout, which the engine reads as network events. */

/** Same name refused again within this time: counted, not printed again (a loop must not flood the log). */
const REPEAT_MS = 2000;
const recent = new Map<string, { at: number; repeats: number }>();
export function refused(protocol: string, fields: Record<string, unknown>): void {
  const key = `${protocol} ${String(fields.name ?? fields.address ?? '')} ${String(fields.port ?? '')} ${String(fields.reason)}`;
  const now = Date.now();
  const seen = recent.get(key);
  if (seen && now - seen.at < REPEAT_MS) {
    seen.repeats++;
    return;
  }
  recent.set(key, { at: now, repeats: 0 });
  if (recent.size > 1000) recent.clear();
  emit('refused', { protocol, ...fields, ...(seen?.repeats ? { repeatsBefore: seen.repeats } : {}) });
}
export function emit(kind: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), kind, ...fields })}\n`);
}
