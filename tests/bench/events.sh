#!/usr/bin/env bash
# tests/bench/events.sh — clickstream ingestion benchmark: prints figures, never fails on them.
#
# Why: the issue asks for ≥ 100,000 events/s into PostgreSQL from 64 connections posting
# batches of 50 (POST /v1/events, each answered only after its group commit), and for
# that rate to be ≥ 50 % of a plain COPY of the same rows into the same table, measured
# in the same run on a DURABLE cluster (fsync, synchronous_commit and full_page_writes on:
# a commit waits for the disk, which is exactly what group commit amortises).
#
# What it does, from a clean checkout:
#   1. localstack/bootstrap.sh, builds into build/ (RelWithDebInfo) unless STOREFRONT_BIN
#      is given; a throw-away but durable PostgreSQL (localstack/postgres.sh, no
#      --ephemeral) on a free loopback port; `storefront migrate`, `storefront seed`;
#   2. `storefront serve` (LOG_LEVEL=warning, the anonymous rate limit lifted: all load
#      comes from 127.0.0.1), which creates the day partitions at start-up;
#   3. wrk (CONNECTIONS, WRK_THREADS, WARMUP s warm-up, then DURATION s) posting BATCH-event
#      JSON arrays with new UUID-shaped ids (tests/bench/events.lua); events/s = rows
#      that arrived in `events` during the measured run ÷ its duration (checked against
#      wrk's 2xx count × BATCH), p50/p99 per request, CPU split, server RSS, and the
#      writer's flush count from /metrics (events per commit);
#   4. the baseline: the same number of equivalent rows (same columns, similar sizes,
#      today's partition) generated into a file first, then one `\copy events FROM` file
#      timed (psql over TCP, one transaction);
#   5. a summary: both rates, the ratio, and the targets (informational);
#   6. stops everything it started (trap), whatever happens.
#
# Environment (defaults):
#   DURATION (20)  WARMUP (5)  CONNECTIONS (64)  WRK_THREADS (2)  BATCH (50)
#   HTTP_THREADS, EVENTS_FLUSH_MS, EVENTS_WRITER_THREADS, EVENTS_QUEUE_MAX,
#   EVENTS_INSERT_METHOD (unnest | copy)
#                  passed to the server when set (its defaults otherwise)
#   STOREFRONT_BIN use this binary, skip the build; BUILD_DIR (build)
#   RESULTS_DIR    raw outputs + summary (default tests/bench/results/<UTC time>-events,
#                  git-ignored; empty: keep nothing)
#
# Usage: tests/bench/events.sh        e.g. DURATION=5 WARMUP=2 tests/bench/events.sh

# shellcheck disable=SC2317  # cleanup is reached through `trap`
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=tests/bench/lib.sh
source "$BENCH_DIR/lib.sh"

DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
BATCH="${BATCH:-50}"
BUILD_DIR="${BUILD_DIR:-build}"
READY_TIMEOUT=60
TARGET_EPS=100000
TARGET_RATIO_PCT=50

declare -A ROWS_BEFORE ROWS_AFTER FLUSH_BEFORE FLUSH_AFTER
COPY_ROWS=0
COPY_SECS=""

check_settings() {
    local v
    for v in DURATION WARMUP CONNECTIONS WRK_THREADS BATCH; do
        is_uint "${!v}" || sf_die "$v must be a non-negative integer, got \"${!v}\""
    done
    ((DURATION >= 1 && CONNECTIONS >= 1 && WRK_THREADS >= 1 && BATCH >= 1 && BATCH <= 500)) ||
        sf_die "DURATION, CONNECTIONS, WRK_THREADS must be at least 1, BATCH 1..500"
    ((CONNECTIONS >= WRK_THREADS)) || sf_die "CONNECTIONS must be >= WRK_THREADS"
}

event_rows() { app_psql -U storefront -d storefront -c 'SELECT count(*) FROM events'; }
flushes() {
    curl -s --max-time 5 "http://127.0.0.1:$API_PORT/metrics" 2>/dev/null |
        awk '/^storefront_events_flushes_total / { print $2 }'
}
before_measure() {
    ROWS_BEFORE[$1]="$(event_rows)"
    FLUSH_BEFORE[$1]="$(flushes)"
}
after_measure() {
    ROWS_AFTER[$1]="$(event_rows)"
    FLUSH_AFTER[$1]="$(flushes)"
}

sanity_check() {
    local code body
    body="[{\"event_id\":\"$(cat /proc/sys/kernel/random/uuid)\",\"event_type\":\"page_view\",\"timestamp\":$(($(date +%s) * 1000))}]"
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' \
        --data-binary "$body" "http://127.0.0.1:$API_PORT/v1/events" || true)"
    [[ "$code" == 200 ]] || sf_die "POST /v1/events answered $code before the benchmark (log: $SERVER_LOG)"
    printf '    POST /v1/events (1 event) %s\n' "$code"
}

# copy_baseline N — N rows like the ones wrk sent, into a file, then one timed \copy.
copy_baseline() {
    local n="$1" file="$TMP_DIR/copy.tsv" t0 t1
    COPY_ROWS="$n"
    ((n > 0)) || return 0
    sf_log "COPY baseline: generating $n equivalent rows"
    app_psql -U storefront -d storefront -c "\\copy (SELECT gen_random_uuid(), now(), 'page_view', 'web',
        'anon-' || (g % 1000), 'sess-' || (g % 5000),
        'https://shop.example.com/products/item-' || (g % 200),
        json_build_object('ab', 'b', 'n', g % 50)::text, 'curl/8 wrk', '127.0.0.0'
        FROM generate_series(1, $n) g) TO '$file'"
    sf_log "COPY baseline: \\copy events FROM a file of $n rows"
    t0="$(now)"
    app_psql -U storefront -d storefront -c "\\copy events (event_id, event_time, event_type, source,
        anonymous_id, session_id, page_url, props, user_agent, client_ip) FROM '$file'"
    t1="$(now)"
    COPY_SECS="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
}

