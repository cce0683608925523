#!/usr/bin/env bash
# Set up and run the demo office: the hub on the embedded SQLite with the demo office, simulated
# visitors, and (where a display exists) a kiosk, two consoles and the hall board.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/talon demo --visitors 90 --speed 4 "$@"
