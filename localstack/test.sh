#!/usr/bin/env bash
# localstack/test.sh — `make test`: build, stand up a throw-away stack, run every test.
#
# Why: tests use real parts only (a real PostgreSQL, the real server binary), and must
# run the same on a laptop and in CI (root, no terminal, clean clone). This script does
# all set-up, on free loopback ports so it never collides with `make run`, in a temp dir
# that is removed afterwards, and stops everything it started on success, failure or
# Ctrl-C. ctest is the runner: its summary line is the verdict, its exit code ours.
#
# Usage: localstack/test.sh [CTEST_ARG...]      e.g. localstack/test.sh -L unit
# Environment:
#   SANITIZE=1    ASan + UBSan build in build-asan/ (-DSTOREFRONT_SANITIZE=ON)
#   CI=true       warnings are errors (-DSTOREFRONT_WERROR=ON); WERROR=1 does the same
#   CTEST_JOBS    parallel tests (default 2; db tests are RUN_SERIAL anyway)
# Tests get: STOREFRONT_BASE_URL (the running server), STOREFRONT_TEST_DATABASE_URL
# (scratch database storefront_dbtest, owned by role storefront, which may CREATEDB),
# STOREFRONT_TEST_ADMIN_DATABASE_URL (superuser), STOREFRONT_SERVER_DATABASE_URL (the
# database the server uses), STOREFRONT_BIN (absolute path of the server binary) and
# CORS_ALLOWED_ORIGINS (what the server was given: http://localhost:5173) and
# CLICKSTREAM_APP_IDS (likewise: storefront-web, the appId the SDK tests use).
# AWS stand-ins: s3rver, kinesalite and (unless COGNITO_ISSUER is set: then your
# COGNITO_* go to the server and tests as they are) cognito-local start on free loopback
# ports with their state in the temp dir, and provision.sh creates the user pool, app
# client, group admin, two demo users, bucket and stream in them; a failure there stops
# the run before ctest. The server gets COGNITO_ISSUER, COGNITO_JWKS_URL,
# COGNITO_CLIENT_IDS and COGNITO_ALLOW_HTTP=1; tests get those and COGNITO_ENDPOINT,
# COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, STOREFRONT_SHOPPER_EMAIL/PASSWORD,
# STOREFRONT_ADMIN_EMAIL/PASSWORD, AWS_REGION, S3_ENDPOINT, S3_BUCKET, KINESIS_ENDPOINT
# and KINESIS_STREAM (see docs/aws.md), COGNITO_LOCAL_LOG (cognito-local's log, which
# holds the confirmation code of each sign-up), plus dummy AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
# for kinesalite, so the server's forwarder runs against it.

# shellcheck disable=SC2317  # cleanup and its helpers are reached through `trap`
set -euo pipefail

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=localstack/postgres.sh
source "$SF_ROOT/localstack/postgres.sh"
# shellcheck source=localstack/emulators.sh
source "$SF_ROOT/localstack/emulators.sh"

READY_TIMEOUT=30
TMP_DIR=""
PG_DIR=""
SERVER_PID=""
SERVER_LOG=""
CTEST_LOG=""
SANITIZING=0
PROVISION_PID=""
AWS_ENV_FILE=""
PROVISION_LOG=""

# start_aws_emulators PORT… — start cognito-local (unless COGNITO_ISSUER is set), s3rver
# and kinesalite in the temp dir, then provision them in the background (a second or so
# per AWS CLI call) while PostgreSQL starts; finish_aws_emulators collects the result.
start_aws_emulators() {
    local cognito_port="$1" s3_port="$2" kinesis_port="$3" region="${AWS_REGION:-us-east-1}"
    local -a args=(--region "$region" --env-file "$AWS_ENV_FILE"
        --s3-endpoint "http://127.0.0.1:$s3_port" --kinesis-endpoint "http://127.0.0.1:$kinesis_port")
    if [[ -z "${COGNITO_ISSUER:-}" ]]; then
        emu_start_cognito "$TMP_DIR/cognito" "$cognito_port" "$region" "${region}_StoreFr01" \
            storefront-shoppers "$TMP_DIR/cognito-local.log"
        # Where cognito-local prints sign-up confirmation codes (e2e/storefront-journey).
        export COGNITO_LOCAL_LOG="$TMP_DIR/cognito-local.log"
        args+=(--services "cognito,s3,kinesis" --cognito-endpoint "http://127.0.0.1:$cognito_port"
            --issuer-domain "https://cognito-idp.$region.amazonaws.com")
    else
        sf_log "COGNITO_ISSUER is set ($COGNITO_ISSUER): using that Cognito, not cognito-local"
        args+=(--services "s3,kinesis")
    fi
    emu_start_s3 "$TMP_DIR/s3" "$s3_port" "$TMP_DIR/s3rver.log"
    emu_start_kinesis "$kinesis_port" "$TMP_DIR/kinesalite.log"
    sf_log "provisioning the emulators in the background (provision.sh)"
    "$SF_ROOT/localstack/provision.sh" "${args[@]}" >/dev/null 2>"$PROVISION_LOG" &
    PROVISION_PID=$!
}

