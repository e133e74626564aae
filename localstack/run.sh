#!/usr/bin/env bash
# localstack/run.sh — `make run`: everything from a fresh Debian 12 machine to a serving
# API on http://127.0.0.1:8080, in the foreground.
#
# Why: one command should be all a developer needs. It installs what is missing
# (bootstrap.sh), builds, starts the local PostgreSQL cluster in .local/pg (kept between
# runs, so data survives), migrates and seeds it, then serves. Ctrl-C (or SIGTERM) stops
# the server and then the cluster.
#
# Usage: localstack/run.sh [--build-only]
# Environment (defaults): PORT (8080), LISTEN_ADDR (127.0.0.1), PGPORT (5433),
#   CORS_ALLOWED_ORIGINS (http://localhost:5173), LOG_LEVEL (info).
set -euo pipefail

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=localstack/postgres.sh
source "$SF_ROOT/localstack/postgres.sh"

BUILD_DIR=build
BIN="$SF_ROOT/$BUILD_DIR/storefront"
PG_DIR="$SF_ROOT/.local/pg/data"
SERVER_PID=""

# preflight API_PORT PG_PORT — fail before the long steps when a port is taken by
# something that is not our own cluster.
preflight() {
    local api_port="$1" pg_port="$2" running
    if sf_port_in_use "$api_port" "$LISTEN_ADDR"; then
        sf_die "port $api_port on $LISTEN_ADDR is already taken (another 'make run'?): stop that program or use another port, e.g. PORT=8081 make run"
    fi
    running="$( (pg_status "$PG_DIR" 2>/dev/null || true) | sed -n 's/^running on 127\.0\.0\.1:\([0-9]*\) .*/\1/p')"
    if [[ "$running" != "$pg_port" ]] && sf_port_in_use "$pg_port"; then
        sf_die "port $pg_port on 127.0.0.1 (PostgreSQL) is already taken by another program: stop it or use another port, e.g. PGPORT=5434 make run"
    fi
}

# cleanup — on any exit: stop the server (SIGTERM, 10 s grace), then the cluster.
cleanup() {
    local rc=$? i
    # A second Ctrl-C must not interrupt the shutdown half-way.
    trap '' INT TERM
    set +e
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        sf_log "stopping the server"
        kill -TERM "$SERVER_PID" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            sf_warn "the server did not exit within 10 s of SIGTERM: killing it"
            kill -KILL "$SERVER_PID" 2>/dev/null
        fi
        wait "$SERVER_PID" 2>/dev/null
    fi
    (pg_stop "$PG_DIR") || sf_warn "PostgreSQL in $PG_DIR may still be running: localstack/postgres.sh stop $PG_DIR"
    exit "$rc"
}

# print_try_me — what to type next, printed once the database is ready.
print_try_me() {
    local base="localhost:$PORT"
    cat <<EOF

  Storefront API on http://$LISTEN_ADDR:$PORT — try:
    curl -s $base/healthz
    curl -s '$base/v1/products?limit=3'
    curl -s $base/v1/categories
  PostgreSQL on 127.0.0.1:$PG_PORT (data in .local/pg/data, passwords in .local/pg/password):
    PGPASSFILE=.local/pg/password psql -h 127.0.0.1 -p $PG_PORT -U storefront storefront
  Ctrl-C stops the server and PostgreSQL; the data stays for the next run (make distclean wipes it).

EOF
}

main() {
    local build_only=0 rc
    case "${1:-}" in
        "") ;;
        --build-only) build_only=1 ;;
        *) sf_die "usage: $0 [--build-only]" ;;
    esac
    cd "$SF_ROOT"

    export PORT="${PORT:-8080}"
    export LISTEN_ADDR="${LISTEN_ADDR:-127.0.0.1}"
    export CORS_ALLOWED_ORIGINS="${CORS_ALLOWED_ORIGINS:-http://localhost:5173}"
    export LOG_LEVEL="${LOG_LEVEL:-info}"
    local pg_port="${PGPORT:-5433}"

    ((build_only)) || preflight "$PORT" "$pg_port"
    "$SF_ROOT/localstack/bootstrap.sh"
    sf_build "$BUILD_DIR"
    [[ -x "$BIN" ]] || sf_die "the build produced no $BUILD_DIR/storefront"
    if ((build_only)); then
        sf_log "built $BUILD_DIR/storefront"
        return 0
    fi

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    pg_start "$PG_DIR" "$pg_port"
    export DATABASE_URL="$PG_DATABASE_URL"

    sf_log "migrating and seeding database storefront"
    "$BIN" migrate || sf_die "storefront migrate failed"
    "$BIN" seed || sf_die "storefront seed failed"
    print_try_me

    # In the background, so that this shell can take Ctrl-C / SIGTERM at once and stop
    # the server and then the cluster, in that order.
    "$BIN" serve &
    SERVER_PID=$!
    set +e
    wait "$SERVER_PID"
    rc=$?
    set -e
    SERVER_PID=""
    sf_log "the server exited with status $rc"
    exit "$rc"
}

main "$@"
