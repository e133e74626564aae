#!/usr/bin/env bash
# tests/bench/forward.sh — Kinesis forwarding throughput: prints figures, never fails on them.
#
# Why: the forwarder (api/clickstream/forwarder.c) drains the outbox one transaction per
# PutRecords; how fast it catches up after an outage decides how long Kinesis lags. This
# measures the drain of a backlog: EVENTS events (with their outbox rows, inserted in one
# transaction as the writer would over time) shipped to kinesalite by a server started
# afterwards, from its start to an empty outbox. kinesalite (Node, in memory) is not
# Kinesis: the figure bounds the forwarder + PostgreSQL side from below, it is not a
# Kinesis capacity figure (a real shard takes 1,000 records/s).
#
# What it does: bootstrap + build (or STOREFRONT_BIN), a DURABLE throw-away PostgreSQL
# (fsync on: the deletes and updates of the outbox are the cost), kinesalite on loopback,
# migrate, insert, serve, poll the outbox until empty, print one BENCH line, stop
# everything (trap).
#
# Usage: tests/bench/forward.sh        Environment: EVENTS (default 20000),
# FORWARD_BATCH_MAX (default 500), BUILD_DIR (default build-bench).
# shellcheck disable=SC2317  # cleanup is reached through `trap`
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/bench/lib.sh
source "$BENCH_DIR/lib.sh"
# shellcheck source=localstack/emulators.sh
source "$SF_ROOT/localstack/emulators.sh"

EVENTS="${EVENTS:-20000}"
BATCH="${FORWARD_BATCH_MAX:-500}"
BUILD_DIR="${BUILD_DIR:-build-bench}"
READY_TIMEOUT=30
RESULTS_DIR=""

cleanup() {
    trap '' INT TERM
    set +e
    bench_teardown
    emu_stop_all
}

# kinesis_call OP JSON — one unsigned-but-SigV4-shaped call (kinesalite checks the shape).
kinesis_call() {
    curl -sf "http://127.0.0.1:$1" -H 'Content-Type: application/x-amz-json-1.1' \
        -H "X-Amz-Target: Kinesis_20131202.$2" -H 'X-Amz-Date: 20260101T000000Z' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=S3RVER/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00' \
        -d "$3"
}

main() {
    local pg_port k_port t0 t1 left requests secs
    is_uint "$EVENTS" || sf_die "EVENTS must be a number"
    bench_binary
    bench_tmp_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    pg_port="$(sf_pick_free_port)"
    API_PORT="$(sf_pick_free_port "$pg_port")"
    k_port="$(sf_pick_free_port "$pg_port" "$API_PORT")"
    emu_start_kinesis "$k_port" "$TMP_DIR/kinesalite.log"
    pg_start "$PG_DIR" "$pg_port"
    local -a env_vars=(PORT="$API_PORT" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$PG_DATABASE_URL"
        LOG_LEVEL=warning KINESIS_STREAM=bench KINESIS_ENDPOINT="http://127.0.0.1:$k_port"
        AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
        FORWARD_BATCH_MAX="$BATCH" FORWARD_POLL_MS=100)
    env "${env_vars[@]}" "$STOREFRONT_BIN" migrate >"$TMP_DIR/migrate.log" 2>&1 || sf_die "migrate failed"
    kinesis_call "$k_port" CreateStream '{"StreamName":"bench","ShardCount":4}' >/dev/null ||
        sf_die "CreateStream failed"
    sleep 1
    sf_log "inserting $EVENTS events and their outbox rows"
    app_psql -U storefront -d storefront <<SQL >/dev/null
SELECT events_partitions_ensure((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 1);
BEGIN;
INSERT INTO events (event_id, event_time, event_type, source, anonymous_id, session_id, page_url,
    referrer, product_id, props, user_agent, client_ip)
SELECT gen_random_uuid(), now() - i * interval '1 ms', 'product_view', 'web', 'anon-' || (i % 997),
    'sess-' || (i % 4999), 'https://shop.example.com/products/item-' || (i % 500) || '?ref=home',
    'https://www.example.com/', i % 500, jsonb_build_object('position', i % 20, 'list', 'home'),
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
    '203.0.113.0'
FROM generate_series(1, $EVENTS) AS i;
INSERT INTO event_outbox (event_id, event_time) SELECT event_id, event_time FROM events ORDER BY event_time;
COMMIT;
VACUUM ANALYZE events, event_outbox;
SQL
    t0="$(now)"
    bench_serve "${env_vars[@]}"
    while :; do
        left="$(app_psql -U storefront -d storefront -c 'SELECT count(*) FROM event_outbox')"
        [[ "$left" == 0 ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || sf_die "the server died (log: $SERVER_LOG)"
        sleep 0.05
    done
    t1="$(now)"
    requests="$(curl -s "http://127.0.0.1:$API_PORT/metrics" | sed -n 's/^storefront_forwarder_requests_total //p')"
    secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
    printf 'BENCH forward events=%s batch_max=%s seconds=%s events_per_s=%.0f requests=%s rss_mb=%s\n' \
        "$EVENTS" "$BATCH" "$secs" "$(awk -v n="$EVENTS" -v s="$secs" 'BEGIN { print n / s }')" \
        "$requests" "$(kb_to_mb "$(server_status_kb VmRSS)")"
}

main "$@"
