#!/usr/bin/env bash
# tests/bench/ceiling.sh — the HTTP ceiling of issue 15 in one run and one table: prints
# figures and the issue's targets (MET / NOT MET), never fails on them.
#
# Why: every target of issue 15 is a ratio between things measured on the same machine
# at the same time — the list against /healthz, against pgbench running its SQL, against
# a Node.js peer running the same SQL; /healthz against nginx serving a body of the same
# size; the new binary against the old one. Figures from separate runs on a shared
# 2-core machine are not comparable, so this script measures all of them, one after the
# other, in one run, and prints one table.
#
# What it does, from a clean checkout:
#   1. localstack/bootstrap.sh (wrk, postgresql-15, node and the npm packages, fastify and
#      pg among them), `bootstrap.sh --only nginx-light` when NGINX=1; builds into build/
#      unless STOREFRONT_BIN is given;
#   2. a throw-away PostgreSQL (--ephemeral), `storefront migrate` + `seed` (the sample
#      catalog), VACUUM ANALYZE; tests/bench/jwks-token.mjs: a JWKS on loopback and one
#      Cognito-shaped token (GET /v1/me);
#   3. picks the values: every category that lists products, up to DETAIL_PRODUCTS active
#      products; wrk picks one at random per request (tests/bench/catalog.lua);
#   4. one server per binary (this one and --baseline-bin's), on the same database, with
#      CATALOG_CACHE_BYTES=0 (cold): list, detail, /healthz and /v1/me; then servers with the
#      cache on (hot; wrk's warm-up fills it): list and detail; each at every CONNS count,
#      the binaries measured in turn scenario by scenario (same load, minutes apart);
#   5. the statements the server ran for one list and one detail request (PostgreSQL's
#      statement log) drive pgbench (-M prepared, -c = the pool size) and the Node.js peer
#      (tests/bench/peer/server.mjs, fastify + pg, PEER_POOL connections); nginx serves a
#      file of the list answers' mean size (tests/bench/nginx.conf); each at every CONNS;
#   6. WRITES=1: tests/bench/events.sh and tests/bench/checkout.sh, short, for each binary
#      (their own clusters), for "clickstream and checkout no slower than before";
#   7. the table, the targets, a TSV in RESULTS_DIR; stops everything it started (trap).
# All traffic is on 127.0.0.1. Every step has a time limit. Never part of make test.
#
# Columns: req/s and p99 (wrk --latency, or pgbench's per-transaction log); µs CPU per
# request of the serving process(es) (storefront; nginx master + workers; node; for
# pgbench all PostgreSQL processes); context switches per request (voluntary +
# nonvoluntary, summed over the process's threads from /proc/PID/task/*/status, before
# and after the measured run); peak RSS (VmHWM, summed over the processes).
#
# Environment (defaults):
#   DURATION (8)          seconds of each measured run;  WARMUP (2) seconds of warm-up
#   CONNS ("64 512")      wrk connection counts;  WRK_THREADS (2)
#   PGBENCH_DURATION (8)  seconds of each measured pgbench run (after its warm-up)
#   DETAIL_PRODUCTS (500) products the detail runs pick from
#   NGINX (1) PEER (1) PGBENCH (1)   0 skips that comparator
#   WRITES (1 with --baseline-bin, else 0)  events.sh + checkout.sh per binary
#   WRITES_DURATION (8)   their DURATION (their WARMUP is 2)
#   PEER_POOL             the peer's pool size (default: the server's pool size)
#   HTTP_THREADS, DB_POOL_SIZE   passed to the servers when set
#   STOREFRONT_BIN        use this binary, skip the build; BUILD_DIR (build)
#   RESULTS_DIR           raw outputs + summary (default tests/bench/results/<UTC>-ceiling)
#
# Usage: tests/bench/ceiling.sh [--baseline-bin PATH]
#   e.g. git worktree add /tmp/base 72e0a6d && make -C /tmp/base build &&
#        tests/bench/ceiling.sh --baseline-bin /tmp/base/build/storefront

# shellcheck disable=SC2317  # cleanup and its helpers are reached through `trap`
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION="${DURATION:-8}"
WARMUP="${WARMUP:-2}"
CONNS="${CONNS:-64 512}"
WRK_THREADS="${WRK_THREADS:-2}"
PGBENCH_DURATION="${PGBENCH_DURATION:-8}"
DETAIL_PRODUCTS="${DETAIL_PRODUCTS:-500}"
NGINX="${NGINX:-1}"
PEER="${PEER:-1}"
PGBENCH="${PGBENCH:-1}"
WRITES_DURATION="${WRITES_DURATION:-8}"
BUILD_DIR="${BUILD_DIR:-build}"
BASELINE_BIN=""
READY_TIMEOUT=60
JWKS_TIMEOUT=120
MAX_PGBENCH_SCRIPTS=120 # read by write_pgbench (lib.sh)
# The session settings api/db/pool.c gives every pooled connection; pgbench gets the same.
SESSION_OPTS="-c jit=off -c TimeZone=UTC -c DateStyle=ISO" # read by run_pgbench (lib.sh)
ISSUER="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool1"
CLIENT_ID="benchclient0123456789abcdef"

