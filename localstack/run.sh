#!/usr/bin/env bash
# localstack/run.sh — `make run`: everything from a fresh Debian 12 machine to a serving
# API on http://127.0.0.1:8080, in the foreground.
#
# Why: one command should be all a developer needs. It installs what is missing
# (bootstrap.sh), builds, starts the local PostgreSQL cluster in .local/pg (kept between
# runs, so data survives), migrates and seeds it, then serves. Ctrl-C (or SIGTERM) stops
# the server and then the cluster.
# Sign-in: unless COGNITO_ISSUER is set (then the server gets your COGNITO_* as they are),
# it also starts cognito-local on 127.0.0.1:9229 with its state in .local/cognito (kept
# between runs), provisions the user pool, app client, group admin and two demo users
# with provision.sh (idempotent: a second run finds them), hands the server
# COGNITO_ISSUER, COGNITO_JWKS_URL, COGNITO_ENDPOINT, COGNITO_CLIENT_IDS and
# COGNITO_ALLOW_HTTP=1, and prints how to get a token. With it, s3rver (S3) on
# 127.0.0.1:4569 with its objects in .local/s3 and the product-image bucket, so staff can
# upload images through presigned URLs (S3_BUCKET, S3_ENDPOINT and s3rver's dummy keys go
# to the server). The Kinesis emulator is not started (make test does).
#
# Usage: localstack/run.sh [--build-only | --generate-only | --print-try-it]
#   --generate-only: install, configure and generate build/generated/ (sfgen) only, for
#   make lint, which reads the generated headers without compiling the rest.
#   --print-try-it: print the README's "Try it" commands as make run prints them, and exit.
# Environment (defaults): PORT (8080), LISTEN_ADDR (127.0.0.1), PGPORT (5433),
#   CORS_ALLOWED_ORIGINS (http://localhost:5173), LOG_LEVEL (info), COGNITO_PORT (9229),
#   S3_PORT (4569: s3rver), STRIPE_FAKE_PORT (12111: the Stripe stand-in), SES_PORT (8005:
#   aws-ses-v2-local),
#   AWS_REGION (us-east-1: the region in the local pool's id and issuer),
#   CLICKSTREAM_APP_IDS (storefront-web: the appId of the Clickstream SDK's local config).
set -euo pipefail

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=localstack/postgres.sh
source "$SF_ROOT/localstack/postgres.sh"
# shellcheck source=localstack/emulators.sh
source "$SF_ROOT/localstack/emulators.sh"

BUILD_DIR=build
BIN="$SF_ROOT/$BUILD_DIR/storefront"
PG_DIR="$SF_ROOT/.local/pg/data"
SERVER_PID=""
COGNITO_DIR="$SF_ROOT/.local/cognito"
# A real-format pool id (region_ + 9 alphanumerics): cognito-local's own CreateUserPool
# would make local_XXXXXXXX (see emulators.sh).
COGNITO_LOCAL_POOL_ID_SUFFIX=StoreFr01
LOCAL_COGNITO=0
PROVISION_PID=""

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
    if ((LOCAL_COGNITO)) && sf_port_in_use "$COGNITO_PORT"; then
        sf_die "port $COGNITO_PORT on 127.0.0.1 (cognito-local) is already taken (another 'make run'?): stop that program or use another port, e.g. COGNITO_PORT=9230 make run"
    fi
    if ((LOCAL_COGNITO)) && sf_port_in_use "$S3_PORT"; then
        sf_die "port $S3_PORT on 127.0.0.1 (s3rver) is already taken (another 'make run'?): stop that program or use another port, e.g. S3_PORT=4570 make run"
    fi
}

# start_local_cognito — start cognito-local in .local/cognito and provision it in the
# background (provision.sh takes a second or so per AWS CLI call) while PostgreSQL
# starts; finish_local_cognito collects the result.
start_local_cognito() {
    local region="${AWS_REGION:-us-east-1}"
    emu_start_cognito "$COGNITO_DIR" "$COGNITO_PORT" "$region" \
        "${region}_$COGNITO_LOCAL_POOL_ID_SUFFIX" storefront-shoppers "$COGNITO_DIR/cognito-local.log"
    mkdir -p "$SF_ROOT/.local/s3"
    emu_start_s3 "$SF_ROOT/.local/s3" "$S3_PORT" "$SF_ROOT/.local/s3rver.log"
    sf_log "provisioning cognito-local and s3rver in the background (log: $COGNITO_DIR/provision.log)"
    "$SF_ROOT/localstack/provision.sh" --services cognito,s3 --region "$region" \
        --s3-endpoint "http://127.0.0.1:$S3_PORT" \
        --cognito-endpoint "http://127.0.0.1:$COGNITO_PORT" \
        --issuer-domain "https://cognito-idp.$region.amazonaws.com" \
        --env-file "$COGNITO_DIR/aws.env" >/dev/null 2>"$COGNITO_DIR/provision.log" &
    PROVISION_PID=$!
}

