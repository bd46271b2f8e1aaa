#!/usr/bin/env bash
# Builds the images the tests and benchmarks use, offline (no registry): a Debian rootfs made by
# mmdebstrap from Debian's archive (the one this machine's APT uses; SANDBOXES_DEBIAN_MIRROR
# overrides), imported with `docker import`. Cached by tag: an image that exists is not rebuilt.
# Run as root after scripts/setup-host.sh.
#
#   sandboxes-test/base:bookworm-2   python3 (+websockets), nghttpd (h2c), iptables, busybox, iproute2, procps, bash
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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
# The archive this machine's APT already uses (or SANDBOXES_DEBIAN_MIRROR); no host is built in.
mirror=$(node "$HERE/lib/apt-mirror.mjs" bookworm) || { log "ERROR: cannot tell which Debian archive to build $BASE_IMAGE from (see above)"; exit 1; }
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
