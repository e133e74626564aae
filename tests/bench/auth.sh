#!/usr/bin/env bash
# tests/bench/auth.sh — authenticated read benchmark: prints figures, never fails on them.
#
# Why: the issue asks that an authenticated GET /v1/me reach ≥ 80 % of the throughput of
# a public request of similar size that pays no verification, in the same run, thanks to
# the verified-token cache (docs/auth.md, "Token cache"). The comparator is GET
# /v1/brands: one small query (11 rows), ≈ 2.4 KB of JSON, against /v1/me's one-row
# query and ≈ 0.3 KB. /healthz is the HTTP ceiling. All figures come from the same run
# on the same machine, so the ratios are comparable across machines; absolute figures
# are not.
#
# What it does, from a clean checkout:
#   1. localstack/bootstrap.sh, builds into build/ (RelWithDebInfo) unless STOREFRONT_BIN
#      is given; a throw-away PostgreSQL (localstack/postgres.sh --ephemeral) on a free
#      loopback port; `storefront migrate`, `storefront seed`, VACUUM ANALYZE;
#   2. tests/bench/jwks-token.mjs (node): an RSA-2048 key, its JWKS served on a free
#      127.0.0.1 port, TOKENS RS256 access tokens (one distinct user each) shaped like
#      Cognito's (iss https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool1);
#   3. `storefront serve` with LOG_LEVEL=warning and COGNITO_ISSUER / COGNITO_JWKS_URL /
#      COGNITO_ALLOW_HTTP=1 / COGNITO_CLIENT_IDS pointing at it;
#   4. wrk (CONNECTIONS, WRK_THREADS, WARMUP s of warm-up then DURATION s) against
#        brands    GET /v1/brands, no token (the comparator)
#        me_one    GET /v1/me, always the same token (every check a cache hit)
#        me_many   GET /v1/me, a random one of TOKENS tokens per request (the first use
#                  of each, in the warm-up, pays RSA and creates the customer row; then
#                  cache hits over TOKENS distinct people)
#        category  GET /v1/categories/{slug}, no token (second public reference)
#        healthz   GET /healthz (the HTTP ceiling)
#        me_nocache  (NOCACHE_RUN=1) the server restarted with AUTH_TOKEN_CACHE_SIZE=1
#                  (4 entries), me_many's load: nearly every request pays the full check
#                  with RSA; against me_many this prices one verification;
#      the CPU split (server / PostgreSQL / wrk / other / idle), the server's VmRSS/VmHWM,
#      and the server's storefront_auth_tokens_total{outcome=…} from /metrics around
#      each measured run;
#      (PRIME=1, the default: first a priming pass over all tokens, then ANALYZE customers)
#   5. a summary with the ratios and the ≥ 80 % target (informational);
#   6. stops everything it started (trap), whatever happens.
# All traffic is on 127.0.0.1. Every step has a time limit.
#
# Environment (defaults):
#   DURATION (20)      seconds of each measured wrk run
#   WARMUP (5)         seconds of wrk warm-up before each measured run (0: none)
#   CONNECTIONS (64)   wrk connections;  WRK_THREADS (2) wrk threads
#   TOKENS (1000)      distinct users (tokens) for me_many and me_nocache
#   NOCACHE_RUN (1)    0: skip the me_nocache step
#   PRIME (1)          1: before measuring, one pass over all tokens (RSA + customer rows)
#                      and ANALYZE customers; 0: me_many's warm-up does the first uses on
#                      a customers table analyzed while empty (see docs/benchmarks.md)
#   HTTP_THREADS, DB_POOL_SIZE   passed to the server when set (its defaults: 2 × cores,
#                      and the thread count)
#   STOREFRONT_BIN     use this binary, skip the build; BUILD_DIR (build)
#   RESULTS_DIR        raw outputs + summary (default tests/bench/results/<UTC time>-auth,
#                      git-ignored; empty: keep nothing)
#
# Usage: tests/bench/auth.sh        e.g. DURATION=10 NOCACHE_RUN=0 tests/bench/auth.sh

# shellcheck disable=SC2317  # cleanup and its helpers are reached through `trap`
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
TOKENS="${TOKENS:-1000}"
NOCACHE_RUN="${NOCACHE_RUN:-1}"
BUILD_DIR="${BUILD_DIR:-build}"
READY_TIMEOUT=30
JWKS_TIMEOUT=120

ISSUER="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool1"
CLIENT_ID="benchclient0123456789abcdef"