# The issue's targets (2 cores).
T_HOT_VS_HEALTHZ=0.8  # hot list ≥ 0.8 × /healthz
T_COLD_VS_PEER=3      # cold list ≥ 3 × the Node peer
T_COLD_VS_PGBENCH=0.7 # cold list ≥ 0.7 × pgbench
T_COLD_P99_MS=10      # cold list p99 at 64 connections
T_HEALTHZ_VS_NGINX=0.75
T_HOT_P99_512_MS=20 # hot pages at 512 connections
T_RSS_512_MB=32

NODE_PID="" NGINX_PID="" PEER_PID=""
JWKS_URL="" TOKEN_FILE=""
MEASURE_PIDS=()
declare -A R_CSW R_USREQ R_PGUS R_PEAK CAP_N PGB_NOTE W_EVENTS W_CHECKOUT
ROWS=()              # run names in the order measured
declare -A ROW_LABEL # run name -> what it is
BINS=(new)
declare -A BIN_PATH SRV_PID SRV_PORT
LIST_BYTES=0

usage() { sed -n '2,/^# Usage/p' "$0" | sed 's/^# \{0,1\}//'; }

check_settings() {
    local v
    for v in DURATION WARMUP WRK_THREADS PGBENCH_DURATION DETAIL_PRODUCTS NGINX PEER PGBENCH WRITES_DURATION; do
        is_uint "${!v}" || sf_die "$v must be a non-negative integer, got \"${!v}\""
    done
    for v in HTTP_THREADS DB_POOL_SIZE PEER_POOL; do
        if [[ -n "${!v:-}" ]] && ! is_uint "${!v}"; then sf_die "$v must be a positive integer"; fi
    done
    ((DURATION >= 1 && PGBENCH_DURATION >= 1 && WRK_THREADS >= 1 && DETAIL_PRODUCTS >= 1)) ||
        sf_die "DURATION, PGBENCH_DURATION, WRK_THREADS and DETAIL_PRODUCTS must be at least 1"
    for v in $CONNS; do
        if ! is_uint "$v" || ((v < WRK_THREADS)); then sf_die "CONNS must be numbers >= WRK_THREADS, got \"$CONNS\""; fi
    done
    if [[ -n "$BASELINE_BIN" ]]; then
        [[ -x "$BASELINE_BIN" ]] || sf_die "--baseline-bin $BASELINE_BIN is not an executable"
        BASELINE_BIN="$(cd "$(dirname "$BASELINE_BIN")" && pwd -P)/$(basename "$BASELINE_BIN")"
        BINS+=(base)
        BIN_PATH[base]="$BASELINE_BIN"
    fi
    WRITES="${WRITES:-$([[ -n "$BASELINE_BIN" ]] && echo 1 || echo 0)}"
    is_uint "$WRITES" || sf_die "WRITES must be 0 or 1"
}

# The new binary's pool size, as its /metrics says (storefront_db_pool_connections; read
# in capture): pgbench and the peer get as many connections. Before that, main's default.
SERVER_POOL=""
pool_size() { printf '%s\n' "${DB_POOL_SIZE:-${SERVER_POOL:-$((NPROC * 2))}}"; }

sql() { app_psql -U storefront -d storefront -c "$1"; }

# --- per-process counters -------------------------------------------------------------------

# proc_counters PID... — "cpu_ticks ctx_switches hwm_kb" summed over the processes: CPU
# from /proc/PID/stat (the whole thread group), context switches from every thread's
# /proc/PID/task/TID/status (the top-level status counts the main thread only).
proc_counters() {
    local pid ticks=0 csw=0 hwm=0 t
    for pid in "$@"; do
        [[ -d "/proc/$pid" ]] || continue
        ticks=$((ticks + $(stat_ticks "$pid" 12 13)))
        t="$(cat "/proc/$pid"/task/*/status 2>/dev/null |
            awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { s += $2 } END { print s + 0 }')"
        csw=$((csw + t))
        t="$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status" 2>/dev/null)"
        hwm=$((hwm + ${t:-0}))
    done
    printf '%s %s %s\n' "$ticks" "$csw" "$hwm"
}

COUNTERS_BEFORE=""
before_measure() { COUNTERS_BEFORE="$(proc_counters "${MEASURE_PIDS[@]}")"; }
after_measure() {
    local name="$1" c0 c1
    read -r -a c0 <<<"$COUNTERS_BEFORE"
    read -r -a c1 <<<"$(proc_counters "${MEASURE_PIDS[@]}")"
    per_request "$name" $((c1[0] - c0[0])) $((c1[1] - c0[1]))
    R_PEAK[$name]="$(kb_to_mb "${c1[2]}")"
}

