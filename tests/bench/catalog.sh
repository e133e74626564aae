#!/usr/bin/env bash
# tests/bench/catalog.sh — catalog read benchmark: prints figures, never fails on them.
#
# Why: DESIGN.md asks for benchmarks that print requests/s, p99, RSS and ratios against a
# baseline measured in the same run. The baseline here is PostgreSQL itself (pgbench)
# running the very query the API runs for GET /v1/products?category=…, at the same
# concurrency the API has towards the database (its pool size). The ratio API ÷ pgbench
# says how much the HTTP layer, JSON and the pool cost on top of the database, on the
# same machine, in the same minute, so it is comparable across machines; absolute
# figures are not.
#
# What it does, from a clean checkout:
#   1. localstack/bootstrap.sh (installs wrk, postgresql-15, … when missing), builds into
#      build/ (RelWithDebInfo, as make run/test do) unless STOREFRONT_BIN is given;
#   2. a throw-away PostgreSQL cluster (localstack/postgres.sh) on a free loopback port
#      in a temp dir; `storefront migrate`, `storefront seed`, then VACUUM ANALYZE;
#   3. `storefront serve` on a free loopback port with LOG_LEVEL=warning (access log off);
#   4. pgbench -M prepared with the API's list SQL (captured from the server's own
#      session in pg_stat_activity and checked against the copy below), a random
#      category per transaction: at the server's pool size, and at 64 clients;
#   5. wrk (CONNECTIONS, WRK_THREADS, WARMUP s of warm-up then DURATION s) against the
#      list with a random category per request, a product by random slug, /healthz;
#      CPU split (server / PostgreSQL / load generator) and the server's VmRSS/VmHWM
#      after each load;
#   6. a summary table with the ratio and the issue's targets (informational);
#   7. stops everything it started (trap), whatever happens.
# All traffic is on 127.0.0.1. Every step has a time limit.
#
# Environment (defaults):
#   DURATION (20)         seconds of each measured wrk run
#   WARMUP (5)            seconds of wrk warm-up before each measured run (0: none)
#   PGBENCH_DURATION (15) seconds of each measured pgbench run (after WARMUP s)
#   CONNECTIONS (64)      wrk connections;  WRK_THREADS (2) wrk threads
#   HTTP_THREADS, DB_POOL_SIZE   passed to the server when set (its defaults: 2 × cores,
#                         and the thread count); pgbench's baseline uses the pool size
#   SEED_PRODUCTS (0)     `storefront seed --products N`: N synthetic products more
#   BENCH_DURABLE (0)     1: a durable cluster (fsync on); default --ephemeral (off)
#   STOREFRONT_BIN        use this binary, skip the build; BUILD_DIR (build)
#   PERF (0)              1: after the measurements, `perf record -a -g` during a list load
#                         (PERF_DURATION, 10 s) and print where the CPU goes
#   RESULTS_DIR           raw outputs + summary (default tests/bench/results/<UTC time>,
#                         git-ignored; empty: keep nothing)
#
# Usage: tests/bench/catalog.sh        e.g. HTTP_THREADS=4 DB_POOL_SIZE=4 tests/bench/catalog.sh

# shellcheck disable=SC2317  # cleanup and its helpers are reached through `trap`
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
PGBENCH_DURATION="${PGBENCH_DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
SEED_PRODUCTS="${SEED_PRODUCTS:-0}"
BENCH_DURABLE="${BENCH_DURABLE:-0}"
BUILD_DIR="${BUILD_DIR:-build}"
PERF="${PERF:-0}"
PERF_DURATION="${PERF_DURATION:-10}"
PGBENCH_REF_CLIENTS=64
READY_TIMEOUT=30

# The issue's targets, printed beside the figures; nothing fails on them.
TARGET_RATIO_PCT=50
TARGET_P99_MS=10
TARGET_RSS_MB=32