# finish_aws_emulators — wait for provision.sh; on success export its values to the
# server and the tests, on failure stop the run before ctest with its log.
finish_aws_emulators() {
    local rc=0
    wait "$PROVISION_PID" || rc=$?
    PROVISION_PID=""
    cat "$PROVISION_LOG" >&2
    ((rc == 0)) || sf_die "provisioning the AWS emulators failed (exit $rc, log above): not running the tests"
    set -a
    # shellcheck source=/dev/null
    source "$AWS_ENV_FILE"
    set +a
    if [[ -n "${KINESIS_ENDPOINT:-}" ]]; then
        # kinesalite: forwarding is on in the test servers (KINESIS_STREAM), which need
        # credentials; dummy ones, as provision.sh uses, so real keys never reach it.
        export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
        unset AWS_SESSION_TOKEN
    fi
    if [[ -n "${COGNITO_ENDPOINT:-}" ]]; then
        # cognito-local: the server verifies its tokens; its JWKS is plain http.
        # shellcheck disable=SC2153  # COGNITO_CLIENT_ID comes from aws.env
        export COGNITO_CLIENT_IDS="$COGNITO_CLIENT_ID" COGNITO_ALLOW_HTTP=1
    fi
}

# start_server API_PORT DATABASE_URL — migrate and seed the app database, start the
# server in the background (log in the temp dir) and wait for GET /readyz = 200.
start_server() {
    local port="$1" url="$2" status="000" deadline
    local -a env_vars=(PORT="$port" LISTEN_ADDR=127.0.0.1 DATABASE_URL="$url"
        CORS_ALLOWED_ORIGINS="$CORS_ALLOWED_ORIGINS" LOG_LEVEL=info
        CLICKSTREAM_APP_IDS="$CLICKSTREAM_APP_IDS")

    sf_log "migrating and seeding database storefront"
    env "${env_vars[@]}" "$STOREFRONT_BIN" migrate || sf_die "storefront migrate failed"
    env "${env_vars[@]}" "$STOREFRONT_BIN" seed || sf_die "storefront seed failed"

    sf_log "starting the server on 127.0.0.1:$port (log: $SERVER_LOG)"
    env "${env_vars[@]}" "$STOREFRONT_BIN" serve >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        status="$(sf_http_status "http://127.0.0.1:$port/readyz")"
        [[ "$status" == 200 ]] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || sf_die "the server exited during start-up"
        sleep 0.1
    done
    sf_die "GET /readyz did not answer 200 within ${READY_TIMEOUT}s (last status: $status)"
}

# stop_server — SIGTERM the server; return 1 (with a warning) if it had already died,
# did not exit within 10 s, or exited with a non-zero status.
stop_server() {
    local i status
    [[ -n "$SERVER_PID" ]] || return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" 2>/dev/null
        status=$?
        SERVER_PID=""
        sf_warn "the server had already exited, with status $status, before the end of the run"
        return 1
    fi
    kill -TERM "$SERVER_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=""
        sf_warn "the server did not exit within 10 s of SIGTERM (killed)"
        return 1
    fi
    wait "$SERVER_PID" 2>/dev/null
    status=$?
    SERVER_PID=""
    if ((status != 0)); then
        sf_warn "the server exited with status $status after SIGTERM"
        return 1
    fi
    return 0
}

# stop_cluster — fast stop of the throw-away cluster; immediate if that fails, so that
# removing its folder never pulls files from under a live server.
stop_cluster() {
    [[ -n "$PG_DIR" ]] || return 0
    if ! (pg_stop "$PG_DIR") >/dev/null 2>&1; then
        sf_warn "PostgreSQL did not stop cleanly; stopping it in immediate mode"
        pg_paths "$PG_DIR"
        pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DIR" -m immediate -w -t 10 -s >/dev/null 2>&1
    fi
}

# print_ctest_summary — repeat ctest's verdict (after the server log, so it stays last).
print_ctest_summary() {
    [[ -s "$CTEST_LOG" ]] || return 0
    sed -n -e '/tests passed, .* tests failed out of/p' \
        -e '/^The following tests FAILED:/,/^[^[:space:]]/{/^The following/p;/^[[:space:]]/p}' \
        "$CTEST_LOG"
}

