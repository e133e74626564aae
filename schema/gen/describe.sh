#!/usr/bin/env bash
# schema/gen/describe.sh — `make describe`: refresh schema/queries/described.txt (the
# types PostgreSQL gives each named query) after editing schema/queries/*.sql or adding a
# migration. The build reads that file and stops, at the query's file:line, when it is
# out of date; see schema/gen/README.md ("Queries").
#
# With SFGEN_DESCRIBE_URL set (a server where the role may CREATE DATABASE), it uses that
# server; otherwise it starts a throw-away PostgreSQL cluster (localstack/postgres.sh
# --ephemeral) in a temp dir on a free port and stops it afterwards. sfgen creates a
# scratch database, applies the migrations in a transaction it rolls back, prepares and
# describes each query, and drops the scratch database.
#
# It also refreshes the generator's fixture (schema/gen/tests/queries/described.txt).
#
# Usage: schema/gen/describe.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=localstack/postgres.sh
source "$ROOT/localstack/postgres.sh"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"

"$ROOT/localstack/bootstrap.sh" >/dev/null
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target sfgen >/dev/null

url="${SFGEN_DESCRIBE_URL:-}"
if [[ -z "$url" ]]; then
    tmp="$(mktemp -d /tmp/sfgen-describe.XXXXXX)"
    chmod 755 "$tmp"
    trap 'pg_stop "$tmp/data" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
    pg_start "$tmp/data" "$(sf_pick_free_port)" --ephemeral >/dev/null
    url="$PG_ADMIN_DATABASE_URL"
fi
# describe MIGRATIONS_DIR MIGRATION_GLOB QUERIES_DIR [EXTRA_QUERY_FILE...]
describe() {
    local -a migrations queries
    mapfile -t migrations < <(find "$ROOT/$1" -maxdepth 1 -name "$2" | sort)
    mapfile -t queries < <(find "$ROOT/$3" -maxdepth 1 -name '*.sql' | sort)
    for extra in "${@:4}"; do queries+=("$ROOT/$extra"); done
    "$BUILD_DIR/schema/gen/sfgen" --describe "$url" --described "$ROOT/$3/described.txt" \
        --source-root "$ROOT" "${migrations[@]}" --queries "${queries[@]}"
    echo "described ${#queries[@]} query files into $3/described.txt"
}
describe schema/migrations '*.sql' schema/queries
# The fixture carries the pool's own statements too: api/db/pool.c, which its test links,
# calls them (BEGIN/COMMIT/ROLLBACK, the session setup).
describe schema/gen/tests 'fixture_*.sql' schema/gen/tests/queries schema/queries/session.sql