# The issue's target, printed beside the figures; nothing fails on it.
TARGET_RATIO_PCT=80

NODE_PID=""
JWKS_URL=""
TOKEN_FILE=""
CATEGORY_SLUG=""
declare -A M_BEFORE M_AFTER S_BEFORE S_AFTER SIZE
PRIME="${PRIME:-1}"

# --- helpers ------------------------------------------------------------------------

check_settings() {
    local v
    for v in DURATION WARMUP CONNECTIONS WRK_THREADS TOKENS NOCACHE_RUN PRIME; do
        is_uint "${!v}" || sf_die "$v must be a non-negative integer, got \"${!v}\""
    done
    for v in HTTP_THREADS DB_POOL_SIZE; do
        if [[ -n "${!v:-}" ]] && ! is_uint "${!v}"; then
            sf_die "$v must be a positive integer, got \"${!v}\""
        fi
    done
    ((DURATION >= 1 && CONNECTIONS >= 1 && WRK_THREADS >= 1 && TOKENS >= 1 && TOKENS <= 100000)) ||
        sf_die "DURATION, CONNECTIONS, WRK_THREADS must be at least 1, TOKENS 1..100000"
    ((CONNECTIONS >= WRK_THREADS)) || sf_die "CONNECTIONS must be >= WRK_THREADS"
}

http_threads() { printf '%s\n' "${HTTP_THREADS:-$((NPROC * 2))}"; }
pool_size() { printf '%s\n' "${DB_POOL_SIZE:-$(http_threads)}"; }

# auth_counts — "verified cache_hit rejected" from the server's /metrics ("- - -" when
# it did not answer).
auth_counts() {
    curl -s --max-time 5 "http://127.0.0.1:$API_PORT/metrics" 2>/dev/null | awk '
        /^storefront_auth_tokens_total\{outcome="verified"\}/ { v = $2 }
        /^storefront_auth_tokens_total\{outcome="cache_hit"\}/ { h = $2 }
        /^storefront_auth_tokens_total\{outcome="rejected"\}/ { r = $2 }
        END { if (v == "") print "- - -"; else print v, h, r }' || echo "- - -"
}
# customer_scans — "seq_scan idx_scan" of the customers table (PostgreSQL's statistics).
customer_scans() {
    app_psql -U postgres -d storefront -c "SELECT seq_scan || ' ' || coalesce(idx_scan, 0)
        FROM pg_stat_user_tables WHERE relname = 'customers'" 2>/dev/null || echo "- -"
}
metrics_before() { M_BEFORE[$1]="$(auth_counts)"; S_BEFORE[$1]="$(customer_scans)"; }
metrics_after() {
    sleep 1.2 # PostgreSQL 15 backends flush their table statistics at most once a second
    M_AFTER[$1]="$(auth_counts)"
    S_AFTER[$1]="$(customer_scans)"
}

# scans_delta NAME — "seq idx" scans of customers over NAME's measured run.
scans_delta() {
    awk -v a="${S_BEFORE[$1]:-- -}" -v b="${S_AFTER[$1]:-- -}" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        if (x[1] == "-" || y[1] == "-" || x[1] == "") print "-/-"; else print y[1] - x[1] "/" y[2] - x[2] }'
}

# prime — one pass of the many-token load (WARMUP s, at least 5) before any measurement:
# every token is verified once (RSA) and its person's customer row created, as in a
# long-running shop; then ANALYZE customers, so the planner knows the table is no longer
# empty (a fresh table analyzed while empty gets a sequential scan for the lookup by sub).
prime() {
    local secs=$((WARMUP > 5 ? WARMUP : 5)) c0 c1 v h k r
    sf_log "priming: ${secs}s of GET /v1/me over $TOKENS tokens (first use of each), then ANALYZE customers"
    c0="$(auth_counts)"
    run_bounded $((secs + 30)) "$TMP_DIR/prime.out" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${secs}s" \
        --timeout 2s -s "$BENCH_DIR/auth.lua" "http://127.0.0.1:$API_PORT/v1/me" -- many "$TOKEN_FILE" || true
    c1="$(auth_counts)"
    save prime.txt "$TMP_DIR/prime.out"
    read -r v h k r <<<"$(counts_delta "$c0" "$c1")"
    N_CUSTOMERS="$(app_psql -U storefront -d storefront -c 'SELECT count(*) FROM customers')"
    PRIME_NOTE="priming: $v tokens accepted, $k checked with RSA (first use), $h cache hits, $r rejected; $N_CUSTOMERS customer rows"
    pg_admin_sql <<<'\c storefront
ANALYZE customers;' >/dev/null || sf_die "ANALYZE customers failed"
}

