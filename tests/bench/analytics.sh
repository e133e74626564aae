#!/usr/bin/env bash
# tests/bench/analytics.sh — staff analytics over a big clickstream: prints figures, never
# fails on them.
#
# Why: the issue asks that GET /v1/admin/analytics/funnel over 5 million events answer in
# <= 300 ms, and that what analytics adds to the write path be measured. The funnel,
# top products and traffic read rollups that analytics_refresh() maintains off the write
# path (schema/migrations/0010_analytics.sql); the migration also adds a BRIN index on
# events.received_at, whose cost on ingestion this script measures (and that of the
# session_id btree it decided against).
#
# What it does, from a clean checkout:
#   1. localstack/bootstrap.sh, builds into build/ (RelWithDebInfo) unless STOREFRONT_BIN
#      is given; a throw-away DURABLE PostgreSQL (fsync on: insert rates mean something);
#      `storefront migrate`, `storefront seed` (sample catalog), VACUUM ANALYZE;
#   2. one staff token (tests/bench/jwks-token.mjs --groups admin) and `storefront serve`
#      with ANALYTICS_REFRESH_SECONDS=0 (the script refreshes itself, so timings are not
#      disturbed by the background thread);
#   3. insert rate: pgbench, INSERT_CLIENTS clients each running INSERT_TX statements of
#      500 events (one set-based INSERT ... ON CONFLICT DO NOTHING, as the writer's
#      flush) into today's partition: without 0010's index on events (the BRIN on
#      received_at), with it (as shipped), and with it plus a btree on
#      (session_id, event_time) (the alternative 0010 rejected), INSERT_ROUNDS times
#      alternating (the machine is noisy); the partition is emptied before each run;
#      medians and every run's figure are printed;
#   4. generates EVENTS events over DAYS days ending yesterday with SQL (generate_series):
#      ~EVENTS/11.5 sessions; 30 % bounce (one page view); the rest 5..52 events of page
#      views, searches, product views (skewed over the catalog's products), add-to-carts
#      for sessions that get that far, then checkout_start and purchase at the end for
#      those that do (funnel shape ~ 70 % / 35 % / 15 % / 8 % of sessions); 30 % of
#      sessions signed in; VACUUM ANALYZE;
#   5. times the first, full analytics_refresh() (every session and hour), then an
#      incremental one after INCR_EVENTS new events;
#   6. times each endpoint through HTTP with curl: RUNS runs after one warm-up call,
#      min / median / max ms; prints the funnel against the 300 ms target.
#
# Environment (defaults):
#   EVENTS (5000000)  DAYS (30)  RUNS (7)  INCR_EVENTS (10000)
#   INSERT_CLIENTS (2)  INSERT_TX (200)   (pgbench: 2 x 200 x 500 = 200k events per run)
#   INSERT_ROUNDS (3)   alternating rounds of the three index variants; medians reported
#   STOREFRONT_BIN, BUILD_DIR (build), RESULTS_DIR (tests/bench/results/<UTC>-analytics;
#   empty: keep nothing)
#
# Usage: tests/bench/analytics.sh      e.g. EVENTS=1000000 RUNS=5 tests/bench/analytics.sh

# shellcheck disable=SC2317  # cleanup is reached through `trap`
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/lib.sh
source "$BENCH_DIR/lib.sh"

EVENTS="${EVENTS:-5000000}"
DAYS="${DAYS:-30}"
RUNS="${RUNS:-7}"
INCR_EVENTS="${INCR_EVENTS:-10000}"
INSERT_CLIENTS="${INSERT_CLIENTS:-2}"
INSERT_TX="${INSERT_TX:-200}"
INSERT_ROUNDS="${INSERT_ROUNDS:-3}"
BUILD_DIR="${BUILD_DIR:-build}"
READY_TIMEOUT=30
TARGET_MS=300

ISSUER="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_BenchPool1"
CLIENT_ID="benchclient0123456789abcdef"
NODE_PID=""
TOKEN=""
declare -A T_MIN T_MED T_MAX

