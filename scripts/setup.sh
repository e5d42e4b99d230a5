#!/usr/bin/env bash
# Installs what edgevm needs and is missing: Debian packages (QEMU, kernel, busybox, musl) and the
# npm dependencies (which include Node 22). Safe to run again: it only acts on what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# wrk is only for the benchmark (front door requests/s); everything else is needed to build and run guests
DEBIAN_PACKAGES=(qemu-system-x86 busybox-static linux-image-amd64 musl-tools xz-utils zstd gcc libc6-dev wrk)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "[setup] installing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "[setup] need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.edgevm-lock-hash || "$(cat node_modules/.edgevm-lock-hash)" != "$lock_hash" ]]; then
  # `npm ci`: exactly the locked versions, and the lock file is never rewritten (a fresh clone
  # stays clean after `npm start`).
  echo "[setup] installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.edgevm-lock-hash
fi

# The packages run as compiled JavaScript (runtime/bin/edgevm.mjs runs runtime/dist): compile
# what changed (tsc -b is incremental; a no-op when every dist/ is up to date).
echo "[setup] building packages (npm run build)"
node_modules/.bin/tsc -b tsconfig.build.json
echo "[setup] ready: $(node_modules/.bin/node --version), $(qemu-system-x86_64 --version | head -1)"