# per_request NAME CPU_TICKS CTX_SWITCHES — µs of CPU and context switches per request,
# from R_RPS × DURATION (the requests of the measured run).
per_request() {
    R_USREQ[$1]="$2" R_CSW[$1]="$3" # raw until finish_row divides them
}

finish_row() {
    local name="$1" secs="$2" reqs
    reqs="$(awk -v r="${R_RPS[$name]:-0}" -v s="$secs" 'BEGIN { printf "%.0f", r * s }')"
    R_PGUS[$name]="$(awk -v p="${R_CPU_PG[$name]:-}" -v r="${R_RPS[$name]:-0}" 'BEGIN { if (p == "" || p < 0 || r + 0 == 0) print "-"; else printf "%.1f", p / 100 * 1e6 / r }')"
    if ((reqs > 0)) && [[ -n "${R_USREQ[$name]:-}" ]]; then
        R_USREQ[$name]="$(awk -v t="${R_USREQ[$name]}" -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
        if [[ "${R_CSW[$name]:-}" != - ]]; then
            R_CSW[$name]="$(awk -v c="${R_CSW[$name]}" -v n="$reqs" 'BEGIN { printf "%.2f", c / n }')"
        fi
    else
        R_USREQ[$name]="-"
        R_CSW[$name]="-"
    fi
}

# measure NAME LABEL WRK_ARG... — run_wrk_measure at CONNECTIONS with MEASURE_PIDS counted.
measure() {
    local name="$1" label="$2"
    shift 2
    ROWS+=("$name")
    ROW_LABEL[$name]="$label, -c$CONNECTIONS"
    BENCH_BEFORE_MEASURE=before_measure BENCH_AFTER_MEASURE=after_measure \
        run_wrk_measure "$name" "$label" "$@"
    finish_row "$name" "$DURATION"
}

# --- set-up ---------------------------------------------------------------------------------

start_jwks() {
    local deadline
    command -v node >/dev/null 2>&1 || sf_die "node is not installed (bootstrap.sh installs it)"
    TOKEN_FILE="$TMP_DIR/tokens.txt"
    : >"$TMP_DIR/jwks.out"
    node "$BENCH_DIR/jwks-token.mjs" --issuer "$ISSUER" --client-id "$CLIENT_ID" --tokens 1 \
        --out "$TOKEN_FILE" --max-seconds 3600 >"$TMP_DIR/jwks.out" 2>"$TMP_DIR/jwks.err" &
    NODE_PID=$!
    deadline=$((SECONDS + JWKS_TIMEOUT))
    while ((SECONDS < deadline)); do
        JWKS_URL="$(sed -n 's/^JWKS_URL=//p' "$TMP_DIR/jwks.out")"
        [[ -n "$JWKS_URL" ]] && return 0
        kill -0 "$NODE_PID" 2>/dev/null || { cat "$TMP_DIR/jwks.err" >&2; sf_die "jwks-token.mjs exited"; }
        sleep 0.1
    done
    sf_die "jwks-token.mjs did not start within ${JWKS_TIMEOUT}s"
}

server_env() {
    SERVER_ENV=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL"
        CORS_ALLOWED_ORIGINS=http://localhost:5173 LOG_LEVEL=warning
        COGNITO_ISSUER="$ISSUER" COGNITO_JWKS_URL="$JWKS_URL" COGNITO_ALLOW_HTTP=1
        COGNITO_CLIENT_IDS="$CLIENT_ID" "$@")
    [[ -n "${HTTP_THREADS:-}" ]] && SERVER_ENV+=(HTTP_THREADS="$HTTP_THREADS")
    [[ -n "${DB_POOL_SIZE:-}" ]] && SERVER_ENV+=(DB_POOL_SIZE="$DB_POOL_SIZE")
    return 0
}

# start_server BIN [ENV...] — serve with BIN; waits until /v1/me accepts the token (the
# JWKS is fetched in the background: until then /v1/me answers 503).
start_server() {
    local bin="$1" status=000 deadline token
    shift
    server_env "$@"
    STOREFRONT_BIN="$bin" bench_serve "${SERVER_ENV[@]}"
    MEASURE_PIDS=("$SERVER_PID")
    token="$(sed -n 1p "$TOKEN_FILE")"
    deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
            -H "Authorization: Bearer $token" "http://127.0.0.1:$API_PORT/v1/me" 2>/dev/null || true)"
        [[ "$status" == 200 ]] && return 0
        [[ "$status" == 503 ]] || break
        sleep 0.1
    done
    tail -n 20 "$SERVER_LOG" >&2
    sf_die "GET /v1/me with the bench token answered $status, not 200"
}

