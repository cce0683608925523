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
log "ready"