# counts_delta BEFORE AFTER — "accepted cache_hit rsa rejected" between two auth_counts.
# The server's outcomes do not overlap: verified = full checks with RSA, cache_hit =
# accepted from the cache, so accepted = verified + cache_hit.
counts_delta() {
    awk -v a="${1:-- - -}" -v b="${2:-- - -}" 'BEGIN {
        n = split(a, x, " "); split(b, y, " ")
        if (n != 3 || x[1] == "-" || y[1] == "-") { print "- - - -"; exit }
        print (y[1] - x[1]) + (y[2] - x[2]), y[2] - x[2], y[1] - x[1], y[3] - x[3] }'
}

# auth_delta NAME — counts_delta over NAME's measured run.
auth_delta() { counts_delta "${M_BEFORE[$1]:-}" "${M_AFTER[$1]:-}"; }

# --- set-up ---------------------------------------------------------------------------

start_jwks() {
    local deadline
    command -v node >/dev/null 2>&1 || sf_die "node is not installed (Node.js 20: the JWKS and tokens come from tests/bench/jwks-token.mjs)"
    TOKEN_FILE="$TMP_DIR/tokens.txt"
    : >"$TMP_DIR/jwks.out" # exists before node opens it (the loop below reads it)
    sf_log "JWKS + $TOKENS signed RS256 access tokens (node, RSA-2048)"
    node "$BENCH_DIR/jwks-token.mjs" --issuer "$ISSUER" --client-id "$CLIENT_ID" --tokens "$TOKENS" \
        --out "$TOKEN_FILE" --max-seconds 3600 >"$TMP_DIR/jwks.out" 2>"$TMP_DIR/jwks.err" &
    NODE_PID=$!
    deadline=$((SECONDS + JWKS_TIMEOUT))
    while ((SECONDS < deadline)); do
        JWKS_URL="$(sed -n 's/^JWKS_URL=//p' "$TMP_DIR/jwks.out")"
        [[ -n "$JWKS_URL" ]] && break
        kill -0 "$NODE_PID" 2>/dev/null || { cat "$TMP_DIR/jwks.err" >&2; sf_die "jwks-token.mjs exited"; }
        sleep 0.1
    done
    [[ -n "$JWKS_URL" ]] || sf_die "jwks-token.mjs did not start within ${JWKS_TIMEOUT}s"
    [[ "$(grep -c . "$TOKEN_FILE")" == "$TOKENS" ]] || sf_die "jwks-token.mjs wrote $(grep -c . "$TOKEN_FILE") tokens, not $TOKENS"
    [[ "$(sf_http_status "$JWKS_URL")" == 200 ]] || sf_die "the JWKS at $JWKS_URL does not answer 200"
    sf_log "JWKS at $JWKS_URL"
}

# server_env [EXTRA...] — the server's environment.
server_env() {
    SERVER_ENV=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL"
        CORS_ALLOWED_ORIGINS=http://localhost:5173 LOG_LEVEL=warning
        COGNITO_ISSUER="$ISSUER" COGNITO_JWKS_URL="$JWKS_URL" COGNITO_ALLOW_HTTP=1
        COGNITO_CLIENT_IDS="$CLIENT_ID" "$@")
    [[ -n "${HTTP_THREADS:-}" ]] && SERVER_ENV+=(HTTP_THREADS="$HTTP_THREADS")
    [[ -n "${DB_POOL_SIZE:-}" ]] && SERVER_ENV+=(DB_POOL_SIZE="$DB_POOL_SIZE")
    return 0
}