# finish_local_cognito — wait for provision.sh, then give the server what it verifies
# tokens with, and where it asks for profiles (GetUser: cognito-local, since the tokens
# name real Cognito's issuer). Only these are exported: the demo passwords stay here.
finish_local_cognito() {
    local rc=0
    wait "$PROVISION_PID" || rc=$?
    PROVISION_PID=""
    cat "$COGNITO_DIR/provision.log" >&2
    ((rc == 0)) || sf_die "provisioning cognito-local failed (exit $rc, see above)"
    # shellcheck source=/dev/null
    source "$COGNITO_DIR/aws.env"
    export COGNITO_ISSUER COGNITO_JWKS_URL COGNITO_ENDPOINT
    # s3rver: the bucket provision.sh made, and the only keys s3rver accepts (dummy ones,
    # so real AWS keys in this shell never reach it).
    export S3_BUCKET S3_ENDPOINT AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
    unset AWS_SESSION_TOKEN
    # shellcheck disable=SC2153  # COGNITO_CLIENT_ID comes from aws.env
    export COGNITO_CLIENT_IDS="$COGNITO_CLIENT_ID"
    # The emulator serves its JWKS over http; a real pool never needs this.
    export COGNITO_ALLOW_HTTP=1
    write_run_env
}

# write_run_env — .local/run.env: what the README's API tour sources in another shell
# (the API's address, cognito-local's endpoint and client, the demo users).
write_run_env() {
    local host="$LISTEN_ADDR"
    [[ "$host" == 0.0.0.0 ]] && host=127.0.0.1
    {
        printf '# written by make run (localstack/run.sh); sourced by the README tour\n'
        printf 'API=http://%s:%s\n' "$host" "$PORT"
        grep -v '^#' "$COGNITO_DIR/aws.env"
        # >>> run-env stripe (the Stripe stand-in): insert below this line
        printf 'STRIPE_FAKE_URL=%s\n' "${STRIPE_FAKE_URL:-}"
        # The stand-in's key: the README money tour confirms a PaymentIntent as Stripe.js would.
        [[ -n "${STRIPE_FAKE_URL:-}" ]] && printf 'STRIPE_FAKE_KEY=%s\n' "$STRIPE_API_KEY"
        # <<< run-env stripe
        # >>> run-env mail (aws-ses-v2-local, the SES stand-in): insert below this line
        [[ -n "${SES_URL:-}" ]] && printf 'SES=%s\n' "$SES_URL"
        # <<< run-env mail
    } >"$SF_ROOT/.local/run.env.tmp"
    mv "$SF_ROOT/.local/run.env.tmp" "$SF_ROOT/.local/run.env"
}

# cleanup — on any exit: stop the server (SIGTERM, 10 s grace), cognito-local, then the
# cluster.
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
    if [[ -n "$PROVISION_PID" ]]; then
        kill -TERM "$PROVISION_PID" 2>/dev/null
        wait "$PROVISION_PID" 2>/dev/null
    fi
    emu_stop_all
    (pg_stop "$PG_DIR") || sf_warn "PostgreSQL in $PG_DIR may still be running: localstack/postgres.sh stop $PG_DIR"
    exit "$rc"
}

