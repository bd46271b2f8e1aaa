#!/usr/bin/env bash
# Builds the images the tests and benchmarks use, offline (no registry): a Debian rootfs made by
# mmdebstrap from Debian's archive, imported with `docker import`. Cached by tag: an image that
# exists is not rebuilt. Run as root after scripts/setup-host.sh.
#
#   sandboxes-test/base:bookworm-2   python3 (+websockets), nghttpd (h2c), iptables, busybox, iproute2, procps, bash
set -euo pipefail
log() { printf '[test-images] %s\n' "$*" >&2; }

BASE_IMAGE="${SANDBOXES_TEST_IMAGE:-sandboxes-test/base:bookworm-2}"
PACKAGES=python3,python3-websockets,nghttp2-server,iptables,busybox,iproute2,procps,ca-certificates,bash,coreutils

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "$BASE_IMAGE is cached"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! command -v mmdebstrap >/dev/null 2>&1; then
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi
mirror=$(grep -rhoE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | sed 's/^URIs: *//')
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "building $BASE_IMAGE with mmdebstrap from $mirror (about a minute)"
mmdebstrap --quiet --variant=apt --include="$PACKAGES" bookworm "$tmp/rootfs.tar" "deb $mirror bookworm main"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  --change 'LABEL sandboxes.test-image=true' \
  "$tmp/rootfs.tar" "$BASE_IMAGE" >/dev/null
log "built $BASE_IMAGE"