# pick_values — the categories that list products (an empty one runs one more query) and
# up to DETAIL_PRODUCTS active products; the first of each is the capture probe.
pick_values() {
    local dir="$TMP_DIR/cap"
    mkdir -p -- "$dir"
    sql 'SELECT c.slug FROM categories c WHERE EXISTS (SELECT 1 FROM product_listing l WHERE l.list_key = c.id) ORDER BY c.id' \
        >"$dir/list.values" || sf_die "could not read the categories"
    sql "SELECT slug FROM products WHERE active ORDER BY md5(slug) LIMIT $DETAIL_PRODUCTS" \
        >"$dir/detail.values" || sf_die "could not read the products"
    [[ -s "$dir/list.values" && -s "$dir/detail.values" ]] || sf_die "the seeded catalog lists no products"
    cp -- "$dir/list.values" "$TMP_DIR/categories.txt"
    cp -- "$dir/detail.values" "$TMP_DIR/products.txt"
}

# capture — the statements the running server executes for the first list and the first
# detail request (statement log on only meanwhile); the list answers' mean size.
capture() {
    local dir="$TMP_DIR/cap" kind path off code slug total=0 n=0 bytes
    statement_log on
    for kind in list detail; do
        slug="$(sed -n 1p "$dir/$kind.values")"
        if [[ "$kind" == list ]]; then path="/v1/products?category=$slug&limit=20"; else path="/v1/products/$slug"; fi
        off="$(stat -c %s "$PG_LOG")"
        code="$(curl -s -o "$dir/$kind.body" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$API_PORT$path" || true)"
        [[ "$code" == 200 ]] || sf_die "GET $path answered ${code:-nothing} (server log: $SERVER_LOG)"
        sleep 0.3
        n="$(tail -c +$((off + 1)) "$PG_LOG" | parse_statements "$dir/$kind")"
        CAP_N[cap.$kind]="$n"
        ((n > 0)) || sf_die "no statement captured for GET $path (statement log $PG_LOG)"
        sf_log "GET $path: $n statement(s), $(stat -c %s "$dir/$kind.body") bytes"
    done
    statement_log off
    SERVER_POOL="$(curl -s --max-time 5 "http://127.0.0.1:$API_PORT/metrics" |
        awk '$1 == "storefront_db_pool_connections" { print $2; exit }')"
    is_uint "${SERVER_POOL:-x}" || SERVER_POOL=""
    sf_log "the server's pool: ${SERVER_POOL:-unknown (not in /metrics)} connections"
    n=0
    while read -r slug; do
        bytes="$(curl -s -o /dev/null -w '%{size_download}' --max-time 10 "http://127.0.0.1:$API_PORT/v1/products?category=$slug&limit=20" || echo 0)"
        total=$((total + ${bytes%.*}))
        n=$((n + 1))
    done <"$dir/list.values"
    LIST_BYTES=$((total / n))
}

# peer_config — the captured statements as the peer's JSON configuration.
peer_config() {
    # shellcheck disable=SC2016  # JavaScript, not shell
    node --input-type=module -e '
        import { readFileSync, writeFileSync } from "node:fs";
        const [dir, out, nl, nd] = process.argv.slice(1);
        const kind = (k, n) => {
          const probe = readFileSync(`${dir}/${k}.values`, "utf8").split("\n")[0];
          const statements = [];
          for (let i = 1; i <= Number(n); i++) {
            const params = [];
            for (const line of readFileSync(`${dir}/${k}.params.${i}`, "utf8").split("\n")) {
              if (!line) continue;
              const [num, t, ...v] = line.split("\t");
              params[Number(num) - 1] = t === "N" ? null : v.join("\t");
            }
            statements.push({ sql: readFileSync(`${dir}/${k}.sql.${i}`, "utf8"), params });
          }
          return { probe, statements };
        };
        writeFileSync(out, JSON.stringify({ list: kind("list", nl), detail: kind("detail", nd) }));
    ' "$TMP_DIR/cap" "$TMP_DIR/peer.json" "${CAP_N[cap.list]}" "${CAP_N[cap.detail]}"
}

# --- the runs ---------------------------------------------------------------------------------

# start_servers [ENV...] — one server per binary (BINS), each on its own port, all on the
# same database: the binaries are then measured in turn, scenario by scenario, so the old
# and the new figure of a row are taken minutes apart at most, under the same load from
# whatever else runs on the machine. An idle server costs nothing.
start_servers() {
    local bk
    for bk in "${BINS[@]}"; do
        API_PORT="$(sf_pick_free_port "$PG_PORT")"
        sf_log "[$bk] server on 127.0.0.1:$API_PORT${1:+ ($*)}"
        start_server "${BIN_PATH[$bk]}" "$@"
        SRV_PID[$bk]="$SERVER_PID"
        SRV_PORT[$bk]="$API_PORT"
    done
}

