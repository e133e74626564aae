#!/usr/bin/env bash
# tests/bench/checkout.sh — checkout benchmark: prints figures, never fails on them.
#
# Why: issue #4 asks for checkouts per second with single-line carts and plentiful
# stock, uncontended and under contention (every customer buying the same variant),
# with p99; target on a 2-core machine: ≥ 800 uncontended checkouts/s (printed beside
# the figure, informational).
#
# How, and why so: a signed-in customer has one open cart and a checkout closes it, so
# every checkout needs a customer with a freshly filled cart. Timing add-to-cart +
# checkout pairs would mix two endpoints, so the carts are made BEFORE the measured
# run: one token (one person) per cart; each token is used once with GET /v1/me
# (tests/bench/prime-tokens.mjs: the server creates the customer row, verifies the
# token with RSA and caches it, as after a shopper's browsing); then one set-based SQL
# statement per scenario creates an open cart with one line (quantity 1) for each of
# those customers, straight in the throw-away cluster (schema/migrations/0005). The
# wrk script (tests/bench/checkout.lua) sends POST /v1/checkout with the next unused
# token and a unique Idempotency-Key, an inline US shipping address (no saved-address
# lookup; US tax rate 0), shipping `standard`, payment `cod`. The warm-up uses its own
# customers, so the measured run never meets a cart already checked out.
#
#   uncontended  the carts' variants are spread round-robin over every active variant
#                of the sample catalog (508: ≈ 8× more variants than connections)
#   contended    every cart holds the same variant: all checkouts queue on that
#                variant's row lock (the conditional stock decrement)
# Stock is set to STOCK (1 000 000) on every active variant first, so nothing runs out.
# Around each measured run SQL counts the orders created, the order-line quantities and
# the stock of all variants: orders created must equal the 201s received (plus at most
# the requests in flight when wrk stopped, which the server still completes) and stock
# must fall by exactly the quantity ordered. That is a correctness cross-check, printed
# and never a timing threshold; it only says "MISMATCH" when it does not hold.
#
# What it does, from a clean checkout:
#   1. localstack/bootstrap.sh, builds into build/ (RelWithDebInfo) unless STOREFRONT_BIN
#      is given; a throw-away PostgreSQL (localstack/postgres.sh --ephemeral: fsync and
#      synchronous_commit off, so this measures CPU, not the disk: a durable commit
#      per checkout would measure this VM's disk flushes; DURABLE=1 keeps them on, for
#      the figure with real commits) on a free loopback port;
#      migrate, seed, VACUUM ANALYZE;
#   2. tests/bench/jwks-token.mjs: JWKS on loopback and 2 × (WARMUP_CARTS + CARTS)
#      tokens; `storefront serve` (LOG_LEVEL=warning, AUTH_TOKEN_CACHE_SIZE ≥ tokens);
#   3. priming (every token once), carts + lines by SQL, VACUUM ANALYZE;
#   4. per scenario: WARMUP s of warm-up with its own customers, VACUUM ANALYZE (the
#      order tables now have rows: see settle_tables), then DURATION s
#      measured (wrk, CONNECTIONS, WRK_THREADS); CPU split (server / PostgreSQL / wrk /
#      other / idle), VmRSS/VmHWM, the SQL cross-check;
#   5. a summary; 6. stops everything it started (trap), whatever happens.
# All traffic is on 127.0.0.1. Every step has a time limit.
#
# Environment (defaults):
#   DURATION (20)        seconds of each measured run
#   WARMUP (5)           seconds of warm-up before each (0: none)
#   CARTS (40000)        prepared customers with a cart per measured run; a run that uses
#                        them all stops early and says so (its rate is then a floor)
#   WARMUP_CARTS (6000)  prepared customers per warm-up
#   CONNECTIONS (64)     wrk connections;  WRK_THREADS (2) wrk threads
#   STOCK (1000000)      stock set on every active variant before the runs
#   SCENARIOS ("uncontended contended")
#   STATEMENTS (0)       1: PostgreSQL with pg_stat_statements; prints each measured run's
#                        statements (calls per order, mean time, share); adds overhead
#   DURABLE (0)          1: fsync and synchronous_commit on (real commits); 0 measures CPU only
#   HTTP_THREADS, DB_POOL_SIZE   passed to the server when set
#   STOREFRONT_BIN       use this binary, skip the build; BUILD_DIR (build)
#   RESULTS_DIR          raw outputs + summary (default tests/bench/results/<UTC>-checkout,
#                        git-ignored; empty: keep nothing)
#
# Usage: tests/bench/checkout.sh     e.g. DURATION=10 CARTS=20000 tests/bench/checkout.sh

