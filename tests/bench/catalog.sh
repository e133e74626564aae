#!/usr/bin/env bash
# tests/bench/catalog.sh — catalog read benchmark, sample catalog and at scale: prints
# figures, never fails on them.
#
# Why: DESIGN.md says a page's cost grows with the page, not with the data, and asks for
# measurements at 100k and 1M products, not only on the sample catalog. So one run
# measures the sample catalog, then seeds SEED_PRODUCTS synthetic products into the same
# cluster and measures again: every row of the table comes from the same machine in the
# same run, and "100k ÷ sample" is a ratio that survives a noisy or different machine,
# where absolute figures do not. Beside each API figure, pgbench runs the very SQL the
# server ran for that request (captured from PostgreSQL's own log, never a copy that can
# drift) at the server's pool size and at 64 clients: API ÷ pgbench says what the HTTP
# layer, JSON and the pool cost on top of the database. And EXPLAIN (ANALYZE, BUFFERS) of
# each of those statements, at each size, shows whether a page still reads a page.
#
# What it does, from a clean checkout:
#   1. localstack/bootstrap.sh (installs wrk, postgresql-15, … when missing), builds into
#      build/ (RelWithDebInfo, as make run/test do) unless STOREFRONT_BIN is given;
#   2. a throw-away PostgreSQL cluster (localstack/postgres.sh) on a free loopback port in
#      a temp dir; `storefront migrate`, `storefront seed` (the sample catalog), VACUUM
#      ANALYZE; `storefront serve` on a free loopback port, LOG_LEVEL=warning;
#   3. for the sample catalog, then for each size in SEED_PRODUCTS (server stopped,
#      `storefront seed --products N`, VACUUM ANALYZE, server started afresh so its
#      sessions plan for the new statistics):
#      a. picks the scenarios' parameters by SQL: the broad category (most listed
#         products), its biggest brand and that brand's middle price range (25th–75th
#         percentile), the 3 most frequent words of product names (ts_stat; letters only,
#         4+ of them), typos of them (a letter dropped, two swapped), 3–5 letter prefixes;
#      b. sends one request per scenario with PostgreSQL's statement log on (for that
#         moment only) and keeps the statements the server executed with their parameters;
#      c. EXPLAIN (ANALYZE, BUFFERS) of each (prepared, after 5 executions, as a pooled
#         session runs it) into RESULTS_DIR/plans/<size>/, a one-line summary printed;
#      d. per scenario: wrk (WARMUP s warm-up, then DURATION s, CONNECTIONS connections,
#         --latency), then pgbench -M prepared with the captured statements (one
#         transaction = the statements of one request, the same random values as wrk) at
#         the pool size and at 64 clients; CPU split and the server's VmRSS/VmHWM;
#   4. one table: req/s, p50, p99 per scenario and catalog size, pgbench rows with
#      API ÷ pgbench, the issue's targets beside them (informational); then the plans'
#      summaries and a per-run detail table (errors, RSS, CPU split);
#   5. stops everything it started (trap), whatever happens.
# All traffic is on 127.0.0.1. Every step has a time limit. With the defaults a catalog
# size takes about 15 min of measurements (it prints its estimate), plus the seeding
# (about 2 min per 100k products on 2 cores).
#
# Scenarios (SCENARIOS, a bash regex on these names, selects some; default all):
#   list_random            GET /v1/products?category=<random category>&limit=20
#   list_broad             …?category=<broad>&limit=20 (newest, the default sort)
#   list_broad_price       …&sort=price        list_broad_price_desc   …&sort=-price
#   list_broad_name        …&sort=name
#   list_brand_price       …?category=<broad>&brand=<its biggest brand>&min_price=…&max_price=…
#   facets_category        …?category=<broad>&facets=true (exact counters)
#   facets_q               …?q=<most frequent word>&facets=true (sampled counts)
#   search_common          …?q=<one of the 3 most frequent words, random>
#   search_typo            …?q=<a typo of one of them, random>
#   search_two_words       …?q=<two of them, random pair>
#   suggestions            GET /v1/search/suggestions?q=<random 3–5 letter prefix of them>
#   detail                 GET /v1/products/<random active product>
#   healthz                GET /healthz (HTTP ceiling; sample catalog only)
#
# Environment (defaults):
#   SEED_PRODUCTS (0)     synthetic catalog sizes to measure after the sample catalog, in
#                         increasing order: "100000", or "100000 1000000" (the 1M figures
#                         are then compared with the 100k ones of the same run). Each is
#                         the total of synthetic products (`storefront seed --products N`
#                         adds the missing ones). 0: the sample catalog only
#   SEED_TIMEOUT          seconds allowed for each seed step (default 900 + 6 s per 1000)
#   DURATION (20)         seconds of each measured wrk run
#   WARMUP (5)            seconds of warm-up before each measured wrk and pgbench run
#   PGBENCH_DURATION (15) seconds of each measured pgbench run, after a warm-up of WARMUP s
#                         but at least 2 s + 1 s per 10 clients (pgbench's -T includes
#                         its logins: 8 s at 64 clients)
#   CONNECTIONS (64)      wrk connections;  WRK_THREADS (2) wrk threads
#   SCENARIOS (.)         bash regex: only the scenarios whose names match
#   PGBENCH (1)           0: no pgbench runs (captures and plans still happen)
#   HTTP_THREADS, DB_POOL_SIZE   passed to the server when set (its defaults: 2 × cores,
#                         and the thread count); pgbench's baseline uses the pool size
#   BASELINE_BIN          an older storefront binary (e.g. built at 6c6bbc8): its detail
#                         rate is measured on the same database at each size, and the
#                         target "detail ≥ 1.5× the previous commit" is evaluated
#   BENCH_DURABLE (0)     1: a durable cluster (fsync on); default --ephemeral (off)
#   STOREFRONT_BIN        use this binary, skip the build; BUILD_DIR (build)
#   PERF (0)              1: after the measurements, `perf record -a -g` during a list load
#                         (PERF_DURATION, 10 s) and print where the CPU goes
#   RESULTS_DIR           raw outputs, plans, summary (default tests/bench/results/<UTC
#                         time>, git-ignored; empty: keep nothing)
#
# Usage: tests/bench/catalog.sh                                 sample catalog only
#        SEED_PRODUCTS=100000 tests/bench/catalog.sh            sample, then 100k
#        SEED_PRODUCTS='100000 1000000' tests/bench/catalog.sh  sample, 100k, then 1M
#        SCENARIOS='^(list|search)' DURATION=5 WARMUP=2 PGBENCH_DURATION=5 tests/bench/catalog.sh

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
SCENARIOS="${SCENARIOS:-.}"
PGBENCH="${PGBENCH:-1}"
BASELINE_BIN="${BASELINE_BIN:-}"
BENCH_DURABLE="${BENCH_DURABLE:-0}"
BUILD_DIR="${BUILD_DIR:-build}"
PERF="${PERF:-0}"
PERF_DURATION="${PERF_DURATION:-10}"
PGBENCH_REF_CLIENTS=64
READY_TIMEOUT=30
# pgbench's \set has no strings: a random value is one script per value (see
# write_pgbench); no scenario has more values than this.
MAX_PGBENCH_SCRIPTS=120