# The SQL of db_products_search (api/db/catalog_queries.c) for a category filter, the
# default sort (newest), no cursor; $2 is limit + 1 = 21. The run compares it with what
# the server really sends and uses the server's text if they differ (and says so).
# shellcheck disable=SC2016  # $1, $2 are SQL parameters
API_LIST_SQL='SELECT p.id, p.slug, p.name, p.status, p.currency, b.id, b.slug, b.name, p.price_amount, p.compare_at_amount, p.featured, p.in_stock, p.rating_count, p.rating_total, p.image_url, p.image_alt, p.created_at::text FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.active AND p.category_ids @> ARRAY[(SELECT id FROM categories WHERE slug = $1)] ORDER BY p.created_at DESC, p.id DESC LIMIT $2::integer'

# --- helpers ------------------------------------------------------------------------

check_settings() {
    local v
    for v in DURATION WARMUP PGBENCH_DURATION CONNECTIONS WRK_THREADS SEED_PRODUCTS PERF_DURATION; do
        is_uint "${!v}" || sf_die "$v must be a non-negative integer, got \"${!v}\""
    done
    for v in HTTP_THREADS DB_POOL_SIZE; do
        if [[ -n "${!v:-}" ]] && ! is_uint "${!v}"; then
            sf_die "$v must be a positive integer, got \"${!v}\""
        fi
    done
    ((DURATION >= 1 && PGBENCH_DURATION >= 1 && CONNECTIONS >= 1 && WRK_THREADS >= 1)) ||
        sf_die "DURATION, PGBENCH_DURATION, CONNECTIONS and WRK_THREADS must be at least 1"
    ((CONNECTIONS >= WRK_THREADS)) || sf_die "CONNECTIONS must be >= WRK_THREADS"
}

# The server's effective sizes, as api/config.c computes them.
http_threads() { printf '%s\n' "${HTTP_THREADS:-$((NPROC * 2))}"; }
pool_size() { printf '%s\n' "${DB_POOL_SIZE:-$(http_threads)}"; }

# --- set-up ---------------------------------------------------------------------------

start_server() {
    local -a env_vars=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL"
        CORS_ALLOWED_ORIGINS=http://localhost:5173 LOG_LEVEL=warning)
    [[ -n "${HTTP_THREADS:-}" ]] && env_vars+=(HTTP_THREADS="$HTTP_THREADS")
    [[ -n "${DB_POOL_SIZE:-}" ]] && env_vars+=(DB_POOL_SIZE="$DB_POOL_SIZE")

    sf_log "migrating and seeding (sample catalog$( ((SEED_PRODUCTS > 0)) && printf ' + %s synthetic products' "$SEED_PRODUCTS"))"
    local -a seed_args=()
    ((SEED_PRODUCTS > 0)) && seed_args+=(--products "$SEED_PRODUCTS")
    bench_migrate_seed "${seed_args[@]}" -- "${env_vars[@]}"

    sf_log "starting the server on 127.0.0.1:$API_PORT (LOG_LEVEL=warning: access log off)"
    bench_serve "${env_vars[@]}"
}

# fetch_slugs — the seeded category slugs and (up to 5000) active product slugs.
fetch_slugs() {
    app_psql -U storefront -d storefront -c 'SELECT slug FROM categories ORDER BY id' \
        >"$TMP_DIR/categories.txt" || sf_die "could not read the category slugs"
    app_psql -U storefront -d storefront \
        -c 'SELECT slug FROM products WHERE active ORDER BY random() LIMIT 5000' \
        >"$TMP_DIR/products.txt" || sf_die "could not read the product slugs"
    N_CATEGORIES="$(grep -c . "$TMP_DIR/categories.txt" || true)"
    N_PRODUCTS_SAMPLED="$(grep -c . "$TMP_DIR/products.txt" || true)"
    N_PRODUCTS="$(app_psql -U storefront -d storefront -c 'SELECT count(*) FROM products WHERE active')"
    ((N_CATEGORIES > 0 && N_PRODUCTS_SAMPLED > 0)) || sf_die "the seeded catalog has no categories or products"
}