check_settings() {
    local v
    for v in EVENTS DAYS RUNS INCR_EVENTS INSERT_CLIENTS INSERT_TX INSERT_ROUNDS; do
        is_uint "${!v}" || sf_die "$v must be a non-negative integer, got \"${!v}\""
    done
    ((EVENTS >= 1000 && DAYS >= 2 && DAYS <= 80 && RUNS >= 1 && INSERT_CLIENTS >= 1 && INSERT_TX >= 1 && INSERT_ROUNDS >= 1)) ||
        sf_die "EVENTS >= 1000, DAYS 2..80 (retention keeps 90), RUNS, INSERT_CLIENTS, INSERT_TX >= 1"
}

# sql — runs stdin as the app role with no statement timeout (generation takes minutes);
# with -c the command runs instead of stdin, under app_psql's 30 s timeout.
sql() { { echo 'SET statement_timeout = 0;'; cat; } | app_psql -U storefront -d storefront "$@"; }
refresh() { sql <<<'SELECT analytics_refresh()'; }

start_jwks() {
    local deadline url
    : >"$TMP_DIR/jwks.out"
    node "$BENCH_DIR/jwks-token.mjs" --issuer "$ISSUER" --client-id "$CLIENT_ID" --tokens 1 \
        --groups admin --out "$TMP_DIR/token.txt" --max-seconds 3600 >"$TMP_DIR/jwks.out" 2>"$TMP_DIR/jwks.err" &
    NODE_PID=$!
    deadline=$((SECONDS + 120))
    while ((SECONDS < deadline)); do
        url="$(sed -n 's/^JWKS_URL=//p' "$TMP_DIR/jwks.out")"
        [[ -n "$url" ]] && break
        kill -0 "$NODE_PID" 2>/dev/null || { cat "$TMP_DIR/jwks.err" >&2; sf_die "jwks-token.mjs exited"; }
        sleep 0.1
    done
    [[ -n "$url" ]] || sf_die "jwks-token.mjs did not start"
    JWKS_URL="$url"
    TOKEN="$(sed -n 1p "$TMP_DIR/token.txt")"
}

# insert_rate LABEL — pgbench of set-based 500-event INSERTs into today's (emptied)
# partition; prints events/s.
insert_rate() {
    local label="$1" tps
    sql -c "TRUNCATE $(sql -c "SELECT events_partition_name((now() AT TIME ZONE 'UTC')::date)" | tail -n1)" >/dev/null
    cat >"$TMP_DIR/insert.sql" <<'EOF'
INSERT INTO events (event_id, event_time, event_type, source, anonymous_id, session_id, page_url, product_id)
SELECT gen_random_uuid(), greatest(now() - random() * interval '1 hour', date_trunc('day', now(), 'UTC')),
       (ARRAY['page_view','product_view','product_view','search','add_to_cart'])[1 + floor(random() * 5)::int],
       'web', 'a' || floor(random() * 1e6)::int, 's' || floor(random() * 3e5)::int,
       'https://shop.example/p/' || g, floor(random() * 500)::int
FROM generate_series(1, 500) g ON CONFLICT DO NOTHING;
EOF
    env -u PGPASSWORD PGPASSFILE="$PG_PWFILE" "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U storefront \
        -c "$INSERT_CLIENTS" -j "$INSERT_CLIENTS" -t "$INSERT_TX" -f "$TMP_DIR/insert.sql" storefront \
        >"$TMP_DIR/pgbench-$label.out" 2>&1 || { cat "$TMP_DIR/pgbench-$label.out" >&2; sf_die "pgbench failed"; }
    save "pgbench-$label.txt" "$TMP_DIR/pgbench-$label.out"
    tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$TMP_DIR/pgbench-$label.out" | head -n1)"
    awk -v t="$tps" 'BEGIN { printf "%.0f", t * 500 }'
}