# The session settings api/db/pool.c gives every pooled connection (jit off changes
# plans' costs); pgbench and EXPLAIN sessions get the same, so they plan alike.
SESSION_OPTS="-c jit=off -c TimeZone=UTC -c DateStyle=ISO"

# The issue's targets, printed beside the figures; nothing fails on them.
TARGET_LIST_VS_SAMPLE_PCT=70 # list at 100k, % of the sample catalog's req/s
TARGET_LIST_P99_MS=25        # list p99 at 100k
TARGET_1M_FACTOR=2           # list at 1M within 2× of the 100k figures
TARGET_SEARCH_P99_MS=50      # search p99 at 100k
TARGET_SUGGEST_P99_MS=15     # suggestions p99
TARGET_DETAIL_FACTOR=1.5     # detail req/s ÷ the previous commit's

SC_ALL=(list_random list_broad list_broad_price list_broad_price_desc list_broad_name
    list_brand_price facets_category facets_q search_common search_typo search_two_words
    suggestions detail healthz)
declare -A SC_LABEL=(
    [list_random]="list, random category"
    [list_broad]="list, broad category (newest)"
    [list_broad_price]="list, broad, sort=price"
    [list_broad_price_desc]="list, broad, sort=-price"
    [list_broad_name]="list, broad, sort=name"
    [list_brand_price]="list, broad + brand + price range"
    [facets_category]="facets, broad category (counters)"
    [facets_q]="facets, q=common word (sampled)"
    [search_common]="search, common word"
    [search_typo]="search, typo of a common word"
    [search_two_words]="search, two common words"
    [suggestions]="suggestions, 3-5 letter prefix"
    [detail]="detail, random product"
    [healthz]="GET /healthz (HTTP ceiling)"
)

SELECTED=()            # the scenarios SCENARIOS selects, in SC_ALL's order
PHASES=()              # catalog sizes measured: sample, then e.g. 100k, 1M
declare -A PH_N        # phase -> synthetic products requested (0 for sample)
declare -A PH_DESC     # phase -> what the catalog held and which parameters were picked
declare -A PH_PRODUCTS # phase -> active products
declare -A CAP_N       # phase.scenario -> statements captured for one request
declare -A PLAN_SUMMARY # phase -> the plans' one-line summaries
declare -A PGB_NOTE    # phase.scenario -> why pgbench did not run, or what differs
declare -A SEED_SECS VACUUM_SECS # phase -> seconds the seed step and VACUUM ANALYZE took
SERVER_ENV=()

# --- helpers ------------------------------------------------------------------------

check_settings() {
    local v n prev=0
    for v in DURATION WARMUP PGBENCH_DURATION CONNECTIONS WRK_THREADS PERF_DURATION PGBENCH; do
        is_uint "${!v}" || sf_die "$v must be a non-negative integer, got \"${!v}\""
    done
    for v in HTTP_THREADS DB_POOL_SIZE SEED_TIMEOUT; do
        if [[ -n "${!v:-}" ]] && ! is_uint "${!v}"; then
            sf_die "$v must be a positive integer, got \"${!v}\""
        fi
    done
    ((DURATION >= 1 && PGBENCH_DURATION >= 1 && CONNECTIONS >= 1 && WRK_THREADS >= 1)) ||
        sf_die "DURATION, PGBENCH_DURATION, CONNECTIONS and WRK_THREADS must be at least 1"
    ((CONNECTIONS >= WRK_THREADS)) || sf_die "CONNECTIONS must be >= WRK_THREADS"
    SEED_LIST=()
    for n in ${SEED_PRODUCTS//,/ }; do
        is_uint "$n" || sf_die "SEED_PRODUCTS must be numbers, e.g. \"100000 1000000\", got \"$SEED_PRODUCTS\""
        ((n == 0)) && continue
        ((n > prev)) || sf_die "SEED_PRODUCTS must be increasing (each is a total), got \"$SEED_PRODUCTS\""
        SEED_LIST+=("$n")
        prev="$n"
    done
    if [[ -n "$BASELINE_BIN" && ! -x "$BASELINE_BIN" ]]; then
        sf_die "BASELINE_BIN=$BASELINE_BIN is not an executable"
    fi
    for v in "${SC_ALL[@]}"; do
        [[ "$v" =~ $SCENARIOS ]] && SELECTED+=("$v")
    done
    ((${#SELECTED[@]} > 0)) || sf_die "SCENARIOS='$SCENARIOS' matches none of: ${SC_ALL[*]}"
}

# The server's effective sizes, as api/config.c computes them.
http_threads() { printf '%s\n' "${HTTP_THREADS:-$((NPROC * 2))}"; }
pool_size() { printf '%s\n' "${DB_POOL_SIZE:-$(http_threads)}"; }

# phase_label N — "sample", "100k", "1M", "2.5M", "1234".
phase_label() {
    local n="$1"
    if ((n == 0)); then
        echo sample
    elif ((n % 1000000 == 0)); then
        echo "$((n / 1000000))M"
    elif ((n >= 1000000 && n % 100000 == 0)); then
        awk -v n="$n" 'BEGIN { printf "%.1fM\n", n / 1e6 }'
    elif ((n % 1000 == 0)); then
        echo "$((n / 1000))k"
    else
        echo "$n"
    fi
}

scenario_group() { printf '%s\n' "${1%%_*}"; } # list, facets, search, suggestions, detail, healthz

# sql_as ROLE TIMEOUT_S PSQL_ARG... — psql on the storefront database, unaligned tuples,
# with the pool's session settings and a statement timeout (the rows counted at 1M take
# longer than app_psql's 30 s allow).
sql_as() {
    local role="$1" secs="$2"
    shift 2
    timeout -k 5 $((secs + 10)) env -u PGPASSWORD -u PGSERVICE PGPASSFILE="$PG_PWFILE" \
        PGCONNECT_TIMEOUT=5 PGOPTIONS="-c statement_timeout=${secs}s $SESSION_OPTS" \
        "$PG_BIN/psql" -X -q -w -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
        -U "$role" -d storefront "$@"
}

# verdict_ge A B / verdict_le A B — "met", "NOT met", or "n/a" when a figure is missing.
verdict_ge() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "-" || b == "" || b == "-") print "n/a"; else print (a + 0 >= b + 0 ? "met" : "NOT met") }'; }
verdict_le() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "-" || b == "" || b == "-") print "n/a"; else print (a + 0 <= b + 0 ? "met" : "NOT met") }'; }
# ratio A B [SCALE] — A ÷ B × SCALE, one decimal; "-" when either is missing.
ratio() { awk -v a="${1:--}" -v b="${2:--}" -v s="${3:-1}" 'BEGIN { if (a == "-" || b == "-" || a == "" || b + 0 == 0) print "-"; else printf "%.1f\n", a / b * s }'; }

