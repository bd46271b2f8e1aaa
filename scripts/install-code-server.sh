#!/usr/bin/env bash
# Installs a real VS Code for tests and `npm start`: code-server from the npm registry (it runs
# the real VS Code extension host) plus Debian's Chromium for playwright-core to drive it.
#
# Idempotent; run as root (apt-get). Skips every step that is already done. Nothing is
# added to the project's own dependencies: code-server lives in a cache folder.
# Prints the code-server binary path on the last line of stdout.
#
# Environment:
#   SANDBOXES_CACHE               cache root (default: $HOME/.cache/gvisor-sandboxes)
#   SANDBOXES_CODE_SERVER_VERSION default 4.100.3 (VS Code 1.100.3, the newest that accepts Node 20)
#   SANDBOXES_CODE_SERVER_DIR     install folder (default: $SANDBOXES_CACHE/code-server-$VERSION)
#   SANDBOXES_CODE_SERVER_APT_ONLY=1  only the Debian packages (as root, before installing
#                                 code-server as another user: scripts/setup-test-host.sh)
set -euo pipefail

log() { printf '[install-code-server] %s\n' "$*" >&2; }
die() { printf '[install-code-server] ERROR: %s\n' "$*" >&2; exit 1; }

VERSION="${SANDBOXES_CODE_SERVER_VERSION:-4.100.3}"
CACHE="${SANDBOXES_CACHE:-$HOME/.cache/gvisor-sandboxes}"
DIR="${SANDBOXES_CODE_SERVER_DIR:-$CACHE/code-server-$VERSION}"
BIN="$DIR/node_modules/.bin/code-server"
# fonts-noto-color-emoji: without it Chromium draws emoji as empty boxes in screenshots.
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium fonts-noto-color-emoji
  build-essential python3 pkg-config ca-certificates)

installed() { [ -x "$BIN" ] && [ -f "$DIR/.installed-$VERSION" ]; }

missing_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing_apt+=("$p")
done

if [ "${#missing_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing_apt[*]}"
    log "install them as root, then run this script again as yourself:"
    printf '  sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n' "${missing_apt[*]}" >&2
    printf '  bash %q\n' "$(realpath "${BASH_SOURCE[0]}")" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "apt-get install ${missing_apt[*]}"
  # Third-party sources on a machine may be unreachable; Debian's own archive is what we need.
  apt-get update -qq || log "apt-get update reported errors (unreachable third-party sources?); continuing"
  apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
fi

if [ "${SANDBOXES_CODE_SERVER_APT_ONLY:-}" = 1 ]; then
  log "Debian packages for code-server and Chromium are installed"
  exit 0
fi

if installed; then
  log "code-server $VERSION already installed in $DIR"
  echo "$BIN"
  exit 0
fi

command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are required"
# code-server $VERSION's postinstall accepts Node 20 only (newer code-server releases need Node 22).
node -e 'process.exit(+process.versions.node.split(".")[0] === 20 ? 0 : 1)' ||
  die "code-server $VERSION needs Node 20 (this is $(node --version))"

# code-server's install runs @vscode/ripgrep's postinstall, which downloads rg from GitHub
# unless its cache already holds the tarball: give it Debian's rg.
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TAR" ]; then
  RG="$(command -v rg)" || die "rg (Debian package ripgrep) not found"
  log "caching Debian's rg as $RG_TAR"
  mkdir -p "$RG_CACHE"
  tmp="$(mktemp -d)"
  cp "$RG" "$tmp/rg"
  tar -C "$tmp" -czf "$RG_TAR.tmp" rg
  mv "$RG_TAR.tmp" "$RG_TAR"
  rm -rf "$tmp"
fi

mkdir -p "$DIR"
if [ ! -f "$DIR/package.json" ]; then
  cat > "$DIR/package.json" <<EOF
{
  "name": "sandboxes-code-server-cache",
  "private": true,
  "description": "code-server for gVisor Sandboxes tests and npm start (installed by scripts/install-code-server.sh)"
}
EOF
fi

log "npm install code-server@$VERSION into $DIR (about 2 minutes)"
# code-server's postinstall runs nested `npm install`s of VS Code's own modules, which build
# native modules (node-pty, spdlog, kerberos, ...) in their install scripts.
# - npm 11 gates dependencies' install scripts behind "allowScripts" (advisory in npm 11.19,
#   blocking in later releases): allow them all, through the environment so that the nested
#   installs inherit it too. This applies only to this one pinned install in this folder.
# - As root, the postinstall refuses to run unless npm_config_unsafe_perm=true (npm 11 warns
#   that it does not know the setting; the script only reads the variable).
(
  cd "$DIR"
  export npm_config_dangerously_allow_all_scripts=true
  export npm_config_yes=true npm_config_unsafe_perm=true
  export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
  npm install --no-save --no-package-lock "code-server@$VERSION"
) >&2 || die "npm install code-server@$VERSION failed (output above)"

[ -x "$BIN" ] || die "npm install finished but $BIN is missing"
# The nested installs of VS Code's modules are where it breaks when scripts were skipped.
"$BIN" --version >/dev/null 2>&1 || die "$BIN --version failed"
[ -f "$DIR/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node" ] ||
  die "code-server's postinstall did not build VS Code's native modules (install scripts blocked?)"
touch "$DIR/.installed-$VERSION"
log "installed: $("$BIN" --version 2>/dev/null | head -n1)"
echo "$BIN"