generate() {
    local nsess=$(((EVENTS * 10 + 114) / 115))
    sf_log "generating $EVENTS events in ~$nsess sessions over $DAYS days (SQL)"
    sql >/dev/null <<EOF
SELECT events_partitions_ensure((now() AT TIME ZONE 'UTC')::date - $DAYS, (now() AT TIME ZONE 'UTC')::date);
CREATE TEMP TABLE prod AS SELECT array_agg(id ORDER BY id) AS ids FROM products;
-- random() sits in the select lists of the rows it varies over (a LATERAL subquery that
-- references no outer column would be computed once for all rows).
CREATE TEMP TABLE sess AS
SELECT id, t0, user_id,
       CASE WHEN r_n < 0.3 THEN 1 ELSE 5 + floor(r_len * r_len2 * 48)::int END AS n,
       CASE WHEN r_n < 0.3 THEN 0 WHEN r_depth < 0.50 THEN 1 WHEN r_depth < 0.79 THEN 2
            WHEN r_depth < 0.89 THEN 3 ELSE 4 END AS depth
FROM (SELECT s AS id,
             date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
               - interval '1 day' * $DAYS + random() * interval '1 day' * ($DAYS - 0.05) AS t0,
             random() AS r_n, random() AS r_len, random() AS r_len2, random() AS r_depth,
             CASE WHEN random() < 0.3 THEN 'u' || floor(random() * 60000)::int END AS user_id
      FROM generate_series(1, $nsess) s) x;
-- received_at = event_time: history received when it happened. Left at its default, every
-- generated row would carry this statement's start time, and the incremental refresh
-- below (which re-reads events received up to 60 s before the last refresh) would re-read
-- the whole load whenever generating took less than 60 s. Rows go in in received_at
-- order (ORDER BY below), as the writer stores them: the BRIN index on received_at is
-- only of use to the planner when the table's order follows it.
INSERT INTO events (event_id, event_time, received_at, event_type, source, anonymous_id, session_id, user_id, page_url, product_id)
SELECT gen_random_uuid(), e.t0 + e.i * interval '25 seconds' + e.r_time * interval '20 seconds',
       e.t0 + e.i * interval '25 seconds' + e.r_time * interval '20 seconds', e.type, 'web',
       'a' || (e.id % 350000), 'bench-' || e.id, e.user_id,
       'https://shop.example/' || e.type || '/' || e.i,
       CASE WHEN e.type IN ('product_view', 'add_to_cart', 'purchase')
            THEN p.ids[1 + floor(e.r_prod * e.r_prod * array_length(p.ids, 1))::int] END
FROM (SELECT s.*, CASE
          WHEN i = 0 THEN 'page_view'
          WHEN s.depth >= 4 AND i = s.n - 1 THEN 'purchase'
          WHEN s.depth >= 3 AND i = s.n - 2 THEN 'checkout_start'
          WHEN s.depth >= 2 AND i > 1 AND r_type < 0.12 THEN 'add_to_cart'
          ELSE (ARRAY['page_view', 'page_view', 'search', 'product_view', 'product_view',
                      'product_view', 'product_view'])[1 + floor(r_type2 * 7)::int] END AS type
      FROM (SELECT s.*, i, random() AS r_time, random() AS r_prod, random() AS r_type,
                   random() AS r_type2
            FROM sess s, generate_series(0, s.n - 1) i) s) e
CROSS JOIN prod p
ORDER BY 2
LIMIT $EVENTS
ON CONFLICT DO NOTHING;
EOF
    sf_log "VACUUM ANALYZE events"
    pg_admin_sql <<<'\c storefront
SET statement_timeout = 0;
VACUUM ANALYZE events;' >/dev/null || sf_die "VACUUM ANALYZE failed"
}

# median N... — the median of the numbers given.
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }

# ms_of CMD... — wall time of a command, in ms.
ms_of() {
    local t0 t1
    t0="$(now)"
    "$@" >/dev/null
    t1="$(now)"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }'
}

# time_endpoint NAME PATH — one warm-up call (must answer 200), then RUNS timed calls.
time_endpoint() {
    local name="$1" path="$2" i code t
    local -a ts=()
    code="$(curl -s -o "$TMP_DIR/$name.json" -w '%{http_code}' --max-time 30 \
        -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API_PORT$path")"
    [[ "$code" == 200 ]] || { cat "$TMP_DIR/$name.json" >&2; sf_die "GET $path answered $code"; }
    save "$name.json" "$TMP_DIR/$name.json"
    for ((i = 0; i < RUNS; i++)); do
        t="$(curl -s -o /dev/null -w '%{time_total}' --max-time 30 \
            -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API_PORT$path")"
        ts+=("$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')")
    done
    read -r "T_MIN[$name]" "T_MED[$name]" "T_MAX[$name]" < <(printf '%s\n' "${ts[@]}" | sort -n |
        awk '{ v[NR] = $1 } END { print v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }')
    printf '  %-34s min %7s  median %7s  max %7s ms   %s\n' "$name" "${T_MIN[$name]}" "${T_MED[$name]}" \
        "${T_MAX[$name]}" "$path"
}