# shellcheck disable=SC2317  # cleanup and its helpers are reached through `trap`
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
CARTS="${CARTS:-40000}"
WARMUP_CARTS="${WARMUP_CARTS:-6000}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
STOCK="${STOCK:-1000000}"
SCENARIOS="${SCENARIOS:-uncontended contended}"
BUILD_DIR="${BUILD_DIR:-build}"
READY_TIMEOUT=30
JWKS_TIMEOUT=180
PRIME_TIMEOUT=900

ISSUER="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool1"
CLIENT_ID="benchclient0123456789abcdef"

# The issue's target, printed beside the figure; nothing fails on it.
TARGET_UNCONTENDED=800

NODE_PID=""
JWKS_URL=""
TOKEN_FILE=""
TOKENS=0
PRIME_NOTE=""
N_VARIANTS=""
HOT_SKU=""
STATEMENTS="${STATEMENTS:-0}"
declare -A STATEMENTS_OUT DB_BEFORE DB_AFTER CREATED SENT EXHAUSTED REPLAYED CHECK_NOTE WARM_NOTE

# --- helpers ------------------------------------------------------------------------

check_settings() {
    local v s
    for v in DURATION WARMUP CARTS WARMUP_CARTS CONNECTIONS WRK_THREADS STOCK STATEMENTS; do
        is_uint "${!v}" || sf_die "$v must be a non-negative integer, got \"${!v}\""
    done
    for v in HTTP_THREADS DB_POOL_SIZE; do
        if [[ -n "${!v:-}" ]] && ! is_uint "${!v}"; then
            sf_die "$v must be a positive integer, got \"${!v}\""
        fi
    done
    ((DURATION >= 1 && CONNECTIONS >= 1 && WRK_THREADS >= 1 && CARTS >= 1 && STOCK >= 1)) ||
        sf_die "DURATION, CONNECTIONS, WRK_THREADS, CARTS and STOCK must be at least 1"
    ((CONNECTIONS >= WRK_THREADS)) || sf_die "CONNECTIONS must be >= WRK_THREADS"
    for s in $SCENARIOS; do
        [[ "$s" == uncontended || "$s" == contended ]] || sf_die "SCENARIOS: unknown scenario \"$s\""
    done
    TOKENS=$(($(wc -w <<<"$SCENARIOS") * (CARTS + (WARMUP > 0 ? WARMUP_CARTS : 0))))
    ((TOKENS >= 1 && TOKENS <= 100000)) ||
        sf_die "scenarios × (CARTS + WARMUP_CARTS) = $TOKENS tokens; jwks-token.mjs makes 1..100000"
}

# DURABLE=1: a cluster with fsync and synchronous_commit on (every checkout waits for its
# commit's WAL flush); the default measures CPU only.
PG_MODE=(--ephemeral)
[[ "${DURABLE:-0}" == 1 ]] && PG_MODE=()

http_threads() { printf '%s\n' "${HTTP_THREADS:-$((NPROC * 2))}"; }
pool_size() { printf '%s\n' "${DB_POOL_SIZE:-$(http_threads)}"; }

sql() { app_psql -U storefront -d storefront "$@"; }

# db_state — "orders order_line_quantity stock_of_all_variants checked_out_carts".
db_state() {
    sql -F ' ' -c "SELECT (SELECT count(*) FROM orders), (SELECT coalesce(sum(quantity), 0) FROM order_lines),
        (SELECT coalesce(sum(stock), 0) FROM product_variants),
        (SELECT count(*) FROM carts WHERE status = 'checked_out')" 2>/dev/null || echo "- - - -"
}
db_before() {
    # The warm-up's last checkouts were still in flight when its wrk stopped; let the
    # server finish them, so they are not counted in this run.
    sleep 2
    DB_BEFORE[$1]="$(db_state)"
    [[ "$STATEMENTS" == 1 ]] && pg_admin_sql <<<'\c storefront
SELECT pg_stat_statements_reset();'
    return 0
}
db_after() {
    # The server finishes the checkouts that were in flight when wrk closed its
    # connections; wait for them before counting.
    sleep 2
    DB_AFTER[$1]="$(db_state)"
    [[ "$STATEMENTS" == 1 ]] && statements_report "$1"
    return 0
}