# sanity_check — one request of each kind must answer 200 before we measure; the list
# page sizes go into the report. Also leaves the search statement in a server session.
sanity_check() {
    local cat prod url code bytes
    cat="$(sed -n 1p "$TMP_DIR/categories.txt")"
    prod="$(sed -n 1p "$TMP_DIR/products.txt")"
    for url in "/v1/products?category=$cat&limit=20" "/v1/products/$prod" /healthz; do
        read -r code bytes < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' \
            --max-time 5 "http://127.0.0.1:$API_PORT$url" || echo "000 0")
        [[ "$code" == 200 ]] || sf_die "GET $url answered $code before the benchmark (server log: $SERVER_LOG)"
        printf '    GET %-45s %s, %s bytes\n' "$url" "$code" "$bytes"
    done
    # Empty categories cost the API a second query (the unknown-filter check): count them.
    EMPTY_CATEGORIES=0
    while read -r cat; do
        bytes="$(curl -s --max-time 5 "http://127.0.0.1:$API_PORT/v1/products?category=$cat&limit=20")"
        [[ "$bytes" == '{"items":[]'* ]] && EMPTY_CATEGORIES=$((EMPTY_CATEGORIES + 1))
    done <"$TMP_DIR/categories.txt"
    printf '    %s of %s categories have no active product (those requests run one query more)\n' \
        "$EMPTY_CATEGORIES" "$N_CATEGORIES"
}

# capture_api_sql — the search SQL as the server prepared it (pg_stat_activity shows a
# session's last statement), so the baseline cannot drift from the code.
capture_api_sql() {
    local captured
    curl -s -o /dev/null --max-time 5 \
        "http://127.0.0.1:$API_PORT/v1/products?category=$(sed -n 1p "$TMP_DIR/categories.txt")&limit=20" || true
    captured="$(env -u PGPASSWORD -u PGSERVICE PGPASSFILE="$PG_PWFILE" PGCONNECT_TIMEOUT=5 \
        "$PG_BIN/psql" -X -q -w -A -t -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c \
        "SELECT query FROM pg_stat_activity WHERE usename = 'storefront' AND datname = 'storefront'
           AND query LIKE 'SELECT p.id, p.slug%' AND query LIKE '%category_ids @>%' LIMIT 1" 2>/dev/null || true)"
    if [[ -z "$captured" ]]; then
        BASELINE_SQL_NOTE="copied from api/db/catalog_queries.c (could not capture the server's statement)"
        BASELINE_SQL="$API_LIST_SQL"
    elif [[ "$captured" == "$API_LIST_SQL" ]]; then
        BASELINE_SQL_NOTE="identical to the statement the server prepared (checked in pg_stat_activity)"
        BASELINE_SQL="$API_LIST_SQL"
    else
        sf_warn "the server's list SQL differs from the copy in tests/bench/catalog.sh: using the server's"
        BASELINE_SQL_NOTE="captured from the server's session (differs from the copy in catalog.sh: update it)"
        BASELINE_SQL="$captured"
    fi
}

# --- pgbench baseline -------------------------------------------------------------------

# write_pgbench_scripts — one script per category, all with the same SQL text (so the
# server sees one parameterized statement, $1 = slug, $2 = 21); pgbench picks a script at
# random per transaction, weight 1 each: a uniformly random category, as wrk does.
# (pgbench's \set has no strings, hence one -D variable per script.)
PGBENCH_ARGS=()
write_pgbench_scripts() {
    local i=0 slug sql
    PGBENCH_ARGS=()
    while read -r slug && ((i < 120)); do
        sql="${BASELINE_SQL//\$1/:c$i}"
        sql="${sql//\$2/:lim}"
        printf '\\set lim 21\n%s;\n' "$sql" >"$TMP_DIR/pgbench_$i.sql"
        PGBENCH_ARGS+=(-f "$TMP_DIR/pgbench_$i.sql@1" -D "c$i=$slug")
        i=$((i + 1))
    done <"$TMP_DIR/categories.txt"
}

