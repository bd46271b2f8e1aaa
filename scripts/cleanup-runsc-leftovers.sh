#!/usr/bin/env bash
# A runsc container whose *start* fails (the old-runsc trap) can leave runsc-sandbox/runsc-gofer
# processes and a containerd shim behind after Docker removed the container. This removes them
# through runsc itself. With container IDs as arguments, only those; without, every runsc
# container Docker no longer knows. Run as root.
set -uo pipefail
ROOT="${RUNSC_ROOT:-/var/run/docker/runtime-runc/moby}"
command -v runsc >/dev/null 2>&1 || exit 0
if [ $# -gt 0 ]; then ids=("$@"); else mapfile -t ids < <(runsc --root="$ROOT" list -quiet 2>/dev/null); fi
for id in "${ids[@]}"; do
  [ -n "$id" ] || continue
  docker inspect "$id" >/dev/null 2>&1 && continue   # Docker still owns it: not a leftover
  runsc --root="$ROOT" delete --force "$id" >/dev/null 2>&1 || true
  # The containerd shim of that container only: matched by its exact -id argument.
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-id $id" || true); do kill "$pid" 2>/dev/null || true; done
  echo "removed runsc leftovers of $id"
done