# statements_enable — STATEMENTS=1: restart the cluster with pg_stat_statements
# (track = all, so the trigger's statements are listed too). It costs some CPU per
# statement, so the figures of such a run are not the reference ones.
statements_enable() {
    sf_log "STATEMENTS=1: restarting PostgreSQL with pg_stat_statements"
    pg_admin_sql <<<"ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';" ||
        sf_die "ALTER SYSTEM failed"
    pg_stop "$PG_DIR"
    pg_start "$PG_DIR" "$PG_PORT" "${PG_MODE[@]}"
    # The extension's own settings exist only once its library is loaded.
    pg_admin_sql <<<"ALTER SYSTEM SET pg_stat_statements.track = 'all';
SELECT pg_reload_conf();
\\c storefront
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;" || sf_die "enabling pg_stat_statements failed"
}

# statements_report NAME — the statements of NAME's measured run, by total time:
# calls per order created, mean ms, share of the time, rows per call.
statements_report() {
    local orders
    orders="$(sql -c "SELECT count(*) FROM orders")"
    orders=$((orders - ${DB_BEFORE[$1]%% *}))
    ((orders > 0)) || return 0
    app_psql -U postgres -d storefront -F ' | ' -c "SELECT to_char(calls::numeric / $orders, 'FM990.00'),
            to_char(mean_exec_time, 'FM990.000'),
            to_char(100 * total_exec_time / sum(total_exec_time) OVER (), 'FM990.0') || ' %',
            to_char(rows::numeric / greatest(calls, 1), 'FM99990.0'),
            left(regexp_replace(query, '\s+', ' ', 'g'), 110)
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'storefront')
        ORDER BY total_exec_time DESC LIMIT 25" >"$TMP_DIR/$1.statements" 2>&1 || true
    save "$1.statements.txt" "$TMP_DIR/$1.statements"
    STATEMENTS_OUT[$1]="$(cat "$TMP_DIR/$1.statements")"
}

# --- set-up ---------------------------------------------------------------------------

start_jwks() {
    local deadline
    command -v node >/dev/null 2>&1 || sf_die "node is not installed (Node.js 20: tests/bench/jwks-token.mjs)"
    TOKEN_FILE="$TMP_DIR/tokens.txt"
    : >"$TMP_DIR/jwks.out"
    sf_log "JWKS + $TOKENS signed RS256 access tokens (node, RSA-2048)"
    node "$BENCH_DIR/jwks-token.mjs" --issuer "$ISSUER" --client-id "$CLIENT_ID" --tokens "$TOKENS" \
        --out "$TOKEN_FILE" --max-seconds 3600 >"$TMP_DIR/jwks.out" 2>"$TMP_DIR/jwks.err" &
    NODE_PID=$!
    deadline=$((SECONDS + JWKS_TIMEOUT))
    while ((SECONDS < deadline)); do
        JWKS_URL="$(sed -n 's/^JWKS_URL=//p' "$TMP_DIR/jwks.out")"
        [[ -n "$JWKS_URL" ]] && break
        kill -0 "$NODE_PID" 2>/dev/null || { cat "$TMP_DIR/jwks.err" >&2; sf_die "jwks-token.mjs exited"; }
        sleep 0.2
    done
    [[ -n "$JWKS_URL" ]] || sf_die "jwks-token.mjs did not start within ${JWKS_TIMEOUT}s"
    [[ "$(grep -c . "$TOKEN_FILE")" == "$TOKENS" ]] || sf_die "jwks-token.mjs wrote $(grep -c . "$TOKEN_FILE") tokens, not $TOKENS"
    [[ "$(sf_http_status "$JWKS_URL")" == 200 ]] || sf_die "the JWKS at $JWKS_URL does not answer 200"
}

