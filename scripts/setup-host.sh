#!/usr/bin/env bash
# Host setup for gVisor Sandboxes: Docker Engine + gVisor's runsc registered as the Docker
# runtime "runsc", a running dockerd, and a trial gVisor container that proves it.
#
# Idempotent; run as root. Safe to run again after a reboot (it only starts what is missing).
# Environment:
#   SANDBOXES_RUNSC_SUITE   Debian suite to take runsc from (default: trixie, see README "Host setup")
#   SANDBOXES_DEBIAN_MIRROR Debian archive URL (default: the one this machine's APT sources use)
#   SANDBOXES_DOCKERD_LOG   where dockerd logs when this script starts it
set -euo pipefail

log() { printf '[setup-host] %s\n' "$*" >&2; }
die() { printf '[setup-host] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  die "must run as root (it installs packages and starts dockerd). Run: sudo bash scripts/setup-host.sh"
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUNSC_SUITE="${SANDBOXES_RUNSC_SUITE:-trixie}"
DOCKERD_LOG="${SANDBOXES_DOCKERD_LOG:-/var/log/sandboxes-dockerd.log}"
DAEMON_JSON=/etc/docker/daemon.json
SOCK=/var/run/docker.sock
TRIAL_IMAGE=sandboxes/trial:busybox

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  # Third-party sources on a machine may be unreachable; Debian's own archive is what we need.
  apt-get update -qq || log "apt-get update reported errors (unreachable third-party sources?); continuing"
  APT_UPDATED=1
}
apt_install() {
  apt_update_once
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- 1. Docker Engine ---------------------------------------------------------------------
if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Docker Engine (docker.io) and iptables from Debian"
  apt_install docker.io iptables ca-certificates curl
fi
command -v curl >/dev/null 2>&1 || apt_install curl
command -v busybox >/dev/null 2>&1 || apt_install busybox-static

# --- 2. gVisor runsc ----------------------------------------------------------------------
# bookworm's runsc (2022) breaks stat() inside the sandbox on current kernels; take the newer
# package from $RUNSC_SUITE, pinned low so nothing else is upgraded from that suite.
if ! command -v runsc >/dev/null 2>&1; then
  if [ -f /etc/os-release ] && grep -q 'VERSION_CODENAME=bookworm' /etc/os-release && [ "$RUNSC_SUITE" != bookworm ]; then
    log "adding Debian $RUNSC_SUITE (pinned low) as a source for runsc only"
    # The archive this machine's APT already uses (or SANDBOXES_DEBIAN_MIRROR); no host is built in.
    uri=$(node "$HERE/lib/apt-mirror.mjs" "$RUNSC_SUITE") || die "cannot tell which Debian archive to take runsc from (see above)"
    cat > /etc/apt/sources.list.d/sandboxes-runsc.sources <<EOF
Types: deb
URIs: $uri
Suites: $RUNSC_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    cat > /etc/apt/preferences.d/sandboxes-runsc <<EOF
Package: *
Pin: release n=$RUNSC_SUITE
Pin-Priority: 100
EOF
    APT_UPDATED=0
    apt_update_once
    apt-get install -y -qq --no-install-recommends -t "$RUNSC_SUITE" runsc >/dev/null
  else
    apt_install runsc
  fi
fi
RUNSC_PATH="$(command -v runsc)"
log "runsc: $RUNSC_PATH ($("$RUNSC_PATH" --version 2>/dev/null | head -n1))"

# --- 3. Register the runtime (merge, never clobber) -----------------------------------------
# $1: JSON array of runtimeArgs. Prints "changed" when the file was rewritten.
register_runtime() {
  node "$HERE/lib/register-runtime.mjs" "$DAEMON_JSON" runsc "$RUNSC_PATH" "$1"
}

current_args() {
  [ -f "$DAEMON_JSON" ] || { echo '[]'; return; }
  node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")||"{}");console.log(JSON.stringify(((c.runtimes||{}).runsc||{}).runtimeArgs||[]))' "$DAEMON_JSON"
}

docker_ping() { curl -fsS --max-time 2 --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }

dockerd_pid() { pgrep -x dockerd | head -n1; }

start_or_reload_dockerd() {
  if docker_ping; then
    local pid; pid="$(dockerd_pid)"
    if [ -n "$pid" ]; then
      log "reloading dockerd ($pid) configuration"
      kill -HUP "$pid"
      sleep 1
    else
      log "dockerd is managed elsewhere; restart it to pick up $DAEMON_JSON"
    fi
    return 0
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    log "starting docker with systemd"
    systemctl start docker
  else
    log "starting dockerd (log: $DOCKERD_LOG)"
    # setsid: dockerd must outlive this script and its terminal.
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 < /dev/null &
  fi
  for _ in $(seq 1 60); do docker_ping && return 0; sleep 0.5; done
  tail -n 20 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not answer on $SOCK within 30 s (see $DOCKERD_LOG)"
}

changed=$(register_runtime "$(current_args)")
if [ -n "$changed" ] || ! docker_ping; then start_or_reload_dockerd; fi

# --- 4. Trial image (no registry needed): static busybox -----------------------------------
if ! docker image inspect "$TRIAL_IMAGE" >/dev/null 2>&1; then
  log "building $TRIAL_IMAGE from the host's busybox"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/etc"
  cp "$(command -v busybox)" "$tmp/bin/busybox"
  for app in $("$tmp/bin/busybox" --list); do [ "$app" = busybox ] || ln -sf busybox "$tmp/bin/$app"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/etc/passwd"
  tar -C "$tmp" -c . | docker import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' \
    -c 'LABEL sandboxes.test-image=true' - "$TRIAL_IMAGE" >/dev/null
  rm -rf "$tmp"
fi

# --- 5. Prove the runtime with a real gVisor container -------------------------------------
# A trial whose start fails can leave runsc processes behind; remove them by container id.
trial() {
  local cidfile; cidfile=$(mktemp -u)
  docker run --rm --cidfile "$cidfile" --runtime=runsc --label sandboxes.trial=true "$TRIAL_IMAGE" dmesg 2>&1 || true
  if [ -s "$cidfile" ]; then bash "$HERE/cleanup-runsc-leftovers.sh" "$(cat "$cidfile")" >/dev/null; fi
  rm -f "$cidfile"
}
out=$(trial)
if ! grep -q 'gVisor' <<<"$out"; then
  if grep -q 'cannot run with network enabled in root network namespace' <<<"$out"; then
    # The old-runsc trap (see README): this runsc misdetects the root network namespace on this
    # kernel. --network=host makes gVisor use the container's own namespace through the host stack.
    log "this runsc is older than gVisor release-20240807 and fails on this kernel; registering it with --network=host"
    register_runtime '["--network=host"]' >/dev/null
    start_or_reload_dockerd
    out=$(trial)
  fi
fi
if ! grep -q 'gVisor' <<<"$out"; then
  printf '%s\n' "$out" >&2
  die "a trial container with --runtime=runsc did not start gVisor (output above)"
fi
log "OK: Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null) with runtime runsc $(current_args); trial container printed: $(grep -m1 gVisor <<<"$out")"

# --- 6. The network guard image (enforces each sandbox's network policy) -------------------
bash "$HERE/build-guard-image.sh"