# run_pgbench NAME CLIENTS — pgbench -M prepared for WARMUP + PGBENCH_DURATION s. Every
# pgbench client is a new session that prepares and plans its statements (the first five
# executions of each get a custom plan), so, like wrk, the first WARMUP seconds are not
# counted: tps is the mean of pgbench's per-second progress after them, p50/p99 come from
# a 2 % sample of the per-transaction log after them, and the CPU window starts then.
run_pgbench() {
    local name="$1" clients="$2" jobs out t0 t1 s0 s1 rc=0 total
    jobs=$((clients < 2 ? clients : 2))
    total=$((WARMUP + PGBENCH_DURATION))
    out="$TMP_DIR/$name.out"
    sf_log "pgbench $name: -M prepared -c $clients -j $jobs, ${WARMUP}s warm-up + ${PGBENCH_DURATION}s (random category)"
    rm -f "$TMP_DIR/pgblog_$name".*
    timeout -k 5 $((total + 60)) env -u PGPASSWORD -u PGSERVICE -u PGOPTIONS \
        PGPASSFILE="$PG_PWFILE" "$PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$jobs" \
        -T "$total" -P 1 -l --sampling-rate=0.02 --log-prefix="$TMP_DIR/pgblog_$name" \
        -h 127.0.0.1 -p "$PG_PORT" -U storefront "${PGBENCH_ARGS[@]}" storefront >"$out" 2>&1 &
    CHILD_PID=$!
    sleep "$WARMUP"
    s0="$(cpu_snapshot)"
    t0="$(now)"
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    t1="$(now)"
    s1="$(cpu_snapshot)"
    save "$name.txt" "$out"
    if ((rc != 0)); then
        sf_warn "pgbench $name exited with status $rc:"
        tail -n 5 "$out" >&2
        R_NOTE[$name]="pgbench failed (status $rc)"
    fi
    # progress: 7.0 s, 6543.2 tps, lat 0.611 ms stddev 0.283, 0 failed
    R_RPS[$name]="$(awk -v w="$WARMUP" '/^progress: / && $2 + 0 > w { sum += $4; n++ }
        END { if (n) printf "%.0f", sum / n }' "$out")"
    [[ -n "${R_RPS[$name]}" ]] || R_RPS[$name]="$(awk '/^tps = / { printf "%.0f", $3; exit }' "$out")"
    R_NON2XX[$name]="$(awk '/^number of failed transactions:/ { print $5; exit }' "$out")"
    R_SOCKERR[$name]="-"
    local p50 p99
    # log line: client_id transaction_no latency_us script_no epoch_s epoch_us
    read -r p50 p99 < <(cat "$TMP_DIR/pgblog_$name".* 2>/dev/null | sort -k5,5n |
        awk -v w="$WARMUP" 'NR == 1 { start = $5 } $5 >= start + w { print $3 }' | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
            i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5)
            printf "%.2f %.2f\n", v[i50 < 1 ? 1 : i50] / 1000, v[i99 < 1 ? 1 : i99] / 1000 }')
    R_P50[$name]="$p50"
    R_P99[$name]="$p99"
    cpu_split "$name" "$s0" "$s1" "$t0" "$t1"
    R_RSS[$name]="-"
    R_HWM[$name]="-"
}

# --- wrk ----------------------------------------------------------------------------------

# run_wrk NAME MODE PATH [SLUG_FILE] — warm-up, then the measured run.
run_wrk() {
    local name="$1" mode="$2" path="$3" file="${4:-}"
    run_wrk_measure "$name" "GET $path$([[ -n "$file" ]] && printf ' (random %s)' "$mode")" \
        -s "$BENCH_DIR/catalog.lua" "http://127.0.0.1:$API_PORT$path" -- "$mode" "$file"
}

# --- perf -----------------------------------------------------------------------------------