# cleanup — runs on every exit: stop the server, the emulators and the cluster, remove the temp dir,
# show the server log tail when something failed, and print one verdict line.
cleanup() {
    local rc=$? server_ok=1
    # A second Ctrl-C must not interrupt the clean-up half-way.
    trap '' INT TERM
    set +e
    stop_server || server_ok=0
    if [[ -n "$PROVISION_PID" ]]; then
        kill -TERM "$PROVISION_PID" 2>/dev/null
        wait "$PROVISION_PID" 2>/dev/null
    fi
    emu_stop_all || sf_warn "an AWS emulator had to be killed"
    # With sanitizers, errors in the server show up as a non-zero exit at shutdown.
    if ((server_ok == 0 && SANITIZING && rc == 0)); then
        sf_warn "failing the run: the sanitized server did not shut down cleanly"
        rc=1
    fi
    if ((rc != 0 || server_ok == 0)) && [[ -s "$SERVER_LOG" ]]; then
        printf '\n---- last 40 lines of the server log ----\n' >&2
        tail -n 40 "$SERVER_LOG" >&2
        printf -- '---- end of the server log ----\n' >&2
    fi
    stop_cluster
    if ((rc != 0)); then
        print_ctest_summary
    fi
    [[ -n "$TMP_DIR" ]] && rm -rf -- "$TMP_DIR"
    if ((rc == 0)); then
        printf 'make test: OK\n'
    else
        printf 'make test: FAILED (exit %s)\n' "$rc"
    fi
    exit "$rc"
}

main() {
    local build_dir=build werror=OFF sanitize=OFF pg_port api_port rc
    local cognito_port s3_port kinesis_port
    if [[ "${SANITIZE:-0}" == 1 ]]; then
        build_dir=build-asan
        sanitize=ON
        SANITIZING=1
        # Tests and server alike: report with stacks, stop at the first UB.
        export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}"
        export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
        # Leaks inside system libraries we cannot fix go in tests/lsan.supp, if needed.
        if [[ -z "${LSAN_OPTIONS:-}" && -f "$SF_ROOT/tests/lsan.supp" ]]; then
            export LSAN_OPTIONS="suppressions=$SF_ROOT/tests/lsan.supp:print_suppressions=0"
        fi
    fi
    if [[ "${CI:-}" == true || "${WERROR:-0}" == 1 ]]; then
        werror=ON
    fi
    cd "$SF_ROOT"

    "$SF_ROOT/localstack/bootstrap.sh"
    sf_build "$build_dir" -DSTOREFRONT_WERROR="$werror" -DSTOREFRONT_SANITIZE="$sanitize"
    export STOREFRONT_BIN="$SF_ROOT/$build_dir/storefront"
    [[ -x "$STOREFRONT_BIN" ]] || sf_die "the build produced no $build_dir/storefront"

    TMP_DIR="$(mktemp -d -t storefront-test.XXXXXX)"
    # Traverse-only, so the cluster's OS user (storefront-pg, as root) can reach its folder.
    chmod 711 "$TMP_DIR"
    PG_DIR="$TMP_DIR/pg/data"
    SERVER_LOG="$TMP_DIR/server.log"
    AWS_ENV_FILE="$TMP_DIR/aws.env"
    PROVISION_LOG="$TMP_DIR/provision.log"
    CTEST_LOG="$TMP_DIR/ctest.log"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    pg_port="$(sf_pick_free_port)"
    api_port="$(sf_pick_free_port "$pg_port")"
    cognito_port="$(sf_pick_free_port "$pg_port" "$api_port")"
    s3_port="$(sf_pick_free_port "$pg_port" "$api_port" "$cognito_port")"
    kinesis_port="$(sf_pick_free_port "$pg_port" "$api_port" "$cognito_port" "$s3_port")"
    start_aws_emulators "$cognito_port" "$s3_port" "$kinesis_port"
    pg_start "$PG_DIR" "$pg_port" --ephemeral
    pg_admin_sql <<'EOF' || sf_die "could not create database storefront_dbtest"
