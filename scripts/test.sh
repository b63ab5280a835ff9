#!/usr/bin/env bash
# npm test: lint (layering included), type check, generated-file check, every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }
step "lint"
npx eslint .
step "type check"
npx tsc -p tsconfig.json --noEmit
step "generated files match ../shared/aws-models"
npx tsx scripts/generate-models.ts --check
step "tests"
bash scripts/run-tests.sh all