server_env() {
    # The token cache holds every bench token: a shopper's token is hot from the cart
    # requests just before checkout, so a checkout should not pay RSA.
    local cache=$((TOKENS > 10000 ? TOKENS : 10000))
    SERVER_ENV=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL"
        CORS_ALLOWED_ORIGINS=http://localhost:5173 LOG_LEVEL=warning
        COGNITO_ISSUER="$ISSUER" COGNITO_JWKS_URL="$JWKS_URL" COGNITO_ALLOW_HTTP=1
        COGNITO_CLIENT_IDS="$CLIENT_ID" AUTH_TOKEN_CACHE_SIZE="$cache")
    [[ -n "${HTTP_THREADS:-}" ]] && SERVER_ENV+=(HTTP_THREADS="$HTTP_THREADS")
    [[ -n "${DB_POOL_SIZE:-}" ]] && SERVER_ENV+=(DB_POOL_SIZE="$DB_POOL_SIZE")
    return 0
}

# start_server — serve, then wait until a token is accepted (the first JWKS fetch runs
# in the background: until it succeeds, /v1/me answers 503).
start_server() {
    local status=000 deadline token
    server_env
    sf_log "starting the server on 127.0.0.1:$API_PORT (LOG_LEVEL=warning: access log off)"
    bench_serve "${SERVER_ENV[@]}"
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
    sf_die "GET /v1/me with a bench token answered $status, not 200 (JWKS $JWKS_URL)"
}

# prime — every token once (customer rows, RSA, token cache), then ANALYZE customers
# (see docs/benchmarks.md: a table analyzed while empty gets sequential scans).
prime() {
    local line
    sf_log "priming: GET /v1/me once per token ($TOKENS)"
    run_bounded "$PRIME_TIMEOUT" "$TMP_DIR/prime.out" node "$BENCH_DIR/prime-tokens.mjs" \
        --url "http://127.0.0.1:$API_PORT/v1/me" --tokens "$TOKEN_FILE" --concurrency 32 \
        --max-seconds $((PRIME_TIMEOUT - 10)) || { cat "$TMP_DIR/prime.out" >&2; sf_die "priming failed"; }
    save prime.txt "$TMP_DIR/prime.out"
    line="$(grep -m1 '^PRIME ' "$TMP_DIR/prime.out")"
    PRIME_NOTE="priming: ${line#PRIME }; $(sql -c "SELECT count(*) FROM customers") customer rows"
    sf_log "$PRIME_NOTE"
}

# token_range SCENARIO PART — "first last" line numbers of the tokens of one part
# (warm or run) of one scenario; the parts follow each other in TOKEN_FILE.
token_range() {
    local idx=0 s per first
    per=$((CARTS + (WARMUP > 0 ? WARMUP_CARTS : 0)))
    for s in $SCENARIOS; do
        [[ "$s" == "$1" ]] && break
        idx=$((idx + 1))
    done
    first=$((idx * per + 1))
    if [[ "$2" == warm ]]; then
        printf '%s %s\n' "$first" $((first + WARMUP_CARTS - 1))
    else
        first=$((first + (WARMUP > 0 ? WARMUP_CARTS : 0)))
        printf '%s %s\n' "$first" $((first + CARTS - 1))
    fi
}