run_perf() {
    local data="$TMP_DIR/perf.data" load="$TMP_DIR/perf_load.out"
    command -v perf >/dev/null 2>&1 || { sf_warn "PERF=1 but perf is not installed (linux-perf)"; return 0; }
    sf_log "perf: system-wide profile during ${PERF_DURATION}s of list load (not part of the figures)"
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$((PERF_DURATION + 4))s" --timeout 2s \
        -s "$BENCH_DIR/catalog.lua" "http://127.0.0.1:$API_PORT/v1/products" -- list "$TMP_DIR/categories.txt" \
        >"$load" 2>&1 &
    CHILD_PID=$!
    sleep 2
    if ! timeout -k 5 $((PERF_DURATION + 30)) perf record -a -g -F 499 -o "$data" -- sleep "$PERF_DURATION" \
        >"$TMP_DIR/perf_record.log" 2>&1; then
        sf_warn "perf record failed: $(tail -n 2 "$TMP_DIR/perf_record.log")"
    fi
    wait "$CHILD_PID" 2>/dev/null || true
    CHILD_PID=""
    [[ -s "$data" ]] || return 0
    # perf report | head: head closes the pipe early, which is not an error here.
    preport() { perf report -i "$data" --no-children --stdio -g none "$@" 2>/dev/null | grep -v -e '^#' -e '^$' || true; }
    {
        printf '\n== perf: CPU samples by process (all CPUs, list load) ==\n'
        preport --sort comm | head -n 12
        # The server's threads are named MHD-worker etc.: select them by pid.
        printf '\n== perf: storefront (pid %s), by shared object ==\n' "$SERVER_PID"
        preport --pid "$SERVER_PID" --sort dso | head -n 12
        printf '\n== perf: storefront, top symbols ==\n'
        preport --pid "$SERVER_PID" --sort dso,sym | head -n 30
        printf '\n== perf: postgres, by shared object ==\n'
        preport --comm postgres --sort dso | head -n 10
        printf '\n== perf: postgres, top symbols (no debug symbols: addresses only) ==\n'
        preport --comm postgres --sort dso,sym | head -n 15
    } >"$TMP_DIR/perf_report.txt"
    save perf_report.txt "$TMP_DIR/perf_report.txt"
}

# --- report ----------------------------------------------------------------------------------

