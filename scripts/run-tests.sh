#!/usr/bin/env bash
# Runs one group of test files with node's test runner (Node 20 does not expand globs itself).
#   unit: tests beside the code (packages/*/src/**/*.test.ts, eslint/*.test.mjs)
#   e2e:  end-to-end tests across packages (test/e2e/*.test.ts)
set -euo pipefail
cd "$(dirname "$0")/.."
group="${1:-all}"
shopt -s globstar nullglob
unit=(packages/*/src/**/*.test.ts eslint/*.test.mjs)
e2e=(test/e2e/*.test.ts)
case "$group" in
  unit) files=("${unit[@]}") ;;
  e2e) files=("${e2e[@]}") ;;
  all) files=("${unit[@]}" "${e2e[@]}") ;;
  *) echo "usage: run-tests.sh unit|e2e|all" >&2; exit 2 ;;
esac
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
export AWS_EC2_METADATA_DISABLED=true
# Two test files at a time: this machine has two cores, and e2e files start servers.
exec node --import tsx --test --test-concurrency=2 "${files[@]}"