# make_carts — stock for everyone, then per scenario and part one open cart with one
# line for each of its customers (jwks-token.mjs names token i's user bench-user-<i>,
# zero-padded to 6 digits), and the token file of that part.
make_carts() {
    local s part a b pick prefix
    sf_log "stock := $STOCK on every active variant; carts + lines by SQL"
    sql -c "UPDATE product_variants SET stock = $STOCK WHERE active AND stock <> $STOCK" >/dev/null
    N_VARIANTS="$(sql -c "SELECT count(*) FROM product_variants v JOIN products p ON p.id = v.product_id
        WHERE v.active AND p.active")"
    ((N_VARIANTS > 0)) || sf_die "the seeded catalog has no active variants"
    HOT_SKU="$(sql -c "SELECT v.sku FROM product_variants v JOIN products p ON p.id = v.product_id
        WHERE v.active AND p.active ORDER BY v.id LIMIT 1")"
    for s in $SCENARIOS; do
        for part in warm run; do
            [[ "$part" == warm ]] && ((WARMUP == 0)) && continue
            read -r a b <<<"$(token_range "$s" "$part")"
            prefix="${s:0:1}${part:0:1}" # cart ids start uw, ur, cw, cr: counted below
            sed -n "${a},${b}p" "$TOKEN_FILE" >"$TMP_DIR/tokens-$s-$part.txt"
            # uncontended: variant number (customer's rank mod N) of the active ones;
            # contended: always the first.
            if [[ "$s" == uncontended ]]; then pick="(c.rn - 1) % cardinality(vs.ids) + 1"; else pick=1; fi
            sql -c "WITH vs AS (SELECT array_agg(v.id ORDER BY v.id) AS ids FROM product_variants v
                        JOIN products p ON p.id = v.product_id WHERE v.active AND p.active),
                    c AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM customers
                        WHERE username ~ '^bench-user-[0-9]+\$'
                          AND substr(username, 12)::int BETWEEN $a AND $b),
                    k AS (INSERT INTO carts (id, customer_id, expires_at)
                        SELECT '$prefix' || substr(md5(c.id::text || random()::text), 1, 20),
                               c.id, now() + interval '1 day' FROM c
                        RETURNING id, customer_id)
                    INSERT INTO cart_items (cart_id, variant_id, quantity)
                    SELECT k.id, vs.ids[$pick], 1 FROM k JOIN c ON c.id = k.customer_id, vs" >/dev/null ||
                sf_die "creating the $s $part carts failed"
            [[ "$(sql -c "SELECT count(*) FROM carts WHERE id LIKE '$prefix%' AND status = 'open'")" == $((b - a + 1)) ]] ||
                sf_die "the $s $part carts are not $((b - a + 1))"
        done
    done
    settle_tables
}

# settle_tables — VACUUM ANALYZE of what checkout reads and writes, outside any measured
# window. Why: (1) the order tables were analyzed while empty (after seeding), and a
# table PostgreSQL knows as empty is read by sequential scan: the order JSON, the
# idempotency-key statements and the foreign-key checks then cost more with every
# order placed (see docs/benchmarks.md, "Checkout"); a shop that has been taking
# orders has statistics. (2) The carts and customers just inserted would otherwise
# draw autovacuum into the middle of a measured run.
settle_tables() {
    pg_admin_sql <<<'\c storefront
VACUUM ANALYZE customers, carts, cart_items, product_variants, products, orders, order_lines, order_events, idempotency_keys;' >/dev/null ||
        sf_die "VACUUM ANALYZE failed"
}

# sanity_check — one checkout by hand (a throw-away customer of its own would need
# another token; use the last measured token of the first scenario and give it a new
# cart afterwards), so the measured run does not start against a broken endpoint.
sanity_check() {
    local s a b token code cid
    s="${SCENARIOS%% *}"
    read -r a b <<<"$(token_range "$s" run)"
    token="$(sed -n "${b}p" "$TOKEN_FILE")"
    code="$(curl -s -o "$TMP_DIR/sanity.json" -w '%{http_code}' --max-time 10 -X POST \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -H "Idempotency-Key: sanity-$b" \
        --data '{"shipping_address":{"line1":"1 Load Test Way","city":"Springfield","country":"US"},"shipping_method":"standard","payment_method":"cod"}' \
        "http://127.0.0.1:$API_PORT/v1/checkout" || echo 000)"
    [[ "$code" == 201 ]] || { cat "$TMP_DIR/sanity.json" >&2; sf_die "POST /v1/checkout answered $code, not 201"; }
    printf '    POST /v1/checkout  201, %s bytes\n' "$(wc -c <"$TMP_DIR/sanity.json")"
    # Give that customer a fresh cart with the same line, so the measured run is complete.
    cid="$(sql -c "SELECT id FROM customers WHERE username = 'bench-user-$(printf '%06d' "$b")'")"
    sql -c "WITH k AS (INSERT INTO carts (id, customer_id, expires_at)
                VALUES ('zz' || substr(md5(random()::text), 1, 20), $cid, now() + interval '1 day') RETURNING id)
            INSERT INTO cart_items (cart_id, variant_id, quantity)
            SELECT k.id, (SELECT variant_id FROM order_lines ORDER BY id DESC LIMIT 1), 1 FROM k" >/dev/null ||
        sf_die "re-filling the sanity check's cart failed"
}

