#!/usr/bin/env bash
# Starts `anchor serve` on a throwaway data folder with one partner and one anchor centre and a person
# of each role, and prints shell assignments: ANCHOR_URL, ANCHOR_PID, ANCHOR_DATA, ANCHOR_TOKEN (a
# bearer token of the partner's submitter), ANCHOR_PASSWORD.
#   eval "$(Scripts/serve-throwaway.sh [ANCHOR_BINARY] [PORT])"; ...; kill $ANCHOR_PID; rm -rf $ANCHOR_DATA
set -euo pipefail
bin="${1:-.build/debug/anchor}"
port="${2:-$((20000 + RANDOM % 20000))}"
data=$(mktemp -d)
password="throwaway server password 1"
printf '%s\n' "$password" > "$data/pw"
"$bin" admin create-centre --name Anchor --kind anchor --data "$data/d" >/dev/null
"$bin" admin create-centre --name Partner --kind partner --data "$data/d" >/dev/null
"$bin" admin link --partner Partner --anchor Anchor --data "$data/d" >/dev/null
for role in submitter coordinator admin; do
  "$bin" admin create-user --email "$role@partner.test" --password-file "$data/pw" --centre Partner --role "$role" --data "$data/d" >/dev/null
done
for role in reviewer coordinator admin; do
  "$bin" admin create-user --email "$role@anchor.test" --password-file "$data/pw" --centre Anchor --role "$role" --data "$data/d" >/dev/null
done
"$bin" serve --data "$data/d" --port "$port" --plain-http >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"submitter@partner.test\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "ANCHOR_URL=http://127.0.0.1:$port ANCHOR_PID=$pid ANCHOR_DATA=$data ANCHOR_TOKEN=$token ANCHOR_PASSWORD='$password'"