# use_server BIN_KEY — the measured process is that binary's server.
use_server() {
    SERVER_PID="${SRV_PID[$1]}"
    API_PORT="${SRV_PORT[$1]}"
    MEASURE_PIDS=("$SERVER_PID")
}

stop_servers() {
    local bk
    for bk in "${!SRV_PID[@]}"; do
        SERVER_PID="${SRV_PID[$bk]}"
        bench_stop_server
        unset "SRV_PID[$bk]"
    done
}

# each_bin SCENARIO LABEL LUA PATH LUA_ARG... — the scenario against every binary's
# server in turn, at CONNECTIONS.
each_bin() {
    local sc="$1" label="$2" lua="$3" path="$4" bk
    shift 4
    for bk in "${BINS[@]}"; do
        use_server "$bk"
        measure "$bk.$sc.$CONNECTIONS" "$bk: $label" -s "$BENCH_DIR/$lua" "http://127.0.0.1:$API_PORT$path" -- "$@"
    done
}

# storefront_runs — cold servers: list, detail, /healthz, /v1/me; hot servers: list,
# detail; each at every CONNS, every binary in turn.
storefront_runs() {
    local c
    sf_log "cold: CATALOG_CACHE_BYTES=0"
    start_servers CATALOG_CACHE_BYTES=0
    use_server new
    capture
    for c in $CONNS; do
        CONNECTIONS="$c"
        each_bin list_cold "list, cold" catalog.lua /v1/products list "$TMP_DIR/categories.txt"
        each_bin detail_cold "detail, cold" catalog.lua /v1/products detail "$TMP_DIR/products.txt"
        each_bin healthz "/healthz" catalog.lua /healthz static
        each_bin me "/v1/me, signed in" auth.lua /v1/me one "$TOKEN_FILE"
    done
    stop_servers
    sf_log "hot: the catalog cache on (the servers' default size), filled by each warm-up"
    start_servers
    for c in $CONNS; do
        CONNECTIONS="$c"
        each_bin list_hot "list, hot" catalog.lua /v1/products list "$TMP_DIR/categories.txt"
        each_bin detail_hot "detail, hot" catalog.lua /v1/products detail "$TMP_DIR/products.txt"
    done
    stop_servers
}

