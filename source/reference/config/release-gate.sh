#!/usr/bin/env bash
# CVPlus release gate: the go/no-go rule of the master deployment guide.
#
# Usage: release-gate.sh FUNCTIONS_URL ERROR_RATE_PERCENT API_P95_MS [FUNCTION...]
#
#   FUNCTIONS_URL       base URL of the project's HTTP functions
#   ERROR_RATE_PERCENT  function error rate over the observation window (dashboard)
#   API_P95_MS          95th-percentile API latency over the window, in ms (dashboard)
#   FUNCTION...         HTTP health functions to call (default: healthCheck)
#
# Prints one PASS or FAIL line per check, then GO (exit 0) or NO-GO (exit 1).
# Exit 2: wrong usage. The limits come from the manual's facts file.
set -uo pipefail

MAX_ERROR_RATE_PERCENT={{ thresholds.error_rate_percent }}
MAX_API_MS={{ thresholds.api_ms }}
MAX_HEALTH_MS={{ thresholds.health_benchmark_ms }}

if (($# < 3)); then
  echo "usage: release-gate.sh FUNCTIONS_URL ERROR_RATE_PERCENT API_P95_MS [FUNCTION...]" >&2
  exit 2
fi
base=${1%/}
error_rate=$2
api_ms=$3
shift 3
(($#)) || set -- healthCheck

number() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }
if ! number "$error_rate" || ! number "$api_ms"; then
  echo "release-gate: ERROR_RATE_PERCENT and API_P95_MS must be numbers" >&2
  exit 2
fi

failures=0
report() {  # report PASSED? WHAT DETAIL
  if [ "$1" = yes ]; then
    printf 'PASS  %s: %s\n' "$2" "$3"
  else
    printf 'FAIL  %s: %s\n' "$2" "$3"
    failures=$((failures + 1))
  fi
}
at_most() { awk -v value="$1" -v limit="$2" 'BEGIN { exit !(value <= limit) }'; }

for name in "$@"; do
  answer=$(curl -s -o /dev/null -m 30 -w '%{http_code} %{time_total}' "$base/$name")
  code=${answer%% *}
  ms=$(awk -v seconds="${answer##* }" 'BEGIN { printf "%d", seconds * 1000 }')
  if [ "$code" = 200 ] && at_most "$ms" "$MAX_HEALTH_MS"; then
    report yes "$name" "HTTP $code in $ms ms (limit $MAX_HEALTH_MS ms)"
  elif [ "$code" = 000 ]; then
    report no "$name" "no answer from $base/$name"
  else
    report no "$name" "HTTP $code in $ms ms (needs 200 within $MAX_HEALTH_MS ms)"
  fi
done

if at_most "$error_rate" "$MAX_ERROR_RATE_PERCENT"; then
  report yes "error rate" "$error_rate % (limit $MAX_ERROR_RATE_PERCENT %)"
else
  report no "error rate" "$error_rate % is above $MAX_ERROR_RATE_PERCENT %"
fi
if at_most "$api_ms" "$MAX_API_MS"; then
  report yes "API latency p95" "$api_ms ms (limit $MAX_API_MS ms)"
else
  report no "API latency p95" "$api_ms ms is above $MAX_API_MS ms"
fi

if ((failures)); then
  echo "NO-GO: $failures check(s) failed"
  exit 1
fi
echo "GO"