# run_scenario NAME — warm-up with its own customers, then the measured run.
run_scenario() {
    local s="$1" line f
    if ((WARMUP > 0)); then
        sf_log "wrk $s: ${WARMUP}s warm-up ($WARMUP_CARTS customers of its own)"
        run_bounded $((WARMUP + 30)) "$TMP_DIR/$s.warmup" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" \
            -d"${WARMUP}s" --timeout 2s -s "$BENCH_DIR/checkout.lua" "http://127.0.0.1:$API_PORT/v1/checkout" \
            -- "$TMP_DIR/tokens-$s-warm.txt" "warm-$s" "$WRK_THREADS" || true
        line="$(grep -m1 '^BENCH ' "$TMP_DIR/$s.warmup" || true)"
        WARM_NOTE[$s]="$(sed -n 's/.* created=\([0-9]*\).* exhausted=\([0-9]*\).*/\1 created, \2 threads out of carts/p' <<<"$line")"
        sleep 2 # the warm-up's last checkouts finish
        settle_tables
    fi
    WARMUP=0 BENCH_BEFORE_MEASURE=db_before BENCH_AFTER_MEASURE=db_after \
        run_wrk_measure "$s" "POST /v1/checkout ($s, $CARTS customers)" \
        -s "$BENCH_DIR/checkout.lua" "http://127.0.0.1:$API_PORT/v1/checkout" \
        -- "$TMP_DIR/tokens-$s-run.txt" "run-$s" "$WRK_THREADS"
    line="$(grep -m1 '^BENCH ' "$TMP_DIR/$s.out" || true)"
    f() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
    CREATED[$s]="$(f created)"
    SENT[$s]="$(f sent)"
    EXHAUSTED[$s]="$(f exhausted)"
    REPLAYED[$s]="$(f replayed)"
    if [[ -n "${CREATED[$s]}" ]]; then
        # checkouts/s: the 201s over wrk's duration (not wrk's requests/s, which would
        # count the /healthz a stopping thread sends)
        R_RPS[$s]="$(awk -v c="${CREATED[$s]}" -v d="$(f duration_us)" 'BEGIN { printf "%.0f", c / (d / 1e6) }')"
    fi
    cross_check "$s"
}

# cross_check NAME — orders vs 201s and stock vs quantities over the measured run.
cross_check() {
    local s="$1" o0 q0 k0 c0 o1 q1 k1 c1 orders qty stock carts inflight verdict
    read -r o0 q0 k0 c0 <<<"${DB_BEFORE[$s]:-- - - -}"
    read -r o1 q1 k1 c1 <<<"${DB_AFTER[$s]:-- - - -}"
    if [[ "$o0" == - || "$o1" == - || -z "${CREATED[$s]:-}" ]]; then
        CHECK_NOTE[$s]="cross-check: n/a (no counts)"
        return 0
    fi
    orders=$((o1 - o0)) qty=$((q1 - q0)) stock=$((k0 - k1)) carts=$((c1 - c0))
    inflight=$((orders - CREATED[$s]))
    verdict=ok
    # Exact: stock falls by the quantity ordered, each order closed one cart. Bounded:
    # orders beyond the 201s are the checkouts in flight when wrk stopped (≤ connections).
    ((stock == qty && carts == orders && qty == orders && inflight >= 0 && inflight <= CONNECTIONS)) ||
        verdict=MISMATCH
    CHECK_NOTE[$s]="$(printf 'cross-check %s: %s orders created, %s × 201 received (%s in flight when wrk stopped), stock −%s, quantity ordered %s, carts closed %s, replays %s: %s' \
        "$s" "$orders" "${CREATED[$s]}" "$inflight" "$stock" "$qty" "$carts" "${REPLAYED[$s]:-0}" "$verdict")"
}

# --- report ----------------------------------------------------------------------------------

us_per_req() { awk -v c="${1:-}" -v r="${2:-0}" 'BEGIN { if (r > 0 && c != "") printf "%.0f", c / 100 / r * 1e6; else print "-" }'; }

label() {
    case "$1" in
        uncontended) echo "checkout, uncontended ($N_VARIANTS variants)" ;;
        contended) echo "checkout, contended (1 variant, $HOT_SKU)" ;;
    esac
}

