#!/usr/bin/env bash
# Builds the network guard image (sandboxes/guard:2): /bin/sh, iptables, ip6tables and Debian's
# nodejs, nothing else. Each sandbox's network policy is enforced by a small container from it;
# sandboxes with a domain allowlist also get an egress gateway container from it (nodejs runs the
# engine's gateway script, copied in at creation: see src/core/network/gateway.ts). Run as root.
# On Debian hosts it is made from Debian's archive with mmdebstrap (no container registry
# needed), from the archive this machine's APT uses (SANDBOXES_DEBIAN_MIRROR overrides);
# elsewhere `docker build` from Alpine. Cached: an existing image is kept.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${SANDBOXES_GUARD_IMAGE:-sandboxes/guard:2}"
log() { printf '[guard-image] %s\n' "$*" >&2; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE is present"
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && grep -qi debian /etc/os-release 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  command -v mmdebstrap >/dev/null 2>&1 || { apt-get update -qq || true; apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null; }
  suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  # The archive this machine's APT already uses (or SANDBOXES_DEBIAN_MIRROR); no host is built in.
  mirror=$(node "$HERE/lib/apt-mirror.mjs" "$suite") || { log "ERROR: cannot tell which Debian archive to build $IMAGE from (see above)"; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  log "building $IMAGE from Debian $suite (mmdebstrap, about a minute)"
  mmdebstrap --quiet --variant=minbase --include=iptables,nodejs "$suite" "$tmp/rootfs.tar" "deb $mirror $suite main"
  docker import --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["/bin/sh"]' \
    --change 'LABEL sandboxes.managed=true' --change 'LABEL sandboxes.role=guard-image' \
    "$tmp/rootfs.tar" "$IMAGE" >/dev/null
else
  log "building $IMAGE from Alpine with docker build"
  docker build -q -t "$IMAGE" --label sandboxes.managed=true --label sandboxes.role=guard-image - >/dev/null <<'DOCKERFILE'
FROM alpine:3.20
RUN apk add --no-cache iptables ip6tables nodejs perl
DOCKERFILE
fi
log "built $IMAGE"
