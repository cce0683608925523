#!/usr/bin/env bash
# Set up Talon on a fresh Debian/Ubuntu machine: system packages (when run as root),
# a virtual environment in .venv, and the project with all its extras.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

need_apt=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done < .ci/apt-packages.txt
if ((${#need_apt[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    log "installing system packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need_apt[@]}"
  else
    log "missing system packages (run as root to install): ${need_apt[*]}"
  fi
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  log "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.talon-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  log "installing Python packages (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --progress-bar off -e '.[all]'
  touch "$stamp"
fi
# axe-core (accessibility checks in the browser tests), pinned by version and sha512 from the
# npm registry's metadata; unpacked into the git-ignored .venv/share/axe-core/.
AXE_VERSION=4.14.1
AXE_SHA512=FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
axe_dir=.venv/share/axe-core
if [[ ! -f $axe_dir/axe.min.js || "$(cat "$axe_dir/VERSION" 2>/dev/null)" != "$AXE_VERSION" ]]; then
  log "downloading axe-core $AXE_VERSION"
  axe_tmp=$(mktemp -d)
  curl -fsSL -o "$axe_tmp/axe.tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz"
  got=$(openssl dgst -sha512 -binary "$axe_tmp/axe.tgz" | openssl base64 -A)
  if [[ "$got" != "$AXE_SHA512" ]]; then
    log "axe-core tarball integrity mismatch (sha512-$got)"; rm -rf "$axe_tmp"; exit 1
  fi
  tar -xzf "$axe_tmp/axe.tgz" -C "$axe_tmp" package/axe.min.js
  mkdir -p "$axe_dir"
  mv "$axe_tmp/package/axe.min.js" "$axe_dir/axe.min.js"
  echo "$AXE_VERSION" > "$axe_dir/VERSION"
  rm -rf "$axe_tmp"
fi
log "ready"