# start_server [EXTRA_ENV...] — serve, then wait until a token is accepted (the first
# JWKS fetch runs in the background: until it succeeds, /v1/me answers 503).
start_server() {
    local status=000 deadline token
    server_env "$@"
    sf_log "starting the server on 127.0.0.1:$API_PORT (LOG_LEVEL=warning: access log off${1:+; $*})"
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

# sanity_check — one request of each kind must answer as expected before we measure;
# the body sizes go into the report.
sanity_check() {
    local token url code bytes hdr
    token="$(sed -n 1p "$TOKEN_FILE")"
    CATEGORY_SLUG="$(app_psql -U storefront -d storefront -c \
        'SELECT slug FROM categories WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1' 2>/dev/null ||
        app_psql -U storefront -d storefront -c 'SELECT slug FROM categories ORDER BY id LIMIT 1')"
    [[ -n "$CATEGORY_SLUG" ]] || sf_die "the seeded catalog has no categories"
    N_BRANDS="$(app_psql -U storefront -d storefront -c 'SELECT count(*) FROM brands')"
    for url in /v1/me /v1/brands "/v1/categories/$CATEGORY_SLUG" /healthz; do
        hdr=()
        [[ "$url" == /v1/me ]] && hdr=(-H "Authorization: Bearer $token")
        read -r code bytes < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' \
            --max-time 5 "${hdr[@]}" "http://127.0.0.1:$API_PORT$url" || echo "000 0")
        [[ "$code" == 200 ]] || sf_die "GET $url answered $code before the benchmark (server log: $SERVER_LOG)"
        SIZE[$url]="$bytes"
        printf '    GET %-40s %s, %s bytes\n' "$url" "$code" "$bytes"
    done
    code="$(sf_http_status "http://127.0.0.1:$API_PORT/v1/me")"
    [[ "$code" == 401 ]] || sf_die "GET /v1/me without a token answered $code, not 401"
    printf '    GET %-40s %s (no token: as expected)\n' /v1/me "$code"
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer ${token%?}x" \
        "http://127.0.0.1:$API_PORT/v1/me" || true)"
    [[ "$code" == 401 ]] || sf_die "GET /v1/me with a tampered token answered $code, not 401"
    printf '    GET %-40s %s (tampered signature: as expected)\n' /v1/me "$code"
}

# --- wrk ----------------------------------------------------------------------------------

# run_wrk NAME MODE PATH — warm-up, then the measured run, /metrics around it.
run_wrk() {
    local name="$1" mode="$2" path="$3" desc
    case "$mode" in
        one) desc="GET $path (one token)" ;;
        many) desc="GET $path (random one of $TOKENS tokens)" ;;
        *) desc="GET $path" ;;
    esac
    BENCH_BEFORE_MEASURE=metrics_before BENCH_AFTER_MEASURE=metrics_after \
        run_wrk_measure "$name" "$desc" \
        -s "$BENCH_DIR/auth.lua" "http://127.0.0.1:$API_PORT$path" -- "$mode" "$TOKEN_FILE"
}

# --- report ----------------------------------------------------------------------------------

TESTS=(brands me_one me_many category healthz me_nocache)

label() {
    case "$1" in
        brands) echo "GET /v1/brands (public, comparator)" ;;
        me_one) echo "GET /v1/me, one token" ;;
        me_many) echo "GET /v1/me, $TOKENS tokens" ;;
        category) echo "GET /v1/categories/{slug} (public)" ;;
        healthz) echo "GET /healthz (HTTP ceiling)" ;;
        me_nocache) echo "GET /v1/me, $TOKENS tok., cache 4" ;;
    esac
}

# pct A B — A ÷ B in % (one decimal), "-" when B is missing.
pct() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0 && a != "") printf "%.1f", a / b * 100; else print "-" }'; }

# us_per_req CPU% RPS — CPU µs per request.
us_per_req() { awk -v c="${1:-}" -v r="${2:-0}" 'BEGIN { if (r > 0 && c != "") printf "%.0f", c / 100 / r * 1e6; else print "-" }'; }