# --- set-up -----------------------------------------------------------------------------

start_server() {
    SERVER_ENV=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL"
        CORS_ALLOWED_ORIGINS=http://localhost:5173 LOG_LEVEL=warning)
    [[ -n "${HTTP_THREADS:-}" ]] && SERVER_ENV+=(HTTP_THREADS="$HTTP_THREADS")
    [[ -n "${DB_POOL_SIZE:-}" ]] && SERVER_ENV+=(DB_POOL_SIZE="$DB_POOL_SIZE")
    sf_log "migrating and seeding the sample catalog"
    bench_migrate_seed -- "${SERVER_ENV[@]}"
    sf_log "starting the server on 127.0.0.1:$API_PORT (LOG_LEVEL=warning: access log off)"
    bench_serve "${SERVER_ENV[@]}"
}

# seed_to N — the server stopped, `storefront seed --products N` (adds the synthetic
# products 1..N that are missing), VACUUM ANALYZE (statistics and the visibility map the
# listing's index-only scans need), and a fresh server: its sessions' prepared statements
# were planned, and their generic-vs-custom choice made, on the smaller catalog.
seed_to() {
    local n="$1" ph="$2" limit t0 vacuum_limit
    limit="${SEED_TIMEOUT:-$((900 + n * 6 / 1000))}"
    vacuum_limit=$((600 + n / 1000))
    bench_stop_server
    sf_log "seeding synthetic products up to $n (storefront seed --products $n, at most ${limit}s)"
    t0="$(now)"
    run_bounded "$limit" "$TMP_DIR/seed-$ph.log" env "${SERVER_ENV[@]}" "$STOREFRONT_BIN" seed --products "$n" ||
        { tail -n 20 "$TMP_DIR/seed-$ph.log" >&2; sf_die "storefront seed --products $n failed or took more than ${limit}s"; }
    SEED_SECS[$ph]="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')"
    save "seed-$ph.log" "$TMP_DIR/seed-$ph.log"
    sf_log "VACUUM ANALYZE (at most ${vacuum_limit}s)"
    t0="$(now)"
    sql_as postgres "$vacuum_limit" -c 'VACUUM ANALYZE' >"$TMP_DIR/vacuum-$ph.log" 2>&1 ||
        { tail -n 5 "$TMP_DIR/vacuum-$ph.log" >&2; sf_die "VACUUM ANALYZE failed"; }
    VACUUM_SECS[$ph]="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')"
    sf_log "starting the server afresh"
    bench_serve "${SERVER_ENV[@]}"
}

# --- the scenarios' parameters ------------------------------------------------------------

