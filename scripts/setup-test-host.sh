#!/usr/bin/env bash
# Everything the test suites need on a fresh machine, as root: Docker + gVisor (setup-host.sh),
# an extra test runtime, the offline test images, code-server and Chromium. Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[setup-test-host] %s\n' "$*" >&2; }

bash "$HERE/setup-host.sh"

# runsc-netstack: runsc in its default network mode (no --network=host). Tests use it to prove
# that the old-runsc trap is detected and that gVisor's netstack mode is handled.
changed=$(node "$HERE/lib/register-runtime.mjs" /etc/docker/daemon.json runsc-netstack "$(command -v runsc)" '[]')
if [ -n "$changed" ]; then
  pid=$(pgrep -x dockerd | head -n1 || true)
  if [ -n "$pid" ]; then kill -HUP "$pid"; else log "dockerd is not ours to reload; restart it to register runsc-netstack"; fi
  for _ in $(seq 1 40); do
    docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q runsc-netstack && break
    sleep 0.25
  done
fi

bash "$HERE/build-test-images.sh"
if [ -f "$HERE/install-code-server.sh" ]; then bash "$HERE/install-code-server.sh"; fi
log "ready"