print_summary() {
    local name label ratio ratio64 list_p99 hwm
    printf '\n== Storefront catalog benchmark — summary ==\n'
    printf '%s\n' "$HEADER"
    printf '\n%-34s %9s %8s %8s %8s %7s %13s %22s\n' test 'req/s' 'p50 ms' 'p99 ms' 'non-2xx' 'sockerr' 'RSS/HWM MB' 'CPU% sf/pg/cli/oth/idle'
    for name in pgbench_pool pgbench_64 list detail healthz; do
        case "$name" in
            pgbench_pool) label="pgbench list SQL, -c $(pool_size) (baseline)" ;;
            pgbench_64) label="pgbench list SQL, -c $PGBENCH_REF_CLIENTS (ref.)" ;;
            list) label="GET /v1/products?category=…" ;;
            detail) label="GET /v1/products/{slug}" ;;
            healthz) label="GET /healthz (HTTP ceiling)" ;;
        esac
        [[ -n "${R_RPS[$name]+x}" || -n "${R_NOTE[$name]+x}" ]] || continue
        printf '%-34s %9s %8s %8s %8s %7s %13s %22s %s\n' "$label" "${R_RPS[$name]:--}" "${R_P50[$name]:--}" \
            "${R_P99[$name]:--}" "${R_NON2XX[$name]:--}" "${R_SOCKERR[$name]:--}" \
            "${R_RSS[$name]:--}/${R_HWM[$name]:--}" \
            "${R_CPU_SF[$name]:--}/${R_CPU_PG[$name]:--}/${R_CPU_CLIENT[$name]:--}/${R_CPU_OTHER[$name]:--}/${R_CPU_IDLE[$name]:--}" "${R_NOTE[$name]:-}"
    done
    printf '(pgbench rows: non-2xx = failed transactions, RSS not applicable; CPU%% of one core, %s cores = %s%%;\n' "$NPROC" $((NPROC * 100))
    printf ' sf = storefront, pg = all PostgreSQL processes, cli = wrk or pgbench, oth = anything else, idle = idle CPU)\n'

    ratio="$(awk -v a="${R_RPS[list]:-0}" -v b="${R_RPS[pgbench_pool]:-0}" 'BEGIN { if (b > 0) printf "%.1f", a / b * 100; else print "-" }')"
    ratio64="$(awk -v a="${R_RPS[list]:-0}" -v b="${R_RPS[pgbench_64]:-0}" 'BEGIN { if (b > 0) printf "%.1f", a / b * 100; else print "-" }')"
    list_p99="${R_P99[list]:-}"
    hwm="$(awk -v a="${R_HWM[list]:-0}" -v b="${R_HWM[detail]:-0}" -v c="${R_HWM[healthz]:-0}" \
        'BEGIN { m = a; if (b > m) m = b; if (c > m) m = c; print m }')"
    printf '\nratio  list req/s ÷ pgbench tps (-c %s, same run): %s%%   (÷ pgbench -c %s: %s%%)\n' \
        "$(pool_size)" "$ratio" "$PGBENCH_REF_CLIENTS" "$ratio64"
    printf '\ntargets (informational, from the issue; nothing fails on them):\n'
    printf '  list ≥ %s%% of the pgbench baseline (≈ 30k req/s on 2 cores)  %8s%%  %s\n' "$TARGET_RATIO_PCT" "$ratio" \
        "$(awk -v r="$ratio" -v t="$TARGET_RATIO_PCT" 'BEGIN { if (r == "-") print "n/a"; else print (r + 0 >= t ? "met" : "not met") }')"
    printf '  list p99 ≤ %s ms                                          %8s ms %s\n' "$TARGET_P99_MS" "${list_p99:--}" \
        "$(awk -v r="${list_p99:--}" -v t="$TARGET_P99_MS" 'BEGIN { if (r == "-") print "n/a"; else print (r + 0 <= t ? "met" : "not met") }')"
    printf '  server RSS ≤ %s MB (VmHWM, peak over the run)              %8s MB %s\n' "$TARGET_RSS_MB" "$hwm" \
        "$(awk -v r="$hwm" -v t="$TARGET_RSS_MB" 'BEGIN { print (r + 0 <= t ? "met" : "not met") }')"
    printf '  non-2xx responses: list %s, detail %s, healthz %s (should be 0)\n' \
        "${R_NON2XX[list]:--}" "${R_NON2XX[detail]:--}" "${R_NON2XX[healthz]:--}"
}

write_tsv() {
    [[ -n "$RESULTS_DIR" ]] || return 0
    local name
    {
        printf 'test\trps\tp50_ms\tp99_ms\tnon2xx\tsockerr\trss_mb\thwm_mb\tcpu_sf\tcpu_pg\tcpu_client\tcpu_other\tcpu_idle\thttp_threads\tpool\n'
        for name in pgbench_pool pgbench_64 list detail healthz; do
            [[ -n "${R_RPS[$name]+x}" ]] || continue
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${R_RPS[$name]}" \
                "${R_P50[$name]:--}" "${R_P99[$name]:--}" "${R_NON2XX[$name]:--}" "${R_SOCKERR[$name]:--}" \
                "${R_RSS[$name]:--}" "${R_HWM[$name]:--}" "${R_CPU_SF[$name]:--}" "${R_CPU_PG[$name]:--}" \
                "${R_CPU_CLIENT[$name]:--}" "${R_CPU_OTHER[$name]:--}" "${R_CPU_IDLE[$name]:--}" "$(http_threads)" "$(pool_size)"
        done
    } >"$RESULTS_DIR/summary.tsv"
}

# --- clean-up --------------------------------------------------------------------------------

cleanup() {
    local rc=$?
    trap '' INT TERM
    set +e
    bench_teardown
    ((rc == 0)) || printf 'catalog benchmark: aborted (exit %s)\n' "$rc" >&2
    exit "$rc"
}

# --- main ------------------------------------------------------------------------------------