print_summary() {
    local s line
    printf '\n== Storefront checkout benchmark — summary ==\n'
    printf '%s\n' "$HEADER"
    printf '\n%-44s %11s %7s %7s %7s %7s %11s %23s %12s\n' test 'checkouts/s' 'p50 ms' 'p99 ms' 'non-2xx' 'sockerr' 'RSS/HWM MB' 'CPU% sf/pg/cli/oth/idle' 'µs/co sf/pg'
    for s in $SCENARIOS; do
        [[ -n "${R_RPS[$s]+x}" || -n "${R_NOTE[$s]+x}" ]] || continue
        printf '%-44s %11s %7s %7s %7s %7s %11s %23s %12s %s\n' "$(label "$s")" "${R_RPS[$s]:--}" \
            "${R_P50[$s]:--}" "${R_P99[$s]:--}" "${R_NON2XX[$s]:--}" "${R_SOCKERR[$s]:--}" \
            "${R_RSS[$s]:--}/${R_HWM[$s]:--}" \
            "${R_CPU_SF[$s]:--}/${R_CPU_PG[$s]:--}/${R_CPU_CLIENT[$s]:--}/${R_CPU_OTHER[$s]:--}/${R_CPU_IDLE[$s]:--}" \
            "$(us_per_req "${R_CPU_SF[$s]:-}" "${R_RPS[$s]:-}")/$(us_per_req "${R_CPU_PG[$s]:-}" "${R_RPS[$s]:-}")" \
            "${R_NOTE[$s]:-}"
    done
    printf '(CPU%% of one core, %s cores = %s%%; sf = storefront, pg = all PostgreSQL processes, cli = wrk,\n' "$NPROC" $((NPROC * 100))
    printf ' oth = anything else, idle; µs/co = CPU per checkout; non-2xx should be 0)\n'
    [[ -n "$PRIME_NOTE" ]] && printf '%s\n' "$PRIME_NOTE"
    for s in $SCENARIOS; do
        [[ -n "${WARM_NOTE[$s]:-}" ]] && printf 'warm-up %s: %s\n' "$s" "${WARM_NOTE[$s]}"
        [[ -n "${CHECK_NOTE[$s]:-}" ]] && printf '%s\n' "${CHECK_NOTE[$s]}"
        if [[ -n "${STATEMENTS_OUT[$s]:-}" ]]; then
            printf 'statements during %s (pg_stat_statements; calls per order | mean ms | share of time | rows per call | query):\n' "$s"
            while IFS= read -r line; do printf '    %s\n' "$line"; done <<<"${STATEMENTS_OUT[$s]}"
        fi
        if [[ -n "${SENT[$s]:-}" ]]; then
            printf '%s: %s of %s prepared carts used' "$s" "${SENT[$s]}" "$CARTS"
            if [[ "${EXHAUSTED[$s]:-0}" != 0 ]]; then
                printf ' — RAN OUT (%s thread(s) stopped early): the rate is a floor; raise CARTS\n' "${EXHAUSTED[$s]}"
            else
                printf '\n'
            fi
        fi
    done
    if [[ -n "${R_RPS[uncontended]:-}" ]]; then
        printf '\ntarget (informational): ≥ %s uncontended checkouts/s on 2 cores — measured %s/s: %s\n' \
            "$TARGET_UNCONTENDED" "${R_RPS[uncontended]}" \
            "$( ((R_RPS[uncontended] >= TARGET_UNCONTENDED)) && echo met || echo 'not met')"
    fi
}

write_tsv() {
    [[ -n "$RESULTS_DIR" ]] || return 0
    local s
    {
        printf 'test\tcheckouts_per_s\tp50_ms\tp99_ms\tnon2xx\tsockerr\trss_mb\thwm_mb\tcpu_sf\tcpu_pg\tcpu_client\tcpu_other\tcpu_idle\tcreated\tsent\texhausted\thttp_threads\tpool\n'
        for s in $SCENARIOS; do
            [[ -n "${R_RPS[$s]+x}" ]] || continue
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "${R_RPS[$s]}" \
                "${R_P50[$s]:--}" "${R_P99[$s]:--}" "${R_NON2XX[$s]:--}" "${R_SOCKERR[$s]:--}" \
                "${R_RSS[$s]:--}" "${R_HWM[$s]:--}" "${R_CPU_SF[$s]:--}" "${R_CPU_PG[$s]:--}" \
                "${R_CPU_CLIENT[$s]:--}" "${R_CPU_OTHER[$s]:--}" "${R_CPU_IDLE[$s]:--}" \
                "${CREATED[$s]:--}" "${SENT[$s]:--}" "${EXHAUSTED[$s]:--}" "$(http_threads)" "$(pool_size)"
        done
    } >"$RESULTS_DIR/summary.tsv"
}

