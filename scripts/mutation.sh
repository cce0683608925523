#!/usr/bin/env bash
# Mutation testing of the queue core (server/domain) with mutmut, against its fast pure tests
# (the list is [tool.mutmut] in pyproject.toml). Not part of CI: run it before closing work that
# touches server/domain, and write the scores in docs/benchmarks.md.
#
#   bash scripts/mutation.sh                      # every file of server/domain
#   bash scripts/mutation.sh "server.domain.dispatch*"   # only some mutants (mutmut's name patterns)
#   MUTMUT_SAMPLE=4 bash scripts/mutation.sh "server.domain.hall*"  # 1 in 4 of those not yet checked
#   MUTMUT_CHILDREN=1 ...                         # one test process (leave the other core free)
#
# Prints the score per file at the end (killed + timeout over all tested mutants).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
if ! .venv/bin/python -c "import mutmut" 2>/dev/null; then
  .venv/bin/python -m pip install -q -e '.[dev]'
fi
export QT_QPA_PLATFORM=offscreen
# Tests that run the code in another process (a real hub, `talon simulate`, `talon init`) can not
# kill a mutant - mutmut switches mutants on inside its own test process, and the child imports the
# unmutated tree - but they cost a hub's start-up, which times out on a loaded machine and stops
# mutmut before it begins. Their in-process neighbours in the same files stay in the selection.
OUT_OF_PROCESS=(
  tests/test_alerts.py::test_alerts_api_roles_ack_and_events
  tests/test_alerts.py::test_help_and_device_alerts_over_http
  tests/test_alerts.py::test_print_request_is_an_event_the_kiosk_can_act_on
  tests/test_alerts.py::test_staff_names_and_openapi
  tests/test_estimate_plan.py::test_the_hub_answers_with_the_opening_text
  tests/test_estimate_plan.py::test_the_hubs_forecast_comes_from_the_same_weekday_of_past_weeks
  tests/test_simulation.py::test_talon_simulate_prints_the_report_and_writes_the_chart_and_json
)
for t in "${OUT_OF_PROCESS[@]}"; do PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} --deselect $t"; done
export PYTEST_ADDOPTS
start=$(date +%s)
if [ -n "${MUTMUT_SAMPLE:-}" ]; then
  # a reproducible 1-in-N sample of the mutants not yet checked (scripts/mutation_sample.py);
  # mutmut must have generated them once (a run, even interrupted, does)
  mapfile -t names < <(.venv/bin/python scripts/mutation_sample.py "$MUTMUT_SAMPLE" "${@:-server.domain.*}")
  echo "sample: ${#names[@]} mutants (1 in $MUTMUT_SAMPLE of those not yet checked)"
  [ "${#names[@]}" -gt 0 ] && { .venv/bin/mutmut run --max-children "${MUTMUT_CHILDREN:-$(nproc)}" "${names[@]}" || true; }
else
  .venv/bin/mutmut run --max-children "${MUTMUT_CHILDREN:-$(nproc)}" "$@" || true
fi
echo "mutmut ran $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/python scripts/mutation_score.py