main() {
    local load_before durability pg_port stamp
    check_settings
    cd "$SF_ROOT"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    RESULTS_DIR="${RESULTS_DIR-$BENCH_DIR/results/$stamp-t$(http_threads)-p$(pool_size)}"
    [[ -n "$RESULTS_DIR" ]] && mkdir -p -- "$RESULTS_DIR"

    bench_binary
    [[ -x "$PG_BIN/pgbench" ]] || sf_die "$PG_BIN/pgbench not found (postgresql-15)"

    bench_tmp_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    pg_port="$(sf_pick_free_port)"
    API_PORT="$(sf_pick_free_port "$pg_port")"
    if [[ "$BENCH_DURABLE" == 1 ]]; then
        pg_start "$PG_DIR" "$pg_port"
    else
        pg_start "$PG_DIR" "$pg_port" --ephemeral
    fi
    durability="$(app_psql -U postgres -d postgres -c \
        "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
          WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections')")"
    if (($(pool_size) + PGBENCH_REF_CLIENTS + 5 > 100)); then
        sf_warn "pool size $(pool_size) + $PGBENCH_REF_CLIENTS pgbench clients may exceed max_connections = 100"
    fi

    start_server
    fetch_slugs
    sf_log "sanity check (each must answer 200)"
    sanity_check
    capture_api_sql
    write_pgbench_scripts

    HEADER="$(
        printf 'date        %s (UTC)\n' "$(date -u '+%Y-%m-%d %H:%M')"
        printf 'machine     %s CPUs (%s), %s MB RAM; load average before the run: %s\n' "$NPROC" \
            "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
            "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$load_before"
        printf 'code        %s%s, binary %s\n' "$(git -C "$SF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
            "$(git -C "$SF_ROOT" diff --quiet HEAD -- api include 2>/dev/null || echo ' (api/ or include/ modified)')" "$STOREFRONT_BIN"
        printf 'server      HTTP_THREADS=%s DB_POOL_SIZE=%s LOG_LEVEL=warning (access log off), 127.0.0.1:%s\n' \
            "$(http_threads)" "$(pool_size)" "$API_PORT"
        printf 'postgres    15, throw-away cluster (%s): %s\n' \
            "$([[ "$BENCH_DURABLE" == 1 ]] && echo durable || echo '--ephemeral; read-only load, so durability hardly matters')" "$durability"
        printf 'catalog     %s categories, %s active products (seed%s); VACUUM ANALYZE after seeding\n' \
            "$N_CATEGORIES" "$N_PRODUCTS" "$( ((SEED_PRODUCTS > 0)) && printf ' --products %s' "$SEED_PRODUCTS")"
        printf 'load        wrk -t%s -c%s, %ss warm-up + %ss per endpoint; pgbench -M prepared -c %s and -c %s, %ss warm-up + %ss\n' \
            "$WRK_THREADS" "$CONNECTIONS" "$WARMUP" "$DURATION" "$(pool_size)" "$PGBENCH_REF_CLIENTS" "$WARMUP" "$PGBENCH_DURATION"
        printf 'baseline    SQL %s\n' "$BASELINE_SQL_NOTE"
    )"
    printf '\n%s\n\n' "$HEADER"

    run_pgbench pgbench_pool "$(pool_size)"
    run_pgbench pgbench_64 "$PGBENCH_REF_CLIENTS"
    run_wrk list list /v1/products "$TMP_DIR/categories.txt"
    run_wrk detail detail /v1/products "$TMP_DIR/products.txt"
    run_wrk healthz static /healthz
    if [[ "$PERF" == 1 ]]; then
        run_perf
        cat "$TMP_DIR/perf_report.txt" 2>/dev/null || true
    fi

    print_summary | { if [[ -n "$RESULTS_DIR" ]]; then tee "$RESULTS_DIR/summary.txt"; else cat; fi; }
    write_tsv
    [[ -n "$RESULTS_DIR" ]] && printf '\nraw outputs: %s\n' "$RESULTS_DIR"
    printf 'load average after the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

main "$@"
