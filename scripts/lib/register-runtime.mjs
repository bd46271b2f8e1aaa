// Usage: node scripts/lib/register-runtime.mjs DAEMON_JSON NAME PATH [RUNTIME_ARGS_JSON]
// Merges one runtime into Docker's daemon.json without touching other keys; prints "changed"
// when the file was rewritten (the caller then reloads dockerd with SIGHUP).
import fs from 'node:fs';

const [file, name, path, argsJson = '[]'] = process.argv.slice(2);
if (!file || !name || !path) {
  console.error('usage: register-runtime.mjs DAEMON_JSON NAME PATH [RUNTIME_ARGS_JSON]');
  process.exit(2);
}
let config = {};
if (fs.existsSync(file)) {
  const text = fs.readFileSync(file, 'utf8').trim();
  if (text) config = JSON.parse(text);
}
const wanted = { path };
const args = JSON.parse(argsJson);
if (args.length) wanted.runtimeArgs = args;
config.runtimes ??= {};
if (JSON.stringify(config.runtimes[name]) !== JSON.stringify(wanted)) {
  config.runtimes[name] = wanted;
  fs.mkdirSync(new URL('.', `file://${file}`).pathname, { recursive: true });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(config, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  console.log('changed');
}