print_summary() {
    local name d v h k r
    printf '\n== Storefront authentication benchmark — summary ==\n'
    printf '%s\n' "$HEADER"
    printf '\n%-36s %8s %7s %7s %7s %7s %11s %21s %10s %22s\n' test 'req/s' 'p50 ms' 'p99 ms' 'non-2xx' 'sockerr' 'RSS/HWM MB' 'CPU% sf/pg/cli/oth/idle' 'µs/req sf/pg' 'auth ok/hit/RSA/rej'
    for name in "${TESTS[@]}"; do
        [[ -n "${R_RPS[$name]+x}" || -n "${R_NOTE[$name]+x}" ]] || continue
        read -r v h k r <<<"$(auth_delta "$name")"
        case "$name" in me_*) d="$v/$h/$k/$r" ;; *) d="-" ;; esac
        printf '%-36s %8s %7s %7s %7s %7s %11s %21s %10s %22s %s\n' "$(label "$name")" "${R_RPS[$name]:--}" \
            "${R_P50[$name]:--}" "${R_P99[$name]:--}" "${R_NON2XX[$name]:--}" "${R_SOCKERR[$name]:--}" \
            "${R_RSS[$name]:--}/${R_HWM[$name]:--}" \
            "${R_CPU_SF[$name]:--}/${R_CPU_PG[$name]:--}/${R_CPU_CLIENT[$name]:--}/${R_CPU_OTHER[$name]:--}/${R_CPU_IDLE[$name]:--}" \
            "$(us_per_req "${R_CPU_SF[$name]:-}" "${R_RPS[$name]:-}")/$(us_per_req "${R_CPU_PG[$name]:-}" "${R_RPS[$name]:-}")" \
            "$d" "${R_NOTE[$name]:-}"
    done
    printf '(CPU%% of one core, %s cores = %s%%; sf = storefront, pg = all PostgreSQL processes, cli = wrk,\n' "$NPROC" $((NPROC * 100))
    printf ' oth = anything else, idle; µs/req = CPU per request; auth = storefront_auth_tokens_total deltas\n'
    printf ' over the measured run: ok = accepted, hit = of which verified-token cache hits, RSA = full\n'
    printf ' checks with RSA (ok − hit), rej = rejected)\n'
    printf 'bodies: /v1/me %s B, /v1/brands %s B (%s brands), /v1/categories/%s %s B, /healthz %s B\n' \
        "${SIZE[/v1/me]:--}" "${SIZE[/v1/brands]:--}" "$N_BRANDS" "$CATEGORY_SLUG" \
        "${SIZE[/v1/categories/$CATEGORY_SLUG]:--}" "${SIZE[/healthz]:--}"
    [[ -n "${PRIME_NOTE:-}" ]] && printf '%s\n' "$PRIME_NOTE"
    if [[ -n "${M_WARM_BEFORE:-}" && -n "${M_BEFORE[me_many]:-}" ]]; then
        read -r v h k r <<<"$(counts_delta "$M_WARM_BEFORE" "${M_BEFORE[me_many]}")"
        printf 'me_many warm-up: %s tokens accepted, %s of them checked with RSA (first use of a token;\n' "$v" "$k"
        printf '  its customer row is created then), %s cache hits, %s rejected\n' "$h" "$r"
    fi
    printf 'customers table scans (seq/idx) during: me_one %s, me_many %s, me_nocache %s\n' \
        "$(scans_delta me_one)" "$(scans_delta me_many)" "$(scans_delta me_nocache)"

    printf '\nratios (same run; target ≥ %s %% of the public comparator, informational):\n' "$TARGET_RATIO_PCT"
    for name in me_one me_many; do
        r="$(pct "${R_RPS[$name]:-}" "${R_RPS[brands]:-}")"
        printf '  %-30s ÷ /v1/brands  %6s %%  %s    (÷ category %s %%, ÷ healthz %s %%)\n' "$(label "$name")" "$r" \
            "$(awk -v r="$r" -v t="$TARGET_RATIO_PCT" 'BEGIN { if (r == "-") print "n/a"; else print (r + 0 >= t ? "met" : "not met") }')" \
            "$(pct "${R_RPS[$name]:-}" "${R_RPS[category]:-}")" "$(pct "${R_RPS[$name]:-}" "${R_RPS[healthz]:-}")"
    done
    if [[ -n "${R_RPS[me_nocache]:-}" ]]; then
        printf '  %-30s ÷ /v1/brands  %6s %%  (what the cache buys: me_many ÷ me_nocache = %s %%)\n' \
            "$(label me_nocache)" "$(pct "${R_RPS[me_nocache]}" "${R_RPS[brands]:-}")" \
            "$(pct "${R_RPS[me_many]:-}" "${R_RPS[me_nocache]}")"
        printf '  server CPU per full verification ≈ (me_nocache − me_many) µs/req = %s µs\n' \
            "$(awk -v a="$(us_per_req "${R_CPU_SF[me_nocache]:-}" "${R_RPS[me_nocache]}")" \
                -v b="$(us_per_req "${R_CPU_SF[me_many]:-}" "${R_RPS[me_many]:-}")" \
                'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.0f", a - b }')"
    fi
    printf '  non-2xx responses: %s (should all be 0)\n' "$(for name in "${TESTS[@]}"; do
        [[ -n "${R_RPS[$name]+x}" ]] && printf '%s %s, ' "$name" "${R_NON2XX[$name]:--}"
    done | sed 's/, $//')"
}