cleanup() {
    local rc=$?
    trap '' INT TERM
    set +e
    bench_teardown
    ((rc == 0)) || printf 'events benchmark: aborted (exit %s)\n' "$rc" >&2
    exit "$rc"
}

main() {
    local pg_port stamp load_before eps wrk_eps copy_eps per_flush
    check_settings
    cd "$SF_ROOT"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    RESULTS_DIR="${RESULTS_DIR-$BENCH_DIR/results/$stamp-events}"
    [[ -n "$RESULTS_DIR" ]] && mkdir -p -- "$RESULTS_DIR"

    bench_binary
    bench_tmp_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    pg_port="$(sf_pick_free_port)"
    API_PORT="$(sf_pick_free_port "$pg_port")"
    pg_start "$PG_DIR" "$pg_port" # durable: no --ephemeral
    local -a env=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL" LOG_LEVEL=warning
        EVENTS_RATE_PER_SECOND=1000000 EVENTS_RATE_BURST=1000000)
    local v
    for v in HTTP_THREADS EVENTS_FLUSH_MS EVENTS_WRITER_THREADS EVENTS_QUEUE_MAX EVENTS_INSERT_METHOD; do
        [[ -n "${!v:-}" ]] && env+=("$v=${!v}")
    done
    sf_log "migrating and seeding (sample catalog)"
    bench_migrate_seed -- "${env[@]}"
    sf_log "starting the server on 127.0.0.1:$API_PORT"
    bench_serve "${env[@]}"
    sanity_check

    BENCH_BEFORE_MEASURE=before_measure BENCH_AFTER_MEASURE=after_measure \
        run_wrk_measure ingest "POST /v1/events, $BATCH events per request" \
        -s "$BENCH_DIR/events.lua" "http://127.0.0.1:$API_PORT/v1/events" -- "$BATCH"
    local rows=$((ROWS_AFTER[ingest] - ROWS_BEFORE[ingest]))
    copy_baseline "$rows"

    eps="$(awk -v r="$rows" -v d="$DURATION" 'BEGIN { printf "%.0f", r / d }')"
    wrk_eps="$(awk -v q="${R_RPS[ingest]:-0}" -v b="$BATCH" 'BEGIN { printf "%.0f", q * b }')"
    copy_eps="$(awk -v r="$COPY_ROWS" -v s="${COPY_SECS:-0}" 'BEGIN { if (s > 0) printf "%.0f", r / s; else print "-" }')"
    per_flush="$(awk -v r="$rows" -v a="${FLUSH_BEFORE[ingest]:-0}" -v b="${FLUSH_AFTER[ingest]:-0}" \
        'BEGIN { if (b > a) printf "%.0f", r / (b - a); else print "-" }')"
    {
        printf '\n== Storefront clickstream ingestion benchmark — summary ==\n'
        printf 'date        %s (UTC); %s CPUs, load average before: %s\n' "$(date -u '+%Y-%m-%d %H:%M')" "$NPROC" "$load_before"
        printf 'code        %s, binary %s\n' "$(git -C "$SF_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" "$STOREFRONT_BIN"
        printf 'postgres    15, durable cluster (fsync, synchronous_commit, full_page_writes on)\n'
        printf 'load        wrk -t%s -c%s, %ss warm-up + %ss, %s events per request\n' "$WRK_THREADS" "$CONNECTIONS" "$WARMUP" "$DURATION" "$BATCH"
        printf '\ningest      %s events/s (rows that arrived ÷ %ss; wrk: %s req/s × %s = %s events/s)\n' \
            "$eps" "$DURATION" "${R_RPS[ingest]:--}" "$BATCH" "$wrk_eps"
        printf '            p50 %s ms, p99 %s ms per request; non-2xx %s, socket errors %s\n' \
            "${R_P50[ingest]:--}" "${R_P99[ingest]:--}" "${R_NON2XX[ingest]:--}" "${R_SOCKERR[ingest]:--}"
        printf '            %s events per commit; CPU%% sf/pg/wrk/other/idle %s/%s/%s/%s/%s; server RSS/HWM %s/%s MB\n' \
            "$per_flush" "${R_CPU_SF[ingest]:--}" "${R_CPU_PG[ingest]:--}" "${R_CPU_CLIENT[ingest]:--}" \
            "${R_CPU_OTHER[ingest]:--}" "${R_CPU_IDLE[ingest]:--}" "${R_RSS[ingest]:--}" "${R_HWM[ingest]:--}"
        printf 'COPY        %s rows in %s s = %s rows/s (one \\copy from a file, same table)\n' "$COPY_ROWS" "${COPY_SECS:--}" "$copy_eps"
        printf 'ratio       ingest ÷ COPY = %s %% (target ≥ %s %%); ingest vs %s events/s target: %s\n' \
            "$(awk -v a="$eps" -v b="$copy_eps" 'BEGIN { if (b != "-" && b > 0) printf "%.1f", a / b * 100; else print "-" }')" \
            "$TARGET_RATIO_PCT" "$TARGET_EPS" "$(awk -v a="$eps" -v t="$TARGET_EPS" 'BEGIN { print (a >= t ? "met" : "not met") }')"
    } | tee "${RESULTS_DIR:-/dev/null}/summary.txt" 2>/dev/null || true
}

main "$@"
