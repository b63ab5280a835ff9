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
# Three test files at a time on two cores: e2e files also wait (on agents, processes, the
# network), and a third file fills those waits. Measured on 2 cores, the whole group: 2 at a
# time 251 s, 3 at a time 222 s and 188 s, 4 at a time 230 s (docs/testing.md).
exec node --import tsx --test --test-concurrency=3 "${files[@]}"
