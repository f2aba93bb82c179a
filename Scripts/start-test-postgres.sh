#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's packages) on 127.0.0.1 for the server tests and prints the
# variables to export. As root it runs the server as the postgres user. Usage:
#   eval "$(Scripts/start-test-postgres.sh)"     # sets ANCHOR_TEST_DATABASE_URL and ANCHOR_TEST_PGDIR
#   Scripts/start-test-postgres.sh --stop DIR
set -euo pipefail
if [ "${1:-}" = "--stop" ]; then
  dir="$2"; bin=$(cat "$dir/bin")
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/anchor-pg-XXXXXX)
chown postgres "$dir"
echo "$bin" > "$dir/bin"
port=${ANCHOR_TEST_PG_PORT:-54329}
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -U postgres -qc "create database anchor_test" >/dev/null
echo "export ANCHOR_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/anchor_test ANCHOR_TEST_PGDIR=$dir"
