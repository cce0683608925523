#!/usr/bin/env bash
# Set up and run every test: the queue core, the real hub over HTTP, Qt widgets offscreen,
# pages in headless Chromium, real ESC/POS bytes and real espeak-ng WAVs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