write_tsv() {
    [[ -n "$RESULTS_DIR" ]] || return 0
    local name v h k r
    {
        printf 'test\trps\tp50_ms\tp99_ms\tnon2xx\tsockerr\trss_mb\thwm_mb\tcpu_sf\tcpu_pg\tcpu_client\tcpu_other\tcpu_idle\tauth_accepted\tauth_cache_hit\tauth_rsa\tauth_rejected\thttp_threads\tpool\n'
        for name in "${TESTS[@]}"; do
            [[ -n "${R_RPS[$name]+x}" ]] || continue
            read -r v h k r <<<"$(auth_delta "$name")"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${R_RPS[$name]}" \
                "${R_P50[$name]:--}" "${R_P99[$name]:--}" "${R_NON2XX[$name]:--}" "${R_SOCKERR[$name]:--}" \
                "${R_RSS[$name]:--}" "${R_HWM[$name]:--}" "${R_CPU_SF[$name]:--}" "${R_CPU_PG[$name]:--}" \
                "${R_CPU_CLIENT[$name]:--}" "${R_CPU_OTHER[$name]:--}" "${R_CPU_IDLE[$name]:--}" "$v" "$h" "$k" "$r" \
                "$(http_threads)" "$(pool_size)"
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
    ((rc == 0)) || printf 'auth benchmark: aborted (exit %s)\n' "$rc" >&2
    exit "$rc"
}

# --- main ------------------------------------------------------------------------------------

main() {
    local load_before pg_port stamp
    check_settings
    cd "$SF_ROOT"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    RESULTS_DIR="${RESULTS_DIR-$BENCH_DIR/results/$stamp-auth}"
    [[ -n "$RESULTS_DIR" ]] && mkdir -p -- "$RESULTS_DIR"

    bench_binary
    bench_tmp_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    pg_port="$(sf_pick_free_port)"
    API_PORT="$(sf_pick_free_port "$pg_port")"
    pg_start "$PG_DIR" "$pg_port" --ephemeral
    start_jwks
    server_env
    sf_log "migrating and seeding (sample catalog)"
    bench_migrate_seed -- "${SERVER_ENV[@]}"
    start_server
    sf_log "sanity check"
    sanity_check
    [[ "$PRIME" == 1 ]] && prime

    HEADER="$(
        printf 'date        %s (UTC)\n' "$(date -u '+%Y-%m-%d %H:%M')"
        printf 'machine     %s CPUs (%s), %s MB RAM; load average before the run: %s\n' "$NPROC" \
            "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
            "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$load_before"
        printf 'code        %s%s, binary %s\n' "$(git -C "$SF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
            "$(git -C "$SF_ROOT" diff --quiet HEAD -- api include 2>/dev/null || echo ' (api/ or include/ modified)')" "$STOREFRONT_BIN"
        printf 'server      HTTP_THREADS=%s DB_POOL_SIZE=%s LOG_LEVEL=warning (access log off), 127.0.0.1:%s\n' \
            "$(http_threads)" "$(pool_size)" "$API_PORT"
        printf 'auth        RS256, RSA-2048, JWKS from node on loopback; issuer %s; %s users/tokens\n' "$ISSUER" "$TOKENS"
        printf 'postgres    15, throw-away cluster (--ephemeral), sample seed, VACUUM ANALYZE after seeding\n'
        printf 'load        wrk -t%s -c%s, %ss warm-up + %ss per test\n' "$WRK_THREADS" "$CONNECTIONS" "$WARMUP" "$DURATION"
    )"
    printf '\n%s\n\n' "$HEADER"

    run_wrk brands static /v1/brands
    run_wrk me_one one /v1/me
    M_WARM_BEFORE="$(auth_counts)"
    run_wrk me_many many /v1/me
    run_wrk category static "/v1/categories/$CATEGORY_SLUG"
    run_wrk healthz static /healthz
    if [[ "$NOCACHE_RUN" == 1 ]]; then
        sf_log "restarting the server with AUTH_TOKEN_CACHE_SIZE=1 (4 cache entries)"
        bench_stop_server
        start_server AUTH_TOKEN_CACHE_SIZE=1
        run_wrk me_nocache many /v1/me
    fi

    print_summary | { if [[ -n "$RESULTS_DIR" ]]; then tee "$RESULTS_DIR/summary.txt"; else cat; fi; }
    write_tsv
    [[ -n "$RESULTS_DIR" ]] && printf '\nraw outputs: %s\n' "$RESULTS_DIR"
    printf 'load average after the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

main "$@"