cleanup() {
    local rc=$?
    trap '' INT TERM
    set +e
    if [[ -n "$NODE_PID" ]] && kill -0 "$NODE_PID" 2>/dev/null; then
        kill -TERM "$NODE_PID" 2>/dev/null
        wait "$NODE_PID" 2>/dev/null
    fi
    bench_teardown
    exit "$rc"
}

main() {
    local load_before pg_port stamp rate_without rate_with rate_brin nev nsess refresh_full refresh_incr round
    local -a rates_without=() rates_with=() rates_brin=()
    local from to from7 sid
    check_settings
    cd "$SF_ROOT"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    RESULTS_DIR="${RESULTS_DIR-$BENCH_DIR/results/$stamp-analytics}"
    [[ -n "$RESULTS_DIR" ]] && mkdir -p -- "$RESULTS_DIR"

    bench_binary
    [[ -x "$PG_BIN/pgbench" ]] || sf_die "$PG_BIN/pgbench not found (postgresql-15)"
    bench_tmp_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    pg_port="$(sf_pick_free_port)"
    API_PORT="$(sf_pick_free_port "$pg_port")"
    pg_start "$PG_DIR" "$pg_port" # durable: fsync, synchronous_commit, full_page_writes on
    start_jwks
    SERVER_ENV=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL"
        LOG_LEVEL=warning ANALYTICS_REFRESH_SECONDS=0
        COGNITO_ISSUER="$ISSUER" COGNITO_JWKS_URL="$JWKS_URL" COGNITO_ALLOW_HTTP=1 COGNITO_CLIENT_IDS="$CLIENT_ID")
    sf_log "migrating and seeding (sample catalog)"
    bench_migrate_seed -- "${SERVER_ENV[@]}"
    bench_serve "${SERVER_ENV[@]}"
    sql >/dev/null <<<"SELECT events_partitions_ensure((now() AT TIME ZONE 'UTC')::date - $DAYS - 1, (now() AT TIME ZONE 'UTC')::date + 1);"

    # The machine is shared and noisy: INSERT_ROUNDS alternating rounds of each variant,
    # medians compared.
    for ((round = 1; round <= INSERT_ROUNDS; round++)); do
        sf_log "insert rate round $round/$INSERT_ROUNDS: no analytics index; the BRIN (as shipped); BRIN + a session_id btree"
        sql >/dev/null <<<'DROP INDEX events_received_brin;'
        rates_without+=("$(insert_rate "without-$round")")
        sql >/dev/null <<<'CREATE INDEX events_received_brin ON events USING brin (received_at);'
        rates_brin+=("$(insert_rate "brin-$round")")
        sql >/dev/null <<<'CREATE INDEX events_session ON events (session_id, event_time) WHERE session_id IS NOT NULL;'
        rates_with+=("$(insert_rate "with-$round")")
        sql >/dev/null <<<'DROP INDEX events_session;'
    done
    rate_without="$(median "${rates_without[@]}")"
    rate_with="$(median "${rates_with[@]}")"
    rate_brin="$(median "${rates_brin[@]}")"
    sql -c "TRUNCATE $(sql -c "SELECT events_partition_name((now() AT TIME ZONE 'UTC')::date)" | tail -n1)" >/dev/null

    generate
    nev="$(sql -c 'SELECT count(*) FROM events' | tail -n1)"
    refresh_full="$(ms_of refresh)"
    nsess="$(sql -c 'SELECT count(*) FROM analytics_sessions' | tail -n1)"
    sql >/dev/null <<EOF
INSERT INTO events (event_id, event_time, event_type, source, session_id, product_id)
SELECT gen_random_uuid(), greatest(now() - random() * interval '1 hour', date_trunc('day', now(), 'UTC')),
       'product_view', 'web',
       'bench-incr-' || (g % 1000), 1 FROM generate_series(1, $INCR_EVENTS) g;
EOF
    refresh_incr="$(ms_of refresh)"
    pg_admin_sql <<<'\c storefront