# print_try_me — what to type next, printed once the database is ready.
print_try_me() {
    printf '\n  Storefront API on http://%s:%s — try (README.md, "Try it"):\n' "$LISTEN_ADDR" "$PORT"
    print_try_it | sed 's/^/    /'
    cat <<EOF
  PostgreSQL on 127.0.0.1:$PG_PORT (data in .local/pg/data, passwords in .local/pg/password):
    PGPASSFILE=.local/pg/password psql -h 127.0.0.1 -p $PG_PORT -U storefront storefront
EOF
    if ((LOCAL_COGNITO)); then
        print_token_help
    else
        printf '  Cognito: yours (COGNITO_ISSUER=%s); cognito-local was not started.\n' "$COGNITO_ISSUER"
    fi
    ((LOCAL_COGNITO)) && printf '  The README tours (a paid order; the back office; a card payment, its e-mail and a refund)\n    run in another shell from here: they source .local/run.env.\n'
    # >>> run-print stripe (the Stripe stand-in): insert below this line
    if [[ -n "${STRIPE_FAKE_URL:-}" ]]; then
        printf '  Stripe: the stand-in on %s (card payments; confirm one with\n' "$STRIPE_FAKE_URL"
        printf '    curl -s -X POST -H "Authorization: Bearer %s" %s/v1/payment_intents/<pi_…>/confirm -d payment_method=pm_card_visa\n' "$STRIPE_API_KEY" "$STRIPE_FAKE_URL"
        printf '    and its webhook marks the order paid; requests it saw: %s/__requests).\n' "$STRIPE_FAKE_URL"
    else
        printf '  Stripe: %s (STRIPE_API_KEY is yours; the stand-in was not started).\n' "${STRIPE_API_BASE:-https://api.stripe.com}"
    fi
    # <<< run-print stripe
    # >>> run-print mail (aws-ses-v2-local, the SES stand-in): insert below this line
    if [[ -n "${SES_URL:-}" ]]; then
        printf '  Order e-mails (aws-ses-v2-local, nothing leaves this machine): open %s/ in a browser,\n' "$SES_URL"
        printf '    or as JSON: curl -s %s/store  (from %s; docs/messages.md)\n' "$SES_URL" "$MAIL_FROM"
    else
        printf '  Order e-mails: through SES at %s (from %s).\n' "${SES_ENDPOINT:-AWS}" "${MAIL_FROM:-MAIL_FROM unset: not sent}"
    fi
    # <<< run-print mail
    # >>> run-print spa (the reference SPA): insert below this line
    if [[ -n "${SPA_URL:-}" ]]; then
        printf '  The reference SPA (frontend-contract/spa, docs/frontend.md): open %s/ in a browser' "$SPA_URL"
        if [[ -n "${STOREFRONT_SHOPPER_EMAIL:-}" ]]; then
            printf ';\n    sign in as %s / %s' "$STOREFRONT_SHOPPER_EMAIL" "${STOREFRONT_SHOPPER_PASSWORD:-}"
        fi
        printf '.\n'
    fi
    # <<< run-print spa
    cat <<EOF
  Ctrl-C stops the server, the emulators and PostgreSQL; the data stays for the next run
  (make distclean wipes it).

EOF
}

# print_try_it — the README's "Try it" block (between its try-it markers), the one source
# of what make run suggests, with this run's address in its first line.
print_try_it() {
    local host="$LISTEN_ADDR"
    [[ "$host" == 0.0.0.0 ]] && host=127.0.0.1
    sed -n '/^<!-- try-it:begin -->$/,/^<!-- try-it:end -->$/p' "$SF_ROOT/README.md" |
        sed -e '/^<!--/d' -e '/^```/d' | sed "1s|http://127.0.0.1:8080|http://$host:$PORT|"
}

# print_token_help — how to sign in at cognito-local and call the API with the token.
print_token_help() {
    local ep="http://127.0.0.1:$COGNITO_PORT"
    cat <<EOF
  Cognito: cognito-local on $ep (state in .local/cognito), user pool $COGNITO_USER_POOL_ID,
  app client $COGNITO_CLIENT_ID; users $STOREFRONT_SHOPPER_EMAIL / $STOREFRONT_SHOPPER_PASSWORD and
  $STOREFRONT_ADMIN_EMAIL / $STOREFRONT_ADMIN_PASSWORD (group admin). Get an access token, then call with it:
    TOKEN=\$(/usr/bin/aws --endpoint-url $ep --region $AWS_REGION cognito-idp initiate-auth --client-id $COGNITO_CLIENT_ID --auth-flow USER_PASSWORD_AUTH --auth-parameters 'USERNAME=$STOREFRONT_SHOPPER_EMAIL,PASSWORD=$STOREFRONT_SHOPPER_PASSWORD' --query AuthenticationResult.AccessToken --output text)
    curl -s -H "Authorization: Bearer \$TOKEN" localhost:$PORT/v1/me
  The same token without the AWS CLI:
    TOKEN=\$(curl -s $ep/ -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' -d '{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"$COGNITO_CLIENT_ID","AuthParameters":{"USERNAME":"$STOREFRONT_SHOPPER_EMAIL","PASSWORD":"$STOREFRONT_SHOPPER_PASSWORD"}}' | sed -n 's/.*"AccessToken":"\([^"]*\)".*/\1/p')
  Tokens last 60 minutes; iss $COGNITO_ISSUER, keys at $COGNITO_JWKS_URL