# --- clean-up --------------------------------------------------------------------------------

cleanup() {
    local rc=$? i
    trap '' INT TERM
    set +e
    if [[ -n "$NODE_PID" ]] && kill -0 "$NODE_PID" 2>/dev/null; then
        kill -TERM "$NODE_PID" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            kill -0 "$NODE_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$NODE_PID" 2>/dev/null && kill -KILL "$NODE_PID" 2>/dev/null
        wait "$NODE_PID" 2>/dev/null
    fi
    [[ -n "$RESULTS_DIR" && -s "$TMP_DIR/jwks.err" ]] && cp -f -- "$TMP_DIR/jwks.err" "$RESULTS_DIR/jwks.log"
    bench_teardown
    ((rc == 0)) || printf 'checkout benchmark: aborted (exit %s)\n' "$rc" >&2
    exit "$rc"
}

# --- main ------------------------------------------------------------------------------------

main() {
    local load_before pg_port stamp s
    check_settings
    cd "$SF_ROOT"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    RESULTS_DIR="${RESULTS_DIR-$BENCH_DIR/results/$stamp-checkout}"
    [[ -n "$RESULTS_DIR" ]] && mkdir -p -- "$RESULTS_DIR"

    bench_binary
    bench_tmp_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    pg_port="$(sf_pick_free_port)"
    API_PORT="$(sf_pick_free_port "$pg_port")"
    pg_start "$PG_DIR" "$pg_port" "${PG_MODE[@]}"
    [[ "$STATEMENTS" == 1 ]] && statements_enable
    start_jwks
    server_env
    sf_log "migrating and seeding (sample catalog)"
    bench_migrate_seed -- "${SERVER_ENV[@]}"
    start_server
    prime
    make_carts
    sf_log "sanity check"
    sanity_check

    HEADER="$(
        printf 'date        %s (UTC)\n' "$(date -u '+%Y-%m-%d %H:%M')"
        printf 'machine     %s CPUs (%s), %s MB RAM; load average before the run: %s\n' "$NPROC" \
            "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
            "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$load_before"
        printf 'code        %s%s, binary %s\n' "$(git -C "$SF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
            "$(git -C "$SF_ROOT" diff --quiet HEAD -- api include 2>/dev/null || echo ' (api/ or include/ modified)')" "$STOREFRONT_BIN"
        printf 'server      HTTP_THREADS=%s DB_POOL_SIZE=%s LOG_LEVEL=warning (access log off), 127.0.0.1:%s\n' \
            "$(http_threads)" "$(pool_size)" "$API_PORT"
        printf 'postgres    15, throw-away cluster (%s), sample seed, stock %s per active variant\n' \
            "${PG_MODE[*]:-durable: fsync and synchronous_commit on}" "$STOCK"
        printf 'checkout    one-line carts (quantity 1), inline US address, standard shipping, cod; %s customers per\n' "$CARTS"
        printf '            measured run, %s per warm-up, each used once; %s active variants\n' "$WARMUP_CARTS" "$N_VARIANTS"
        printf 'load        wrk -t%s -c%s, %ss warm-up + %ss per scenario; load average now %s\n' "$WRK_THREADS" \
            "$CONNECTIONS" "$WARMUP" "$DURATION" "$(cut -d' ' -f1-3 /proc/loadavg)"
    )"
    printf '\n%s\n\n' "$HEADER"

    for s in $SCENARIOS; do
        run_scenario "$s"
    done

    print_summary | { if [[ -n "$RESULTS_DIR" ]]; then tee "$RESULTS_DIR/summary.txt"; else cat; fi; }
    write_tsv
    [[ -n "$RESULTS_DIR" ]] && printf '\nraw outputs: %s\n' "$RESULTS_DIR"
    printf 'load average after the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

main "$@"
