#!/usr/bin/env bash
# Everything the test suites need on a fresh machine, as root: Docker + gVisor (setup-host.sh),
# an extra test runtime, the offline test images, code-server and Chromium. Idempotent: each step
# skips what is already there. `npm test` runs it by itself when something is missing.
#
# Run through sudo by another user, code-server goes into that user's cache (npm test runs as them).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[setup-test-host] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "ERROR: must run as root (it installs packages and starts dockerd). Run: sudo bash $HERE/setup-test-host.sh"
  exit 1
fi

log "step 1/4: Docker Engine, gVisor's runsc registered as \"runsc\", dockerd running, the guard image (scripts/setup-host.sh)"
bash "$HERE/setup-host.sh"

# runsc-netstack: runsc in its default network mode (no --network=host). Tests use it to prove
# that the old-runsc trap is detected and that gVisor's netstack mode is handled.
log "step 2/4: registering runsc-netstack (runsc without --network=host) for the netstack tests"
changed=$(node "$HERE/lib/register-runtime.mjs" /etc/docker/daemon.json runsc-netstack "$(command -v runsc)" '[]')
if [ -n "$changed" ]; then
  pid=$(pgrep -x dockerd | head -n1 || true)
  if [ -n "$pid" ]; then log "reloading dockerd ($pid) configuration"; kill -HUP "$pid"; else log "dockerd is not ours to reload; restart it to register runsc-netstack"; fi
  for _ in $(seq 1 40); do
    docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q runsc-netstack && break
    sleep 0.25
  done
fi

log "step 3/4: the offline test images (scripts/build-test-images.sh)"
bash "$HERE/build-test-images.sh"

# The remote-engine test runs a second dockerd reachable only over SSH and mutual TLS: it needs
# sshd, ssh-agent and openssl. Installing openssh-server must not start an sshd on this machine
# (Debian's postinst would): a policy-rc.d refuses service starts during the install, unless the
# machine already has one (then it decides).
if ! [ -x /usr/sbin/sshd ] || ! command -v ssh-agent >/dev/null || ! command -v openssl >/dev/null; then
  log "step 3b: openssh-server, openssh-client and openssl for the remote-engine test (no sshd is started)"
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client openssl >/dev/null \
    || { apt-get update -qq || true; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client openssl >/dev/null; }
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

log "step 4/4: code-server and Chromium for the VS Code suites (scripts/install-code-server.sh)"
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  # Debian's packages as root, then code-server into $SUDO_USER's own cache, as them.
  SANDBOXES_CODE_SERVER_APT_ONLY=1 bash "$HERE/install-code-server.sh" >/dev/null
  sudo -u "$SUDO_USER" -H bash "$HERE/install-code-server.sh" >/dev/null
  if ! sudo -u "$SUDO_USER" docker info >/dev/null 2>&1; then
    log "note: $SUDO_USER cannot use Docker's socket yet; the tests need it (e.g. usermod -aG docker $SUDO_USER, as good as root; then log in again)"
  fi
else
  bash "$HERE/install-code-server.sh" >/dev/null
fi
log "ready"