# nginx_runs — nginx-light serving a file of LIST_BYTES bytes (tests/bench/nginx.conf:
# worker_processes auto, access log off, keep-alive like the server's).
nginx_runs() {
    local c port dir="$TMP_DIR/nginx" deadline
    command -v nginx >/dev/null 2>&1 || sf_die "nginx is not installed (bootstrap.sh --only nginx-light)"
    mkdir -p -- "$dir/www"
    head -c "$LIST_BYTES" /dev/zero | tr '\0' 'x' >"$dir/www/list.json"
    port="$(sf_pick_free_port "$API_PORT")"
    sed -e "s|@PORT@|$port|" -e "s|@DIR@|$dir|g" "$BENCH_DIR/nginx.conf" >"$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
    NGINX_PID=$!
    deadline=$((SECONDS + 20))
    until [[ "$(sf_http_status "http://127.0.0.1:$port/list.json")" == 200 ]]; do
        if ((SECONDS >= deadline)) || ! kill -0 "$NGINX_PID" 2>/dev/null; then
            cat "$dir/error.log" >&2
            sf_die "nginx did not start"
        fi
        sleep 0.1
    done
    SERVER_PID="$NGINX_PID"
    # The master and its workers (forked by now: it has answered). The file has no final
    # newline, so read reports end of file: not an error here.
    read -r -a MEASURE_PIDS <"/proc/$NGINX_PID/task/$NGINX_PID/children" || true
    MEASURE_PIDS+=("$NGINX_PID")
    for c in $CONNS; do
        CONNECTIONS="$c"
        measure "nginx.$c" "nginx, a $LIST_BYTES-byte file" -s "$BENCH_DIR/catalog.lua" "http://127.0.0.1:$port/list.json" -- static
    done
    kill -TERM "$NGINX_PID" 2>/dev/null
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID="" SERVER_PID=""
}

# peer_runs — the fastify + pg peer with the captured SQL.
peer_runs() {
    local c port deadline u pool="${PEER_POOL:-$(pool_size)}"
    [[ -d "$SF_ROOT/node_modules/fastify" && -d "$SF_ROOT/node_modules/pg" ]] ||
        sf_die "node_modules lacks fastify or pg (npm ci; bootstrap.sh runs it)"
    peer_config
    port="$(sf_pick_free_port "$API_PORT")"
    : >"$TMP_DIR/peer.out"
    node "$BENCH_DIR/peer/server.mjs" --config "$TMP_DIR/peer.json" --port "$port" \
        --database-url "$PG_DATABASE_URL" --pool "$pool" >"$TMP_DIR/peer.out" 2>"$TMP_DIR/peer.err" &
    PEER_PID=$!
    deadline=$((SECONDS + 30))
    until grep -q '^PEER_READY' "$TMP_DIR/peer.out"; do
        if ((SECONDS >= deadline)) || ! kill -0 "$PEER_PID" 2>/dev/null; then
            cat "$TMP_DIR/peer.err" >&2
            sf_die "the Node.js peer did not start"
        fi
        sleep 0.1
    done
    u="http://127.0.0.1:$port"
    [[ "$(sf_http_status "$u/v1/products?category=$(sed -n 1p "$TMP_DIR/categories.txt")&limit=20")" == 200 ]] ||
        { cat "$TMP_DIR/peer.err" >&2; sf_die "the peer's list does not answer 200"; }
    SERVER_PID="$PEER_PID"
    MEASURE_PIDS=("$PEER_PID")
    for c in $CONNS; do
        CONNECTIONS="$c"
        measure "peer.list.$c" "Node peer (pool $pool): list" -s "$BENCH_DIR/catalog.lua" "$u/v1/products" -- list "$TMP_DIR/categories.txt"
        measure "peer.detail.$c" "Node peer (pool $pool): detail" -s "$BENCH_DIR/catalog.lua" "$u/v1/products" -- detail "$TMP_DIR/products.txt"
    done
    kill -TERM "$PEER_PID" 2>/dev/null
    wait "$PEER_PID" 2>/dev/null || true
    PEER_PID="" SERVER_PID=""
}

# pgbench_runs — the captured statements, -M prepared, -c = the server's pool size.
pgbench_runs() {
    local kind name clients
    clients="$(pool_size)"
    for kind in list detail; do
        write_pgbench cap "$kind" || { sf_warn "no pgbench for $kind: ${PGB_NOTE[cap.$kind]:-}"; continue; }
        name="pgbench.$kind"
        ROWS+=("$name")
        ROW_LABEL[$name]="pgbench: the $kind's SQL, -c$clients -j2"
        run_pgbench "$name" "$clients" "$TMP_DIR/cap/$kind.pgbargs" ""
        R_CSW[$name]="-"
        R_PEAK[$name]="-"
        # CPU of all PostgreSQL processes (pgbench's backends) per transaction.
        R_USREQ[$name]="$(awk -v p="${R_CPU_PG[$name]:-}" -v r="${R_RPS[$name]:-0}" 'BEGIN { if (p == "" || p < 0 || r + 0 == 0) print "-"; else printf "%.1f", p / 100 * 1e6 / r }')"
        R_PGUS[$name]="${R_USREQ[$name]}"
    done
}

# writes_runs — events.sh and checkout.sh, short, per binary; their figures from their
# summaries (each runs its own cluster).
writes_runs() {
    local bk dir
    for bk in "${BINS[@]}"; do
        dir="$RESULTS_DIR/writes-$bk"
        [[ -n "$RESULTS_DIR" ]] || dir="$TMP_DIR/writes-$bk"
        mkdir -p -- "$dir/events" "$dir/checkout"
        sf_log "[$bk] clickstream ingestion (tests/bench/events.sh, ${WRITES_DURATION}s)"
        STOREFRONT_BIN="${BIN_PATH[$bk]}" DURATION="$WRITES_DURATION" WARMUP=2 RESULTS_DIR="$dir/events" \
            timeout -k 10 900 "$BENCH_DIR/events.sh" >"$dir/events.log" 2>&1 || sf_warn "events.sh failed for $bk (see $dir/events.log)"
        W_EVENTS[$bk]="$(awk '/^ingest / { print $2; exit }' "$dir/events.log")"
        sf_log "[$bk] checkout (tests/bench/checkout.sh uncontended, ${WRITES_DURATION}s)"
        STOREFRONT_BIN="${BIN_PATH[$bk]}" DURATION="$WRITES_DURATION" WARMUP=2 SCENARIOS=uncontended \
            CARTS=10000 WARMUP_CARTS=2000 RESULTS_DIR="$dir/checkout" \
            timeout -k 10 1200 "$BENCH_DIR/checkout.sh" >"$dir/checkout.log" 2>&1 || sf_warn "checkout.sh failed for $bk (see $dir/checkout.log)"
        W_CHECKOUT[$bk]="$(awk -F '\t' '$1 == "uncontended" { print $2 }' "$dir/checkout/summary.tsv" 2>/dev/null)"
    done
}

# --- report -----------------------------------------------------------------------------------

ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }
verdict_ge() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "-") print "n/a"; else print (a + 0 >= b + 0 ? "MET" : "NOT MET") }'; }
verdict_le() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "-") print "n/a"; else print (a + 0 <= b + 0 ? "MET" : "NOT MET") }'; }