EOF
}

main() {
    local build_only=0 rc
    case "${1:-}" in
        "") ;;
        --build-only) build_only=1 ;;
        --generate-only)
            cd "$SF_ROOT"
            "$SF_ROOT/localstack/bootstrap.sh"
            cmake -S "$SF_ROOT" -B "$SF_ROOT/$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
                sf_die "cmake configure failed (see above)"
            env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build "$SF_ROOT/$BUILD_DIR" \
                --target generate >/dev/null || sf_die "generating the data layer failed (see above)"
            return 0
            ;;
        --print-try-it)
            PORT="${PORT:-8080}" LISTEN_ADDR="${LISTEN_ADDR:-127.0.0.1}" print_try_it
            return 0
            ;;
        *) sf_die "usage: $0 [--build-only | --generate-only | --print-try-it]" ;;
    esac
    cd "$SF_ROOT"

    export PORT="${PORT:-8080}"
    export LISTEN_ADDR="${LISTEN_ADDR:-127.0.0.1}"
    export CORS_ALLOWED_ORIGINS="${CORS_ALLOWED_ORIGINS:-http://localhost:5173}"
    export LOG_LEVEL="${LOG_LEVEL:-info}"
    export CLICKSTREAM_APP_IDS="${CLICKSTREAM_APP_IDS:-storefront-web}"
    local pg_port="${PGPORT:-5433}"
    COGNITO_PORT="${COGNITO_PORT:-9229}"
    S3_PORT="${S3_PORT:-4569}"
    [[ -z "${COGNITO_ISSUER:-}" ]] && LOCAL_COGNITO=1

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
    ((LOCAL_COGNITO)) && start_local_cognito
    # >>> run-stack stripe (the Stripe stand-in): insert below this line
    # Your own STRIPE_API_KEY (test mode, docs/payments.md) means real Stripe; otherwise the
    # stand-in, which signs its webhooks with STRIPE_WEBHOOK_SECRET and sends them here.
    if [[ -z "${STRIPE_API_KEY:-}" ]]; then
        export STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_storefront_local_0123456789}"
        STRIPE_FAKE_URL="http://127.0.0.1:${STRIPE_FAKE_PORT:-12111}"
        mkdir -p "$SF_ROOT/.local"
        STRIPE_API_KEY=sk_test_storefront_local STRIPE_WEBHOOK_URL="http://127.0.0.1:$PORT/v1/payments/webhook" \
            emu_start_stripe "${STRIPE_FAKE_PORT:-12111}" "$SF_ROOT/.local/stripe-fake.log"
        export STRIPE_API_KEY=sk_test_storefront_local STRIPE_ALLOW_HTTP=1
        export STRIPE_API_BASE="$STRIPE_FAKE_URL" STRIPE_FAKE_URL
    fi
    # <<< run-stack stripe
    # >>> run-stack mail (aws-ses-v2-local, the SES stand-in): insert below this line
    # Order e-mails go to aws-ses-v2-local on SES_PORT (8005) unless SES_ENDPOINT names
    # a real SES; its dummy credentials only when none are set (cognito-local's
    # provisioning sets s3rver's later, which it accepts as well).
    if [[ -z "${SES_ENDPOINT:-}" ]]; then
        SES_PORT="${SES_PORT:-8005}"
        emu_start_ses "$SES_PORT" "$SF_ROOT/.local/aws-ses-v2-local.log"
        SES_URL="http://127.0.0.1:$SES_PORT"
        export SES_ENDPOINT="$SES_URL" SES_ALLOW_HTTP=1
        export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-SESLOCAL}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-SESLOCAL}"
    fi
    export MAIL_FROM="${MAIL_FROM:-Storefront <orders@storefront.local>}"
    export SHOP_NAME="${SHOP_NAME:-Storefront}" SHOP_URL="${SHOP_URL:-http://localhost:5173}"
    export SHOP_ADDRESS="${SHOP_ADDRESS:-1 Example Street, 10115 Berlin, Germany}"
    # <<< run-stack mail
    # >>> run-stack webhooks (partner webhooks): insert below this line
    # Local receivers (a request bin on localhost) are private addresses: allowed in
    # development only (docs/webhooks.md).
    export WEBHOOK_ALLOW_PRIVATE_TARGETS="${WEBHOOK_ALLOW_PRIVATE_TARGETS:-1}"
    # <<< run-stack webhooks
    # >>> run-stack spa (the reference SPA, built and served on its own origin): insert below this line
    # The reference SPA (frontend-contract/spa, docs/frontend.md), built against this API
    # and the local pool once cognito-local is provisioned (spa_start, called after
    # finish_local_cognito), served by `vite preview` on http://localhost:$SPA_PORT (5173,
    # in the default CORS_ALLOWED_ORIGINS) and stopped with the emulators. SPA=0 skips it.
    SPA_PORT="${SPA_PORT:-5173}"
    SPA_URL=""
    # Another SPA_PORT: its origin joins the server's CORS list (the default names 5173).
    if [[ "${SPA:-1}" != 0 && ",$CORS_ALLOWED_ORIGINS," != *",http://localhost:$SPA_PORT,"* ]]; then
        export CORS_ALLOWED_ORIGINS="$CORS_ALLOWED_ORIGINS,http://localhost:$SPA_PORT"
    fi
    spa_start() {
        [[ "${SPA:-1}" == 0 ]] && return 0
        if [[ -z "${COGNITO_USER_POOL_ID:-}" || -z "${COGNITO_CLIENT_ID:-}" ]]; then
            sf_warn "the reference SPA is not started: COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID are not set"
            return 0
        fi
        local host="$LISTEN_ADDR" out="$SF_ROOT/.local/spa" log="$SF_ROOT/.local/spa.log" pid
        # cognito-local: USER_PASSWORD_AUTH and its endpoint (it has no SRP); a real pool: SRP.
        local endpoint="" flow=USER_SRP_AUTH
        ((LOCAL_COGNITO)) && endpoint="$COGNITO_ENDPOINT" flow=USER_PASSWORD_AUTH
        [[ "$host" == 0.0.0.0 ]] && host=127.0.0.1
        emu_port_free "$SPA_PORT" "the reference SPA"
        sf_log "building the reference SPA into .local/spa (log: .local/spa.log)"
        VITE_API_BASE_URL="http://$host:$PORT" VITE_COGNITO_USER_POOL_ID="$COGNITO_USER_POOL_ID" \
            VITE_COGNITO_CLIENT_ID="$COGNITO_CLIENT_ID" VITE_COGNITO_ENDPOINT="$endpoint" VITE_COGNITO_AUTH_FLOW="$flow" \
            VITE_CLICKSTREAM_APP_ID="${CLICKSTREAM_APP_IDS%%,*}" SPA_OUT_DIR="$out" \
            node "$SF_ROOT/node_modules/vite/bin/vite.js" build --config "$SF_ROOT/frontend-contract/spa/vite.config.ts" \
            >"$log" 2>&1 || { tail -n 20 "$log" >&2; sf_die "building the reference SPA failed (log: $log; SPA=0 make run skips it)"; }
        SPA_OUT_DIR="$out" node "$SF_ROOT/node_modules/vite/bin/vite.js" preview \
            --config "$SF_ROOT/frontend-contract/spa/vite.config.ts" --host 127.0.0.1 --port "$SPA_PORT" --strictPort \
            >>"$log" 2>&1 &
        pid=$!
        emu_track "the reference SPA (vite preview)" "$pid"
        emu_wait "the reference SPA" "$pid" "$SPA_PORT" "$log" "http://127.0.0.1:$SPA_PORT/"
        SPA_URL="http://localhost:$SPA_PORT"
    }
    # <<< run-stack spa
    pg_start "$PG_DIR" "$pg_port"
    export DATABASE_URL="$PG_DATABASE_URL"

    sf_log "migrating and seeding database storefront"
    "$BIN" migrate || sf_die "storefront migrate failed"
    "$BIN" seed || sf_die "storefront seed failed"
    ((LOCAL_COGNITO)) && finish_local_cognito
    spa_start # run-stack spa
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
