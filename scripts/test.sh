#!/usr/bin/env bash
# npm test: lint (layering included), type check, generated-file check, every suite; then
# each step's wall time, the whole, and the tests' count as the closing line.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
times=()
step() {
  local name="$1"; shift
  printf '\n== %s\n' "$name"
  local at=$SECONDS
  "$@"
  times+=("$(printf '%-44s %4d s' "$name" $((SECONDS - at)))")
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
step "lint" npx eslint .
step "type check" npx tsc -p tsconfig.json --noEmit
step "generated files match ../shared/aws-models" npx tsx scripts/generate-models.ts --check
step "tests" bash -o pipefail -c 'bash scripts/run-tests.sh all | tee "$0"' "$log"
printf '\n== wall time\n'
printf '%s\n' "${times[@]}"
printf '%-44s %4d s\n' "npm test" $((SECONDS - started))
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
echo "tests: ${pass:-0} passed, ${fail:-0} failed"
