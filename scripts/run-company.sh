#!/usr/bin/env bash
# Run the company demo: a throwaway PostgreSQL cluster of its own under var/company/pg (Debian's
# postgresql package: initdb and pg_ctl, run as the postgres user when we are root; no system
# service), the company centre (talon central), and three demo office hubs in two time zones with
# simulated visitors, each shipping its event log to the centre. Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m server.central.company_demo "$@"