print_table() {
    local r
    local note
    printf '%-52s %9s %8s %8s %8s %8s %8s %6s %s\n' run 'req/s' 'p99 ms' 'µs/req' 'csw/req' 'peak MB' 'pg µs' 'oth %' note
    for r in "${ROWS[@]}"; do
        note="${R_NOTE[$r]:-}"
        [[ "${R_NON2XX[$r]:-0}" =~ ^(0|-)?$ ]] || note="non-2xx ${R_NON2XX[$r]} $note"
        printf '%-52s %9s %8s %8s %8s %8s %8s %6s %s\n' "${ROW_LABEL[$r]}" "${R_RPS[$r]:--}" \
            "${R_P99[$r]:--}" "${R_USREQ[$r]:--}" "${R_CSW[$r]:--}" "${R_PEAK[$r]:--}" "${R_PGUS[$r]:--}" \
            "${R_CPU_OTHER[$r]:--}" "$note"
    done
}

# target LABEL VALUE OP BOUND — one line of the targets.
target() {
    local v
    if [[ "$3" == ge ]]; then v="$(verdict_ge "$2" "$4")"; else v="$(verdict_le "$2" "$4")"; fi
    printf '  %-62s %8s  (target %s %s)  %s\n' "$1" "${2:--}" "$([[ "$3" == ge ]] && echo '≥' || echo '≤')" "$4" "$v"
}

print_targets() {
    local bk c=64 big
    big="$(awk '{ print $NF }' <<<"$CONNS")"
    for bk in "${BINS[@]}"; do
        printf '\ntargets, %s binary (%s):\n' "$bk" "${BIN_PATH[$bk]}"
        target "hot list ÷ /healthz (-c$c)" "$(ratio "${R_RPS[$bk.list_hot.$c]:-}" "${R_RPS[$bk.healthz.$c]:-}")" ge "$T_HOT_VS_HEALTHZ"
        target "cold list ÷ Node peer list (-c$c)" "$(ratio "${R_RPS[$bk.list_cold.$c]:-}" "${R_RPS[peer.list.$c]:-}")" ge "$T_COLD_VS_PEER"
        target "cold list ÷ pgbench of its SQL (-c$c vs -c$(pool_size))" "$(ratio "${R_RPS[$bk.list_cold.$c]:-}" "${R_RPS[pgbench.list]:-}")" ge "$T_COLD_VS_PGBENCH"
        target "cold list p99 ms (-c$c)" "${R_P99[$bk.list_cold.$c]:-}" le "$T_COLD_P99_MS"
        target "/healthz ÷ nginx (-c$c)" "$(ratio "${R_RPS[$bk.healthz.$c]:-}" "${R_RPS[nginx.$c]:-}")" ge "$T_HEALTHZ_VS_NGINX"
        target "hot list p99 ms (-c$big)" "${R_P99[$bk.list_hot.$big]:-}" le "$T_HOT_P99_512_MS"
        target "hot detail p99 ms (-c$big)" "${R_P99[$bk.detail_hot.$big]:-}" le "$T_HOT_P99_512_MS"
        target "server peak RSS MB (VmHWM, after -c$big)" "${R_PEAK[$bk.detail_hot.$big]:-}" le "$T_RSS_512_MB"
    done
    if [[ -n "$BASELINE_BIN" ]]; then
        printf '\nnew ÷ baseline (same run):\n'
        for r in list_cold list_hot detail_cold detail_hot healthz me; do
            for c in $CONNS; do
                printf '  %-20s -c%-4s %6s × req/s, p99 %s → %s ms\n' "$r" "$c" "$(ratio "${R_RPS[new.$r.$c]:-}" "${R_RPS[base.$r.$c]:-}")" \
                    "${R_P99[base.$r.$c]:--}" "${R_P99[new.$r.$c]:--}"
            done
        done
        if ((WRITES)); then
            target "clickstream events/s, new ÷ baseline" "$(ratio "${W_EVENTS[new]:-}" "${W_EVENTS[base]:-}")" ge 1
            target "checkouts/s (uncontended), new ÷ baseline" "$(ratio "${W_CHECKOUT[new]:-}" "${W_CHECKOUT[base]:-}")" ge 1
            printf '  (events/s %s → %s; checkouts/s %s → %s; short runs on a shared machine: ±10 %% is noise)\n' \
                "${W_EVENTS[base]:--}" "${W_EVENTS[new]:--}" "${W_CHECKOUT[base]:--}" "${W_CHECKOUT[new]:--}"
        fi
    fi
}

