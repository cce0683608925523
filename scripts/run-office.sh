#!/usr/bin/env bash
# Set up and run the demo office: the hub on the embedded SQLite with the demo office, simulated
# visitors, and (where a display exists) a kiosk, two consoles and the hall board.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the pace of server/demo_cli.py's DEMO_RATE and DEMO_SPEED: a queue, amber and red waits, an alert
# and a recall within five minutes (tests/test_fix_demo.py); without a display windows 1 and 2 wait
# for real consoles (talon console --hub http://127.0.0.1:8470 --window 1), or add --all-windows
exec .venv/bin/talon demo --visitors 120 --speed 2 "$@"