# emit DIR SCENARIO PATH [VALUE] — one request of a scenario; VALUE is the part of it
# that varies per request (a slug, a word), as the server receives it.
emit() {
    printf '%s\n' "$3" >>"$1/$2.paths"
    (($# > 3)) && printf '%s\n' "$4" >>"$1/$2.values"
    return 0
}

# typos_of WORD — the word with its middle letter dropped (5+ letters, so what is left
# is still long enough to be corrected), and with the two middle letters swapped.
typos_of() {
    local w="$1" n=${#1} m
    m=$((n / 2))
    ((n >= 5)) && printf '%s\n' "${w:0:m}${w:m+1}"
    [[ "${w:m-1:1}" != "${w:m:1}" ]] && printf '%s\n' "${w:0:m-1}${w:m:1}${w:m-1:1}${w:m+1}"
    return 0
}

# discover PHASE — picks the parameters by SQL and writes, per scenario, DIR/SC.paths (the
# requests wrk picks from at random) and DIR/SC.values (what varies in them).
discover() {
    local ph="$1" dir="$TMP_DIR/$1" broad broad_id broad_n brand brand_id brand_n lo hi in_range
    local w i j n_cat n_empty listing lexicon words_line
    local -a words=() typos=() prefixes=()
    rm -rf -- "$dir"
    mkdir -p -- "$dir"
    sf_log "[$ph] picking the scenarios' parameters"
    sql_as storefront 60 -c 'SELECT slug FROM categories ORDER BY id' >"$dir/categories.txt" ||
        sf_die "could not read the category slugs"
    sql_as storefront 120 -c 'SELECT slug FROM products WHERE active ORDER BY random() LIMIT 5000' \
        >"$dir/products.txt" || sf_die "could not read the product slugs"
    PH_PRODUCTS[$ph]="$(sql_as storefront 120 -c 'SELECT count(*) FROM products WHERE active')"
    # The category with the most products (in it or below it): the longest list to walk.
    read -r broad broad_id broad_n < <(sql_as storefront 300 -F ' ' -c \
        'SELECT c.slug, c.id, count(*) FROM categories c JOIN product_listing l ON l.list_key = c.id
          GROUP BY c.slug, c.id ORDER BY count(*) DESC, c.slug LIMIT 1') ||
        sf_die "could not find the broad category (is product_listing empty?)"
    # Its biggest brand, and the middle half of that brand's prices there: a filter the
    # listing walk checks row by row on the broad category's index.
    read -r brand brand_id brand_n < <(sql_as storefront 300 -F ' ' -c \
        "SELECT b.slug, b.id, count(*) FROM product_listing l JOIN brands b ON b.id = l.brand_id
          WHERE l.list_key = $broad_id GROUP BY b.slug, b.id ORDER BY count(*) DESC, b.slug LIMIT 1") ||
        sf_die "could not find a brand in category $broad"
    read -r lo hi < <(sql_as storefront 300 -F ' ' -c \
        "SELECT percentile_disc(0.25) WITHIN GROUP (ORDER BY price_amount),
                percentile_disc(0.75) WITHIN GROUP (ORDER BY price_amount)
           FROM product_listing WHERE list_key = $broad_id AND brand_id = $brand_id") ||
        sf_die "could not read the prices of $brand in $broad"
    in_range="$(sql_as storefront 300 -c "SELECT count(*) FROM product_listing WHERE list_key = $broad_id
        AND brand_id = $brand_id AND price_amount BETWEEN $lo AND $hi")"
    # The most frequent words of product names, as stems (what the documents hold).
    # Letters only and 4+ of them: a shopper's common word; numbers and model codes are
    # never typo-corrected, and a 3-letter word has no 4- and 5-letter prefixes.
    mapfile -t words < <(sql_as storefront 600 -c \
        "SELECT word FROM ts_stat('SELECT to_tsvector(''english'', name) FROM products')
          WHERE word ~ '^[a-z]{4,}\$' ORDER BY ndoc DESC, word LIMIT 3")
    ((${#words[@]} > 0)) || sf_die "found no common word in the product names"
    n_cat="$(grep -c . "$dir/categories.txt" || true)"
    n_empty="$(sql_as storefront 60 -c 'SELECT count(*) FROM categories c
        WHERE NOT EXISTS (SELECT 1 FROM product_listing l WHERE l.list_key = c.id)')"
    listing="$(sql_as storefront 300 -c 'SELECT count(*) FROM product_listing')"
    lexicon="$(sql_as storefront 60 -c 'SELECT count(*) FROM search_lexicon')"

    while read -r w; do
        emit "$dir" list_random "/v1/products?category=$w&limit=20" "$w"
    done <"$dir/categories.txt"
    emit "$dir" list_broad "/v1/products?category=$broad&limit=20"
    emit "$dir" list_broad_price "/v1/products?category=$broad&sort=price&limit=20"
    emit "$dir" list_broad_price_desc "/v1/products?category=$broad&sort=-price&limit=20"
    emit "$dir" list_broad_name "/v1/products?category=$broad&sort=name&limit=20"
    emit "$dir" list_brand_price "/v1/products?category=$broad&brand=$brand&min_price=$lo&max_price=$hi&limit=20"
    emit "$dir" facets_category "/v1/products?category=$broad&facets=true&limit=20"
    emit "$dir" facets_q "/v1/products?q=${words[0]}&facets=true&limit=20"
    for w in "${words[@]}"; do
        emit "$dir" search_common "/v1/products?q=$w&limit=20" "$w"
        for i in 3 4 5; do
            ((i <= ${#w})) && prefixes+=("${w:0:i}")
        done
    done
    # Typos of the longest word first: the first is the probe (captured, explained), and
    # a long word's typo is one the lexicon can correct.
    for w in $(printf '%s\n' "${words[@]}" | awk '{ print length($0), $0 }' | sort -k1,1nr -s | cut -d' ' -f2); do
        mapfile -t -O "${#typos[@]}" typos < <(typos_of "$w")
    done
    for w in $(printf '%s\n' "${typos[@]}" | awk '!seen[$0]++'); do
        emit "$dir" search_typo "/v1/products?q=$w&limit=20" "$w"
    done
    for ((i = 0; i < ${#words[@]}; i++)); do
        for ((j = i + 1; j < ${#words[@]}; j++)); do
            emit "$dir" search_two_words "/v1/products?q=${words[i]}%20${words[j]}&limit=20" "${words[i]} ${words[j]}"
        done
    done
    for w in $(printf '%s\n' "${prefixes[@]}" | awk '!seen[$0]++'); do
        emit "$dir" suggestions "/v1/search/suggestions?q=$w" "$w"
    done
    while read -r w; do
        emit "$dir" detail "/v1/products/$w" "$w"
    done <"$dir/products.txt"

    words_line="${words[*]}"
    PH_DESC[$ph]="$(
        printf '%s active products, %s categories (%s with no product: a request there runs one query more), %s listing rows, %s lexicon words' \
            "${PH_PRODUCTS[$ph]}" "$n_cat" "$n_empty" "$listing" "$lexicon"
        if [[ -n "${SEED_SECS[$ph]:-}" ]]; then
            printf '; seeded in %s s, VACUUM ANALYZE %s s' "${SEED_SECS[$ph]}" "${VACUUM_SECS[$ph]}"
        fi
        printf '\n  broad category %s (%s products), brand %s (%s there), price %s..%s (%s products match), words: %s' \
            "$broad" "$broad_n" "$brand" "$brand_n" "$lo" "$hi" "$in_range" "$words_line"
        printf '\n  typos: %s; prefixes: %s' "$(paste -sd' ' "$dir/search_typo.values" 2>/dev/null)" \
            "$(paste -sd' ' "$dir/suggestions.values" 2>/dev/null)"
    )"
}

# --- capturing the server's statements ------------------------------------------------------

# statement_log and parse_statements: tests/bench/lib.sh (ceiling.sh captures the same way).

# capture PHASE — one request per scenario (the first of its paths), the statements the
# server executed for it kept as DIR/SC.sql.N + DIR/SC.params.N; CAP_N counts them.
# Every probe must answer 200 before anything is measured.
capture() {
    local ph="$1" dir="$TMP_DIR/$1" sc off code path
    sf_log "[$ph] capturing the statements the server runs for one request of each scenario"
    statement_log on
    for sc in "${SELECTED[@]}"; do
        [[ "$sc" == healthz ]] && continue
        [[ -s "$dir/$sc.paths" ]] || continue
        path="$(sed -n 1p "$dir/$sc.paths")"
        off="$(stat -c %s "$PG_LOG")"
        code="$(curl -s -o "$dir/$sc.body" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$API_PORT$path" || true)"
        [[ "$code" == 200 ]] || sf_die "GET $path answered ${code:-nothing} before the benchmark (server log: $SERVER_LOG)"
        printf '    GET %-80s %s, %s bytes\n' "$path" "$code" "$(stat -c %s "$dir/$sc.body")"
        sleep 0.3
        CAP_N[$ph.$sc]="$(tail -c +$((off + 1)) "$PG_LOG" | parse_statements "$dir/$sc")"
        ((CAP_N[$ph.$sc] > 0)) || sf_warn "[$ph] $sc: no statement captured (is the statement log readable? $PG_LOG)"
    done
    statement_log off
}

# --- EXPLAIN ------------------------------------------------------------------------------

# sql_args PARAMS_FILE — the parameters as an EXECUTE argument list: ('a', '21').
sql_args() {
    awk -F '\t' '{ v = ($2 == "N") ? "NULL" : $3; if ($2 != "N") { gsub(/\047/, "\047\047", v); v = "\047" v "\047" }
                   a[$1 + 0] = v; if ($1 + 0 > m) m = $1 + 0 }
        END { if (m == 0) exit; printf "("; for (i = 1; i <= m; i++) printf "%s%s", (i > 1 ? ", " : ""), ((i in a) ? a[i] : "NULL"); printf ")" }' "$1"
}

# explain_one PREFIX N OUT — EXPLAIN (ANALYZE, BUFFERS) of statement N, prepared as the
# pool prepares it and executed 5 times first: from the 6th execution on, PostgreSQL may
# switch a prepared statement to its generic plan, as it does in the server's sessions.
explain_one() {
    local pre="$1" n="$2" out="$3" args
    args="$(sql_args "$pre.params.$n")"
    {
        printf -- '-- statement %s as the server executed it, parameters %s\n' "$n" "${args:-none}"
        cat "$pre.sql.$n"
        printf '\n\n'
        {
            printf 'PREPARE sfbench_s AS %s;\n\\o /dev/null\n' "$(cat "$pre.sql.$n")"
            printf 'EXECUTE sfbench_s%s;\n' "$args" "$args" "$args" "$args" "$args"
            printf '\\o\nEXPLAIN (ANALYZE, BUFFERS) EXECUTE sfbench_s%s;\n' "$args"
            printf "SELECT 'plan cache: generic_plans=' || generic_plans || ' custom_plans=' || custom_plans
                      FROM pg_prepared_statements WHERE name = 'sfbench_s';\n"
        } | sql_as storefront 120 -f - 2>&1
    } >"$out" || true
}

# summarize_plan FILE — one line: top node, rows returned, rows the scans read (with the
# 3 biggest readers; rows a filter removed count as read), the entries of bitmap index
# scans, buffers, times, and whether the plan was the generic one.
summarize_plan() {
    awk '
        /^-- statement / || /^(SELECT|WITH) / { next }
        /\(cost=[0-9.]+\.\.[0-9.]+ rows=/ {
            nodes++; scan = 0
            if (nodes == 1) {
                top = $0; sub(/^ *(->  )?/, "", top); sub(/  \(cost=.*/, "", top)
                if (match($0, /actual time=[0-9.]+\.\.[0-9.]+ rows=[0-9]+/)) { r = substr($0, RSTART, RLENGTH); sub(/.*rows=/, "", r); returned = r }
            }
            if ($0 ~ /(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Tid Scan)/ && $0 !~ /Bitmap Index Scan/ &&
                match($0, /rows=[0-9]+ loops=[0-9]+\)/)) {
                r = substr($0, RSTART, RLENGTH); split(r, kv, /[= )]/); rows = kv[2]; loops = kv[4]
                key = ""
                if (match($0, /using [^ ]+/)) key = substr($0, RSTART + 6, RLENGTH - 6)
                else if (match($0, / on [^ ]+/)) key = ($0 ~ /Bitmap Heap/ ? "bitmap " : "seq ") substr($0, RSTART + 4, RLENGTH - 4)
                read += rows * loops; per[key] += rows * loops; scan = 1; scan_loops = loops
            } else if ($0 ~ /Bitmap Index Scan on / && match($0, /rows=[0-9]+ loops=[0-9]+\)/)) {
                # Counted apart: the heap scan above it reads the rows, but building the
                # bitmap costs every index entry that matched, whatever LIMIT follows.
                r = substr($0, RSTART, RLENGTH); split(r, kv, /[= )]/)
                match($0, /Bitmap Index Scan on [^ ]+/); key = substr($0, RSTART + 21, RLENGTH - 21)
                entries += kv[2] * kv[4]; bitmap[key] += kv[2] * kv[4]
            }
            next
        }
        /Rows Removed by (Filter|Index Recheck): / && scan {
            n = $0; sub(/.*: /, "", n); read += n * scan_loops; per[key] += n * scan_loops; next
        }
        /Buffers: / && buffers == "" { buffers = $0; sub(/.*Buffers: /, "", buffers); next }
        /^Planning Time: / { plan = $3 }
        /^Execution Time: / { exec = $3 }
        /^plan cache: / { kind = ($3 ~ /generic_plans=[1-9]/) ? "generic plan" : "custom plan" }
        /^(ERROR|psql:)/ && err == "" { err = $0 }
        END {
            if (err != "") { print "EXPLAIN failed: " err; exit }
            top3 = ""
            for (k = 1; k <= 3; k++) {
                best = ""; bv = -1
                for (x in per) if (per[x] > bv) { bv = per[x]; best = x }
                if (best == "") break
                top3 = top3 (k > 1 ? ", " : "") best " " bv; delete per[best]
            }
            bm = ""
            for (x in bitmap) bm = bm (bm == "" ? "" : ", ") x " " bitmap[x]
            if (bm != "") bm = sprintf(" + %d bitmap index entries (%s)", entries, bm)
            printf "%s, %s rows out; read %d rows (%s)%s; buffers %s; exec %s ms, plan %s ms; %s\n",
                top, returned, read, top3, bm, (buffers == "" ? "none" : buffers), exec, plan, kind
        }' "$1"
}

# explain_all PHASE — a plan file per captured statement (RESULTS_DIR/plans/PHASE/) and
# PLAN_SUMMARY[PHASE].
explain_all() {
    local ph="$1" dir="$TMP_DIR/$1" sc n out plans_dir summary=""
    plans_dir="$dir/plans"
    mkdir -p -- "$plans_dir"
    sf_log "[$ph] EXPLAIN (ANALYZE, BUFFERS) of the captured statements"
    for sc in "${SELECTED[@]}"; do
        for ((n = 1; n <= ${CAP_N[$ph.$sc]:-0}; n++)); do
            out="$plans_dir/$sc.$n.txt"
            explain_one "$dir/$sc" "$n" "$out"
            summary+="$(printf '  %-22s %d/%d  %s' "$sc" "$n" "${CAP_N[$ph.$sc]}" "$(summarize_plan "$out")")"$'\n'
        done
    done
    PLAN_SUMMARY[$ph]="$summary"
    if [[ -n "$RESULTS_DIR" ]]; then
        mkdir -p -- "$RESULTS_DIR/plans/$ph"
        cp -f -- "$plans_dir"/*.txt "$RESULTS_DIR/plans/$ph/" 2>/dev/null || true
    fi
}

# --- pgbench baseline -----------------------------------------------------------------------

# write_pgbench, pgbench_warmup and run_pgbench: tests/bench/lib.sh (ceiling.sh runs them too).




# --- measurements -----------------------------------------------------------------------------

# run_previous_detail PHASE — BASELINE_BIN's detail rate on the same database: the
# current server stopped (one server at a time), the old one started on the same port,
# measured, stopped, and the current one started again.
run_previous_detail() {
    local ph="$1" saved_bin="$STOREFRONT_BIN" saved_log="$SERVER_LOG"
    bench_stop_server
    STOREFRONT_BIN="$BASELINE_BIN"
    SERVER_LOG="$TMP_DIR/server-previous.log"
    sf_log "[$ph] starting BASELINE_BIN ($BASELINE_BIN) for its detail rate"
    bench_serve "${SERVER_ENV[@]}"
    run_wrk_measure "$ph.detail_prev" "GET /v1/products/{slug} (random), BASELINE_BIN" \
        -s "$BENCH_DIR/catalog.lua" "http://127.0.0.1:$API_PORT/" -- paths "$TMP_DIR/$ph/detail.paths"
    bench_stop_server
    STOREFRONT_BIN="$saved_bin"
    SERVER_LOG="$saved_log"
    bench_serve "${SERVER_ENV[@]}"
}

# measure PHASE — wrk, then pgbench at the pool size and at 64, per selected scenario.
measure() {
    local ph="$1" dir="$TMP_DIR/$1" sc key group
    for sc in "${SELECTED[@]}"; do
        key="$ph.$sc"
        if [[ "$sc" == healthz ]]; then
            [[ "$ph" == sample ]] && run_wrk_measure "$key" "GET /healthz" \
                -s "$BENCH_DIR/catalog.lua" "http://127.0.0.1:$API_PORT/healthz" -- static
            continue
        fi
        if [[ ! -s "$dir/$sc.paths" ]]; then
            R_NOTE[$key]="skipped: no request for it in this catalog"
            continue
        fi
        run_wrk_measure "$key" "GET $(sed -n 1p "$dir/$sc.paths")$( (($(wc -l <"$dir/$sc.paths") > 1)) && printf ' (random of %s)' "$(wc -l <"$dir/$sc.paths")")" \
            -s "$BENCH_DIR/catalog.lua" "http://127.0.0.1:$API_PORT/" -- paths "$dir/$sc.paths"
        group="$(scenario_group "$sc")"
        [[ "$PGBENCH" == 1 && "$group" =~ ^(list|facets|search|suggestions)$ ]] || continue
        write_pgbench "$ph" "$sc" || { sf_warn "[$ph] $sc: no pgbench baseline (${PGB_NOTE[$key]})"; continue; }
        run_pgbench "$key.pg_pool" "$(pool_size)" "$dir/$sc.pgbargs" "${R_RPS[$key]:-}"
        run_pgbench "$key.pg_64" "$PGBENCH_REF_CLIENTS" "$dir/$sc.pgbargs" "${R_RPS[$key]:-}"
    done
    if [[ -n "$BASELINE_BIN" && " ${SELECTED[*]} " == *" detail "* ]]; then
        run_previous_detail "$ph"
    fi
}

run_phase() {
    local ph="$1"
    PHASES+=("$ph")
    discover "$ph"
    capture "$ph"
    explain_all "$ph"
    measure "$ph"
    if [[ -n "$RESULTS_DIR" ]]; then
        mkdir -p -- "$RESULTS_DIR/statements/$ph"
        cp -f -- "$TMP_DIR/$ph"/*.sql.* "$TMP_DIR/$ph"/*.params.* "$TMP_DIR/$ph"/*.paths \
            "$RESULTS_DIR/statements/$ph/" 2>/dev/null || true
    fi
}

# --- perf -----------------------------------------------------------------------------------

run_perf() {
    local data="$TMP_DIR/perf.data" load="$TMP_DIR/perf_load.out" paths
    paths="$TMP_DIR/${PHASES[-1]}/list_random.paths"
    command -v perf >/dev/null 2>&1 || { sf_warn "PERF=1 but perf is not installed (linux-perf)"; return 0; }
    [[ -s "$paths" ]] || { sf_warn "PERF=1 needs the list_random scenario"; return 0; }
    sf_log "perf: system-wide profile during ${PERF_DURATION}s of list load (not part of the figures)"
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$((PERF_DURATION + 4))s" --timeout 2s \
        -s "$BENCH_DIR/catalog.lua" "http://127.0.0.1:$API_PORT/" -- paths "$paths" \
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

# cells KEY [API_KEY] — "req/s p50 p99 ratio" for a run; with API_KEY, ratio = API ÷ this.
cells() {
    local key="$1" api="${2:-}" r="" rps="${R_RPS[$1]:-}"
    if [[ -n "$api" ]]; then
        r="$(ratio "${R_RPS[$api]:-}" "$rps" 100)"
        [[ "$r" != - ]] && r="$(printf '%.0f%%' "$r")"
    fi
    [[ -z "$rps" && -n "${R_NOTE[$key]:-}" ]] && rps="(failed)"
    printf ' | %8s %7s %7s %6s' "${rps:--}" "${R_P50[$key]:--}" "${R_P99[$key]:--}" "$r"
}

# target_text SC — the issue's target for SC, evaluated at the sizes it names.
target_text() {
    local sc="$1" group ph out="" r p99 v1 v2 has100k=0 n
    group="$(scenario_group "$sc")"
    for ph in "${PHASES[@]}"; do [[ "${PH_N[$ph]}" == 100000 ]] && has100k=1; done
    case "$group" in
        list)
            ((${#PHASES[@]} > 1)) || { printf 'at 100k: >= %s%% of sample, p99 <= %s ms (no seeded size)' "$TARGET_LIST_VS_SAMPLE_PCT" "$TARGET_LIST_P99_MS"; return; }
            for ph in "${PHASES[@]:1}"; do
                n="${PH_N[$ph]}"
                p99="${R_P99[$ph.$sc]:-}"
                if ((n == 1000000 && has100k)); then
                    r="$(ratio "${R_RPS[$ph.$sc]:-}" "${R_RPS[100k.$sc]:-}")"
                    v1="$(verdict_ge "$r" "$(awk -v f="$TARGET_1M_FACTOR" 'BEGIN { print 1 / f }')")"
                    v2="$(verdict_le "$(ratio "$p99" "${R_P99[100k.$sc]:-}")" "$TARGET_1M_FACTOR")"
                    out+="$ph vs 100k: req/s x$r, p99 x$(ratio "$p99" "${R_P99[100k.$sc]:-}") (within ${TARGET_1M_FACTOR}x): $v1/$v2; "
                else
                    r="$(ratio "${R_RPS[$ph.$sc]:-}" "${R_RPS[sample.$sc]:-}" 100)"
                    v1="$(verdict_ge "$r" "$TARGET_LIST_VS_SAMPLE_PCT")"
                    v2="$(verdict_le "$p99" "$TARGET_LIST_P99_MS")"
                    out+="$ph: $r% of sample (>=$TARGET_LIST_VS_SAMPLE_PCT) $v1, p99 <=$TARGET_LIST_P99_MS $v2; "
                fi
            done
            ;;
        search)
            ((${#PHASES[@]} > 1)) || { printf 'at 100k: p99 <= %s ms (no seeded size)' "$TARGET_SEARCH_P99_MS"; return; }
            for ph in "${PHASES[@]:1}"; do
                out+="$ph: p99 <=$TARGET_SEARCH_P99_MS $(verdict_le "${R_P99[$ph.$sc]:-}" "$TARGET_SEARCH_P99_MS"); "
            done
            ;;
        suggestions)
            for ph in "${PHASES[@]}"; do
                out+="$ph: p99 <=$TARGET_SUGGEST_P99_MS $(verdict_le "${R_P99[$ph.$sc]:-}" "$TARGET_SUGGEST_P99_MS"); "
            done
            ;;
        detail)
            if [[ -z "$BASELINE_BIN" ]]; then
                printf '>= %sx the previous commit (set BASELINE_BIN to measure it here)' "$TARGET_DETAIL_FACTOR"
                return
            fi
            for ph in "${PHASES[@]}"; do
                r="$(ratio "${R_RPS[$ph.detail]:-}" "${R_RPS[$ph.detail_prev]:-}")"
                out+="$ph: x$r of BASELINE_BIN (>=$TARGET_DETAIL_FACTOR) $(verdict_ge "$r" "$TARGET_DETAIL_FACTOR"); "
            done
            ;;
        *) out="-" ;;
    esac
    printf '%s' "${out%; }"
}

print_summary() {
    local sc ph label
    printf '\n== Storefront catalog benchmark — summary ==\n'
    printf '%s\n' "$HEADER"
    for ph in "${PHASES[@]}"; do
        printf 'catalog %-7s %s\n' "$ph" "${PH_DESC[$ph]}"
    done

    printf '\n%-38s' 'scenario'
    for ph in "${PHASES[@]}"; do
        printf ' | %-31s' "$ph: ${PH_PRODUCTS[$ph]:-?} products"
    done
    printf ' | %s\n%-38s' 'target (informational)' ''
    for ph in "${PHASES[@]}"; do
        printf ' | %8s %7s %7s %6s' 'req/s' 'p50 ms' 'p99 ms' 'API/pg'
    done
    printf ' |\n'
    for sc in "${SELECTED[@]}"; do
        printf '%-38s' "${SC_LABEL[$sc]}"
        for ph in "${PHASES[@]}"; do cells "$ph.$sc"; done
        printf ' | %s\n' "$(target_text "$sc")"
        for label in pg_pool pg_64; do
            local any=0
            for ph in "${PHASES[@]}"; do [[ -n "${R_RPS[$ph.$sc.$label]+x}" ]] && any=1; done
            ((any)) || continue
            if [[ "$label" == pg_pool ]]; then
                printf '%-38s' "  pgbench -c $(pool_size), same SQL"
            else
                printf '%-38s' "  pgbench -c $PGBENCH_REF_CLIENTS, same SQL"
            fi
            for ph in "${PHASES[@]}"; do cells "$ph.$sc.$label" "$ph.$sc"; done
            printf ' |\n'
        done
        if [[ "$sc" == detail && -n "$BASELINE_BIN" ]]; then
            printf '%-38s' "  BASELINE_BIN (previous commit)"
            for ph in "${PHASES[@]}"; do cells "$ph.detail_prev"; done
            printf ' |\n'
        fi
    done
    printf '(wrk -c%s --latency: req/s, p50, p99 of the API; pgbench rows: tps and latencies of the statements the\n' "$CONNECTIONS"
    printf ' server ran for one request, run as one transaction; API/pg = API req/s ÷ that pgbench tps, same run)\n'
    for ph in "${PHASES[@]}"; do
        for sc in "${SELECTED[@]}"; do
            [[ -n "${PGB_NOTE[$ph.$sc]:-}" ]] && printf '  note: %s %s: %s\n' "$ph" "$sc" "${PGB_NOTE[$ph.$sc]}"
        done
    done

    for ph in "${PHASES[@]}"; do
        printf '\nplans at %s (EXPLAIN ANALYZE, BUFFERS of each captured statement; scenario stmt/of: top node, rows out; rows the scans read)%s\n' \
            "$ph" "$([[ -n "$RESULTS_DIR" ]] && printf ', full plans in %s/plans/%s/' "$RESULTS_DIR" "$ph")"
        printf '%s' "${PLAN_SUMMARY[$ph]:-$'  (none)\n'}"
    done
    print_details
}

print_details() {
    local key label
    printf '\nper run: errors, server memory, CPU%% of one core (%s cores = %s%%; sf = storefront, pg = PostgreSQL, cli = wrk or pgbench, oth = anything else)\n' \
        "$NPROC" $((NPROC * 100))
    printf '%-42s %9s %8s %7s %13s %22s\n' run 'req/s' 'non-2xx' sockerr 'RSS/HWM MB' 'CPU% sf/pg/cli/oth/idle'
    for key in $(all_keys); do
        label="$key"
        printf '%-42s %9s %8s %7s %13s %22s %s\n' "$label" "${R_RPS[$key]:--}" "${R_NON2XX[$key]:--}" \
            "${R_SOCKERR[$key]:--}" "${R_RSS[$key]:--}/${R_HWM[$key]:--}" \
            "${R_CPU_SF[$key]:--}/${R_CPU_PG[$key]:--}/${R_CPU_CLIENT[$key]:--}/${R_CPU_OTHER[$key]:--}/${R_CPU_IDLE[$key]:--}" "${R_NOTE[$key]:-}"
    done
    local bad=0
    for key in $(all_keys); do
        [[ "${R_NON2XX[$key]:-0}" =~ ^[0-9]+$ && "${R_NON2XX[$key]:-0}" != 0 ]] && bad=1
        [[ "${R_SOCKERR[$key]:-0}" =~ ^[0-9]+$ && "${R_SOCKERR[$key]:-0}" != 0 ]] && bad=1
    done
    ((bad)) && printf 'WARNING: some runs had non-2xx responses, failed transactions or socket errors: their figures are not comparable\n'
    return 0
}

# all_keys — every run's result key, in table order.
all_keys() {
    local ph sc sfx
    for ph in "${PHASES[@]}"; do
        for sc in "${SELECTED[@]}" detail_prev; do
            for sfx in "" .pg_pool .pg_64; do
                [[ -n "${R_RPS[$ph.$sc$sfx]+x}" || -n "${R_NOTE[$ph.$sc$sfx]+x}" ]] && printf '%s\n' "$ph.$sc$sfx"
            done
        done
    done
    return 0
}

write_tsv() {
    [[ -n "$RESULTS_DIR" ]] || return 0
    local key ph rest sc runner
    {
        printf 'catalog\tproducts\tscenario\trunner\trps\tp50_ms\tp99_ms\tnon2xx\tsockerr\trss_mb\thwm_mb\tcpu_sf\tcpu_pg\tcpu_client\tcpu_other\tcpu_idle\thttp_threads\tpool\n'
        for key in $(all_keys); do
            ph="${key%%.*}"
            rest="${key#*.}"
            sc="${rest%%.*}"
            runner=wrk
            [[ "$rest" == *.pg_pool ]] && runner="pgbench_c$(pool_size)"
            [[ "$rest" == *.pg_64 ]] && runner="pgbench_c$PGBENCH_REF_CLIENTS"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ph" "${PH_PRODUCTS[$ph]:-}" \
                "$sc" "$runner" "${R_RPS[$key]:-}" "${R_P50[$key]:--}" "${R_P99[$key]:--}" "${R_NON2XX[$key]:--}" \
                "${R_SOCKERR[$key]:--}" "${R_RSS[$key]:--}" "${R_HWM[$key]:--}" "${R_CPU_SF[$key]:--}" \
                "${R_CPU_PG[$key]:--}" "${R_CPU_CLIENT[$key]:--}" "${R_CPU_OTHER[$key]:--}" "${R_CPU_IDLE[$key]:--}" \
                "$(http_threads)" "$(pool_size)"
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

estimate_minutes() {
    local sc n_wrk=0 n_pg=0 pg_secs
    for sc in "${SELECTED[@]}"; do
        n_wrk=$((n_wrk + 1))
        [[ "$PGBENCH" == 1 && "$(scenario_group "$sc")" =~ ^(list|facets|search|suggestions)$ ]] && n_pg=$((n_pg + 1))
    done
    [[ -n "$BASELINE_BIN" ]] && n_wrk=$((n_wrk + 1))
    pg_secs=$(($(pgbench_warmup "$(pool_size)") + $(pgbench_warmup "$PGBENCH_REF_CLIENTS") + 2 * PGBENCH_DURATION))
    echo $(((1 + ${#SEED_LIST[@]}) * (n_wrk * (WARMUP + DURATION) + n_pg * pg_secs) / 60 + 1))
}

main() {
    local load_before durability pg_port stamp n
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

    HEADER="$(
        printf 'date        %s (UTC)\n' "$(date -u '+%Y-%m-%d %H:%M')"
        printf 'machine     %s CPUs (%s), %s MB RAM; load average before the run: %s\n' "$NPROC" \
            "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
            "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$load_before"
        printf 'code        %s%s, binary %s%s\n' "$(git -C "$SF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
            "$(git -C "$SF_ROOT" diff --quiet HEAD -- api include schema 2>/dev/null || echo ' (api/, include/ or schema/ modified)')" \
            "$STOREFRONT_BIN" "${BASELINE_BIN:+; BASELINE_BIN $BASELINE_BIN}"
        printf 'server      HTTP_THREADS=%s DB_POOL_SIZE=%s LOG_LEVEL=warning (access log off), 127.0.0.1:%s\n' \
            "$(http_threads)" "$(pool_size)" "$API_PORT"
        printf 'postgres    15, throw-away cluster (%s): %s\n' \
            "$([[ "$BENCH_DURABLE" == 1 ]] && echo durable || echo '--ephemeral; read-only load, so durability hardly matters')" "$durability"
        printf 'load        wrk -t%s -c%s --latency, %ss warm-up + %ss per scenario; pgbench -M prepared -c %s and -c %s, %ss / %ss warm-up + %ss\n' \
            "$WRK_THREADS" "$CONNECTIONS" "$WARMUP" "$DURATION" "$(pool_size)" "$PGBENCH_REF_CLIENTS" \
            "$(pgbench_warmup "$(pool_size)")" "$(pgbench_warmup "$PGBENCH_REF_CLIENTS")" "$PGBENCH_DURATION"
        printf 'baseline    pgbench runs the statements the server executed for one request of the scenario (PostgreSQL statement log)'
    )"
    sf_log "about $(estimate_minutes) min of measurements, plus seeding (${SEED_LIST[*]:-no synthetic products})"

    start_server
    PH_N[sample]=0
    run_phase sample
    for n in "${SEED_LIST[@]}"; do
        local ph
        ph="$(phase_label "$n")"
        PH_N[$ph]="$n"
        seed_to "$n" "$ph"
        run_phase "$ph"
    done
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