write_tsv() {
    [[ -n "$RESULTS_DIR" ]] || return 0
    local r
    {
        printf 'run\tlabel\treq_s\tp50_ms\tp99_ms\tus_per_req\tcsw_per_req\tpeak_mb\tnon2xx\tsockerr\n'
        for r in "${ROWS[@]}"; do
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "${ROW_LABEL[$r]}" "${R_RPS[$r]:--}" "${R_P50[$r]:--}" \
                "${R_P99[$r]:--}" "${R_USREQ[$r]:--}" "${R_CSW[$r]:--}" "${R_PEAK[$r]:--}" "${R_NON2XX[$r]:--}" "${R_SOCKERR[$r]:--}"
        done
    } >"$RESULTS_DIR/summary.tsv"
}

cleanup() {
    local rc=$?
    set +e
    local p
    for p in "$NGINX_PID" "$PEER_PID" "$NODE_PID"; do
        [[ -n "$p" ]] && kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    stop_servers
    bench_teardown
    ((rc == 0)) || printf 'ceiling benchmark: aborted (exit %s)\n' "$rc" >&2
}

main() {
    local load_before stamp pg_port header
    while (($# > 0)); do
        case "$1" in
            --baseline-bin) BASELINE_BIN="${2:-}"; shift 2 || sf_die "--baseline-bin needs a path" ;;
            --baseline-bin=*) BASELINE_BIN="${1#*=}"; shift ;;
            -h | --help) usage; exit 0 ;;
            *) sf_die "unknown argument $1 (see --help)" ;;
        esac
    done
    check_settings
    cd "$SF_ROOT"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    RESULTS_DIR="${RESULTS_DIR-$BENCH_DIR/results/$stamp-ceiling}"
    [[ -n "$RESULTS_DIR" ]] && mkdir -p -- "$RESULTS_DIR"

    bench_binary
    BIN_PATH[new]="$STOREFRONT_BIN"
    ((NGINX == 0)) || command -v nginx >/dev/null 2>&1 || "$SF_ROOT/localstack/bootstrap.sh" --only nginx-light
    [[ -x "$PG_BIN/pgbench" ]] || sf_die "$PG_BIN/pgbench not found (postgresql-15)"

    bench_tmp_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    pg_port="$(sf_pick_free_port)"
    API_PORT="$(sf_pick_free_port "$pg_port")"
    pg_start "$PG_DIR" "$pg_port" --ephemeral
    start_jwks
    server_env
    sf_log "migrating and seeding the sample catalog"
    bench_migrate_seed -- "${SERVER_ENV[@]}"
    pick_values

    header="$(
        printf 'date      %s (UTC); load average before: %s\n' "$(date -u '+%Y-%m-%d %H:%M')" "$load_before"
        printf 'machine   %s CPUs (%s), %s MB RAM\n' "$NPROC" "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
            "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
        printf 'code      %s; new %s%s\n' "$(git -C "$SF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" "${BIN_PATH[new]}" \
            "${BASELINE_BIN:+; baseline $BASELINE_BIN}"
        printf 'load      wrk -t%s --latency, %ss warm-up + %ss per run, connections: %s; pgbench -M prepared -c %s, %ss\n' \
            "$WRK_THREADS" "$WARMUP" "$DURATION" "$CONNS" "$(pool_size)" "$PGBENCH_DURATION"
        printf 'servers   storefront HTTP_THREADS=%s DB_POOL_SIZE=%s (unset = the binary'\''s default), LOG_LEVEL=warning\n' \
            "${HTTP_THREADS:-}" "${DB_POOL_SIZE:-}"
        printf 'values    %s categories (list), %s products (detail), picked at random per request\n' \
            "$(grep -c . "$TMP_DIR/categories.txt")" "$(grep -c . "$TMP_DIR/products.txt")"
    )"

    storefront_runs
    ((NGINX)) && nginx_runs
    ((PEER)) && peer_runs
    ((PGBENCH)) && pgbench_runs
    ((WRITES)) && writes_runs

    {
        printf '\n== Storefront HTTP ceiling (issue 15) ==\n%s\n' "$header"
        printf 'list body mean %s bytes (nginx serves a file of that size)\n\n' "$LIST_BYTES"
        print_table
        printf '(µs/req: CPU of the serving process(es) per request — for pgbench, of all PostgreSQL\n'
        printf ' processes; csw/req: voluntary + nonvoluntary context switches of the serving process(es)\n'
        printf ' per request; peak MB: VmHWM, the peak since the process started; pg µs: CPU of all\n'
        printf ' PostgreSQL processes per request; oth %%: CPU taken by other programs during the run,\n'
        printf ' %% of one core (%s cores = %s %%): a large figure means the run was disturbed)\n' "$NPROC" $((NPROC * 100))
        print_targets
    } | { if [[ -n "$RESULTS_DIR" ]]; then tee "$RESULTS_DIR/summary.txt"; else cat; fi; }
    write_tsv
}

main "$@"