ANALYZE analytics_sessions; ANALYZE analytics_hourly;' >/dev/null

    to="$(date -u +%Y-%m-%d)"
    from="$(date -u -d "$DAYS days ago" +%Y-%m-%d)"
    from7="$(date -u -d '7 days ago' +%Y-%m-%d)"
    sid="$(sql -c "SELECT session_id FROM analytics_sessions WHERE session_id LIKE 'bench-%' AND event_count > 20 LIMIT 1" | tail -n1)"

    HEADER="$(
        printf 'date        %s (UTC)\n' "$(date -u '+%Y-%m-%d %H:%M')"
        printf 'machine     %s CPUs (%s), %s MB RAM; load average before the run: %s\n' "$NPROC" \
            "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
            "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$load_before"
        printf 'code        %s%s\n' "$(git -C "$SF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
            "$(git -C "$SF_ROOT" diff --quiet HEAD -- api include schema 2>/dev/null || echo ' (modified)')"
        printf 'postgres    15, throw-away DURABLE cluster (fsync, synchronous_commit on), shared_buffers 128MB\n'
        printf 'data        %s events, %s sessions over %s days\n' "$nev" "$nsess" "$DAYS"
    )"
    {
        printf '\n%s\n\n' "$HEADER"
        printf 'ingestion (pgbench, %s clients, 500-event INSERT ... ON CONFLICT DO NOTHING per transaction):\n' "$INSERT_CLIENTS"
        printf '  no analytics index (0009 alone)                %8s events/s (median; runs: %s)\n' "$rate_without" "${rates_without[*]}"
        printf '  + events_received_brin (0010, as shipped)      %8s events/s (%s %%; runs: %s)\n' "$rate_brin" \
            "$(awk -v a="$rate_brin" -v b="$rate_without" 'BEGIN { printf "%+.0f", (a / b - 1) * 100 }')" "${rates_brin[*]}"
        printf '  + a btree on (session_id, event_time) (rejected) %6s events/s (%s %%; runs: %s)\n' "$rate_with" \
            "$(awk -v a="$rate_with" -v b="$rate_without" 'BEGIN { printf "%+.0f", (a / b - 1) * 100 }')" "${rates_with[*]}"
        printf 'event mix: %s\n' "$(sql -c "SELECT string_agg(event_type || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT event_type, count(*) n FROM events GROUP BY 1) x" | tail -n1)"
        printf 'rollup refresh: first (all %s events) %s ms; after %s new events %s ms\n\n' "$nev" "$refresh_full" \
            "$INCR_EVENTS" "$refresh_incr"
        printf 'endpoints through HTTP (%s runs after one warm-up; curl time_total):\n' "$RUNS"
        time_endpoint funnel_all "/v1/admin/analytics/funnel?from=$from&to=$to"
        time_endpoint funnel_7d "/v1/admin/analytics/funnel?from=$from7&to=$to"
        time_endpoint funnel_custom "/v1/admin/analytics/funnel?from=$from&to=$to&steps=page_view,search,product_view,add_to_cart,purchase"
        time_endpoint top_views "/v1/admin/analytics/top-products?from=$from&to=$to&metric=views&limit=20"
        time_endpoint top_conversion "/v1/admin/analytics/top-products?from=$from&to=$to&metric=conversion&limit=20"
        time_endpoint traffic_day "/v1/admin/analytics/traffic?from=$from&to=$to&interval=day"
        time_endpoint traffic_hour_7d "/v1/admin/analytics/traffic?from=$from7&to=$to&interval=hour"
        time_endpoint session_path "/v1/admin/analytics/sessions/$sid"
        printf '\nfunnel over %s events: median %s ms (target <= %s ms: %s)\n' "$nev" "${T_MED[funnel_all]}" "$TARGET_MS" \
            "$(awk -v m="${T_MED[funnel_all]}" -v t="$TARGET_MS" 'BEGIN { print (m <= t ? "met" : "NOT met") }')"
        printf 'funnel answer: %s\n' "$(cat "$TMP_DIR/funnel_all.json")"
    } | { if [[ -n "$RESULTS_DIR" ]]; then tee "$RESULTS_DIR/summary.txt"; else cat; fi; }
    printf 'load average after the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
}

main "$@"
