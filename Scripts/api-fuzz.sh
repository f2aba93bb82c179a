#!/usr/bin/env bash
# Property-based tests of the API against its OpenAPI document with schemathesis (PyPI): every
# operation with generated inputs and a submitter's bearer token, a bounded number of examples each.
# Fails on any 500 and on any response that does not match the document.
#   Scripts/api-fuzz.sh [ANCHOR_BINARY] [EXAMPLES_PER_OPERATION]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-.build/debug/anchor}"
examples="${2:-25}"
venv="${ANCHOR_CI_VENV:-/tmp/anchor-ci-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q 'schemathesis>=3.30,<4' 'hypothesis<6.110'
eval "$(Scripts/serve-throwaway.sh "$bin")"
trap 'kill $ANCHOR_PID 2>/dev/null; rm -rf "$ANCHOR_DATA"' EXIT
"$venv/bin/schemathesis" run "$ANCHOR_URL/api/v1/openapi.yaml" --base-url "$ANCHOR_URL" \
  -H "Authorization: Bearer $ANCHOR_TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance \
  --hypothesis-max-examples "$examples" --hypothesis-seed 1 --hypothesis-derandomize \
  --experimental=openapi-3.1 --exclude-path-regex '/auth/logout'
