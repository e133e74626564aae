#!/usr/bin/env bash
# localstack/lint-db-access.sh — `make lint`: one way to the database (issue #10).
#
# Rows are decoded only by generated code (build/generated/queries_gen.c, db_gen.c) and
# by the typed accessors (api/db/decode.c, split from pool.c); SQL lives in
# schema/queries/*.sql. So in api/, only api/db/pool.c and decode.c may read a result by
# column position (PQgetvalue, PQgetisnull, or the db_text/db_int64/… helpers) or define
# a statement (db_stmt, db_exec_sql), and
# api/db/sqlbuf.c may run a statement assembled from schema/queries' :fragment constants. Files listed
# in UNMOVED still
# hold hand-written statements (being moved, area by area); the list only shrinks, and
# a listed file that no longer needs it fails too, so the list stays true.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

UNMOVED=(
)
PATTERN='PQgetvalue|PQgetisnull|db_text\(|db_int64\(|db_int32\(|db_bool\(|db_timestamp\(|db_stmt |db_exec_sql\('


status=0
mapfile -t users < <(grep -rlE "$PATTERN" api --include='*.[ch]' | sort | grep -v -E '^api/db/(pool|decode|sqlbuf)\.c$' || true)
for f in "${users[@]}"; do
    if [[ ! " ${UNMOVED[*]} " =~ " $f " ]]; then
        grep -n -E "$PATTERN" "$f" | sed "s|^|$f:|" >&2
        echo "$f: decodes rows by column position; write the statement in schema/queries/ and call its generated q_ function" >&2
        status=1
    fi
done
# Statement text reaches libpq only through pool.c (prepared named queries, BEGIN/COMMIT,
# a :copy query's COPY), sqlbuf.c (fragments) and migrate.c (a migration file is run as
# it is written, several statements at once).
EXEC_PATTERN='PQexec\(|PQexecParams\(|PQprepare\(|PQsendQuery|PQsendPrepare'
mapfile -t execs < <(grep -rlE "$EXEC_PATTERN" api --include='*.[ch]' | sort | grep -v -E '^api/db/(pool|sqlbuf|migrate)\.c$' || true)
for f in "${execs[@]}"; do
    grep -n -E "$EXEC_PATTERN" "$f" | sed "s|^|$f:|" >&2
    echo "$f: runs SQL text; write the statement in schema/queries/ (a :copy query for COPY) and call its generated q_ function" >&2
    status=1
done
for f in "${UNMOVED[@]}"; do
    if ! grep -q -E "$PATTERN" "$f" 2>/dev/null; then
        echo "$f: moved to generated queries: remove it from UNMOVED in $0" >&2
        status=1
    fi
done
exit "$status"