ALTER ROLE storefront CREATEDB;
CREATE DATABASE storefront_dbtest OWNER storefront;
EOF
    export STOREFRONT_SERVER_DATABASE_URL="$PG_DATABASE_URL"
    export STOREFRONT_TEST_DATABASE_URL="${PG_DATABASE_URL%/storefront}/storefront_dbtest"
    export STOREFRONT_TEST_ADMIN_DATABASE_URL="$PG_ADMIN_DATABASE_URL"
    # Fixed, whatever the caller's environment says: the CORS tests read it too.
    export CORS_ALLOWED_ORIGINS=http://localhost:5173
    export CLICKSTREAM_APP_IDS=storefront-web
    # >>> test-stack stripe (the Stripe stand-in): insert below this line
    # Card payments against the stand-in, as make run has them: its webhooks, signed with
    # the shared server's STRIPE_WEBHOOK_SECRET, go to the shared server (the README money
    # tour confirms a payment there). Tests that need another set-up start their own
    # servers with their own sk_test_ key (an account of its own in the stand-in).
    local stripe_port
    stripe_port="$(sf_pick_free_port "$pg_port" "$api_port" "$cognito_port" "$s3_port" "$kinesis_port")"
    export STRIPE_WEBHOOK_SECRET=whsec_storefront_shared_0123456789
    STRIPE_API_KEY=sk_test_storefront_shared STRIPE_WEBHOOK_URL="http://127.0.0.1:$api_port/v1/payments/webhook" \
        emu_start_stripe "$stripe_port" "$TMP_DIR/stripe-fake.log"
    export STRIPE_API_KEY=sk_test_storefront_shared STRIPE_ALLOW_HTTP=1
    export STRIPE_API_BASE="http://127.0.0.1:$stripe_port" STRIPE_FAKE_URL="http://127.0.0.1:$stripe_port"
    # No refund sender unless a test asks for one (REFUND_RESEND_SECONDS): the run's
    # servers share one database but each has its own stand-in account, so a sender would
    # send another server's unanswered refunds (and PaymentIntent cancels) with its own
    # key (an unknown PaymentIntent there, a refusal) and fail them.
    export REFUND_RESEND_SECONDS=0
    # <<< test-stack stripe
    # >>> test-stack mail (aws-ses-v2-local, the SES stand-in): insert below this line
    # aws-ses-v2-local: the servers send order e-mails there (MAIL_FROM set), and the
    # tests read what arrived from $SES_URL/store. Dummy keys unless finish_aws_emulators
    # sets s3rver's (the emulator checks only that a signature is there).
    local ses_port
    ses_port="$(sf_pick_free_port "$pg_port" "$api_port" "$cognito_port" "$s3_port" "$kinesis_port")"
    emu_start_ses "$ses_port" "$TMP_DIR/aws-ses-v2-local.log"
    export SES_URL="http://127.0.0.1:$ses_port"
    export SES_ENDPOINT="$SES_URL" SES_ALLOW_HTTP=1 MAIL_POLL_MS=250
    export MAIL_FROM="Storefront Test <orders@storefront.test>" SHOP_NAME="Storefront Test"
    export SHOP_ADDRESS="1 Test Street, 10115 Berlin" SHOP_URL="http://localhost:5173"
    export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-SESLOCAL}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-SESLOCAL}"
    # Every server of the run shares one CURSOR_SECRET, as a deployment's instances must:
    # a guest order's e-mail may be rendered by another server's mailer than the one that
    # answers its link (docs/checkout.md, "Guest links in e-mails").
    export CURSOR_SECRET="${CURSOR_SECRET:-storefront-test-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
    # <<< test-stack mail
    # >>> test-stack webhooks (partner webhooks): insert below this line
    # The tests' receivers listen on 127.0.0.1 (refused in production: SSRF), and short
    # delays so retries after an outage happen within a test (docs/webhooks.md).
    export WEBHOOK_ALLOW_PRIVATE_TARGETS=1 WEBHOOK_BACKOFF_MAX_SECONDS=2 WEBHOOK_TIMEOUT_MS=3000
    export WEBHOOK_POLL_MS=200
    # <<< test-stack webhooks
    # >>> test-stack spa (the reference SPA and the browser journey): insert below this line
    # Nothing to start: e2e/storefront-journey builds the SPA itself, serves it on a port of
    # its own and starts a server whose CORS_ALLOWED_ORIGINS is that origin.
    # <<< test-stack spa
    # >>> test-stack postman (the newman scenario): insert below this line
    # <<< test-stack postman
    finish_aws_emulators

    start_server "$api_port" "$PG_DATABASE_URL"
    export STOREFRONT_BASE_URL="http://127.0.0.1:$api_port"

    sf_log "running the tests (server $STOREFRONT_BASE_URL, PostgreSQL 127.0.0.1:$pg_port)"
    set +e
    ctest --test-dir "$SF_ROOT/$build_dir" --output-on-failure --no-tests=error \
        --timeout 300 -j"${CTEST_JOBS:-2}" "$@" 2>&1 | tee "$CTEST_LOG"
    rc=${PIPESTATUS[0]}
    set -e
    exit "$rc"
}

main "$@"
