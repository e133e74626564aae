# shellcheck shell=bash
# localstack/emulators.sh — start and stop the npm AWS emulators on loopback (sourced by
# run.sh and test.sh, never run): cognito-local (Cognito user pools), s3rver (S3) and
# kinesalite (Kinesis Data Streams).
#
# Why: the server verifies Cognito access tokens and (later) stores product images in S3
# and ships clickstream to Kinesis. Locally and in CI there is no AWS account and no
# Docker, so these stand-ins, installed by `npm ci` from package.json (exact versions),
# run from node_modules as children of the calling script, on ports it chose, with their
# state in a folder it owns (.local/cognito for make run, the temp dir for make test).
# provision.sh then creates the pool, client, group, users, bucket and stream in them.
#
# What cognito-local cannot do, and how this file makes up for it:
# - Its CreateUserPool always makes ids `local_` + 8 characters, nothing like a real
#   pool id (`us-east-1_` + 9 alphanumerics). It loads every `.cognito/db/<id>.json` at
#   start-up, taking the id from the file name, so emu_start_cognito writes the pool file
#   itself (the options CreateUserPool would store, from cognito-local's own defaults)
#   before starting it; provision.sh then finds the pool by name and reuses it.
# - Its tokens carry `iss` = TokenConfig.IssuerDomain + "/" + pool id, so
#   .cognito/config.json sets IssuerDomain to https://cognito-idp.<region>.amazonaws.com:
#   the tokens look like real Cognito's. The JWKS, though, is served by cognito-local at
#   http://127.0.0.1:<port>/<pool id>/.well-known/jwks.json (kid "CognitoLocal", the same
#   public key for every pool and every install: never trust it outside development).
#
# Functions: emu_start_cognito STATE_DIR PORT REGION POOL_ID POOL_NAME LOG,
# emu_start_s3 DATA_DIR PORT LOG, emu_start_kinesis PORT LOG, emu_stop_all.
# Each start function waits until the emulator answers and sets EMU_PIDS.

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EMU_READY_TIMEOUT=30
EMU_PIDS=()
EMU_NAMES=()
# The emulators' entry points inside node_modules (never a global install).
EMU_COGNITO_BIN="$SF_ROOT/node_modules/cognito-local/lib/bin/start.js"
EMU_S3_BIN="$SF_ROOT/node_modules/s3rver/bin/s3rver.js"
EMU_KINESIS_BIN="$SF_ROOT/node_modules/kinesalite/index.js"
export EMU_KINESIS_LIB="$EMU_KINESIS_BIN"

# emu_require_bin FILE PACKAGE — fail clearly when an emulator is not installed.
emu_require_bin() {
    [[ -f "$1" ]] || sf_die "$1 not found: run localstack/bootstrap.sh (npm ci installs $2 from package.json)"
    command -v node >/dev/null 2>&1 || sf_die "node not found: run localstack/bootstrap.sh"
}

# emu_port_free PORT NAME — fail before starting NAME when PORT is taken.
emu_port_free() {
    if sf_port_in_use "$1"; then
        sf_die "port $1 on 127.0.0.1 ($2) is already taken by another program: stop it or pick another port"
    fi
}

# emu_wait NAME PID PORT LOG [URL] — wait until PORT accepts connections (and URL answers
# 200 when given); fail with the end of LOG if the process dies or time runs out.
emu_wait() {
    local name="$1" pid="$2" port="$3" log="$4" url="${5:-}" deadline
    deadline=$((SECONDS + EMU_READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$log" >&2
            sf_die "$name exited during start-up (log above, full log: $log)"
        fi
        if sf_port_in_use "$port"; then
            if [[ -z "$url" || "$(sf_http_status "$url")" == 200 ]]; then
                return 0
            fi
        fi
        sleep 0.1
    done
    tail -n 20 "$log" >&2
    sf_die "$name did not answer on 127.0.0.1:$port within ${EMU_READY_TIMEOUT}s (log: $log)"
}

# emu_track NAME PID — remember a started emulator for emu_stop_all.
emu_track() {
    EMU_NAMES+=("$1")
    EMU_PIDS+=("$2")
}

# emu_seed_cognito_pool DB_DIR REGION POOL_ID POOL_NAME — write cognito-local's file for
# a user pool with a real-format id, unless it exists (a reused .local/cognito keeps its
# users). The options are what cognito-local's CreateUserPool would store, from its own
# defaults, plus e-mail as the username attribute (as the real pool provision.sh makes).
emu_seed_cognito_pool() {
    local db_dir="$1" region="$2" pool_id="$3" pool_name="$4"
    [[ -f "$db_dir/$pool_id.json" ]] && return 0
    sf_log "cognito-local: created user pool $pool_id ($pool_name) as its pool file (its CreateUserPool can only make local_XXXXXXXX ids)"
    (cd "$SF_ROOT" && node - "$db_dir/$pool_id.json" "$region" "$pool_id" "$pool_name") <<'EOF' ||
const fs = require("node:fs");
const { USER_POOL_AWS_DEFAULTS } = require("./node_modules/cognito-local/lib/services/cognitoService");
const [file, region, id, name] = process.argv.slice(2);
const now = new Date().toISOString();
const options = {
  ...USER_POOL_AWS_DEFAULTS,
  Id: id,
  Name: name,
  Arn: `arn:aws:cognito-idp:${region}:000000000000:userpool/${id}`,
  UsernameAttributes: ["email"],
  AutoVerifiedAttributes: ["email"],
  CreationDate: now,
  LastModifiedDate: now,
};
fs.writeFileSync(file + ".tmp", JSON.stringify({ Options: options, Users: {}, Groups: {} }, null, 2));
fs.renameSync(file + ".tmp", file);
EOF
        sf_die "could not write cognito-local's user pool file $db_dir/$pool_id.json"
}

# emu_start_cognito STATE_DIR PORT REGION POOL_ID POOL_NAME LOG — cognito-local with its
# state in STATE_DIR/.cognito (it only reads ./.cognito, so it runs from STATE_DIR).
emu_start_cognito() {
    local dir="$1" port="$2" region="$3" pool_id="$4" pool_name="$5" log="$6" pid
    emu_require_bin "$EMU_COGNITO_BIN" cognito-local
    emu_port_free "$port" cognito-local
    [[ "$pool_id" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]_[A-Za-z0-9]{9}$ ]] ||
        sf_die "user pool id '$pool_id' does not have Cognito's format (<region>_ + 9 letters or digits, e.g. us-east-1_StoreFr01)"
    mkdir -p -- "$dir/.cognito/db"
    emu_seed_cognito_pool "$dir/.cognito/db" "$region" "$pool_id" "$pool_name"
    # Rewritten on every start: the port may change between runs.
    cat >"$dir/.cognito/config.json" <<EOF
{
  "TokenConfig": { "IssuerDomain": "https://cognito-idp.$region.amazonaws.com" },
  "UserPoolDefaults": { "UsernameAttributes": ["email"] },
  "ServerConfig": { "hostname": "127.0.0.1", "port": $port }
}
EOF
    sf_log "starting cognito-local on 127.0.0.1:$port (state: $dir/.cognito, log: $log)"
    # PORT and HOST are cognito-local's own defaults; the caller's PORT is the API's.
    (cd "$dir" && exec env PORT="$port" HOST=127.0.0.1 NODE_NO_WARNINGS=1 node "$EMU_COGNITO_BIN") >"$log" 2>&1 &
    pid=$!
    emu_track cognito-local "$pid"
    emu_wait cognito-local "$pid" "$port" "$log" "http://127.0.0.1:$port/health"
}

# emu_start_s3 DATA_DIR PORT LOG — s3rver, objects stored as files in DATA_DIR.
emu_start_s3() {
    local dir="$1" port="$2" log="$3" pid
    emu_require_bin "$EMU_S3_BIN" s3rver
    emu_port_free "$port" s3rver
    mkdir -p -- "$dir"
    sf_log "starting s3rver on 127.0.0.1:$port (data: $dir, log: $log)"
    node "$EMU_S3_BIN" --directory "$dir" --address 127.0.0.1 --port "$port" --silent >"$log" 2>&1 &
    pid=$!
    emu_track s3rver "$pid"
    emu_wait s3rver "$pid" "$port" "$log"
}

# emu_start_kinesis PORT LOG — kinesalite, in memory; streams are ACTIVE 50 ms after
# CreateStream (default 500 ms), which keeps provisioning quick.
emu_start_kinesis() {
    local port="$1" log="$2" pid
    emu_require_bin "$EMU_KINESIS_BIN" kinesalite
    emu_port_free "$port" kinesalite
    sf_log "starting kinesalite on 127.0.0.1:$port (in memory, log: $log)"
    # Its CLI (cli.js) listens on every interface; the library lets us bind loopback only.
    node -e '
const [, port] = process.argv;
const server = require(process.env.EMU_KINESIS_LIB)({ createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50 });
server.listen(Number(port), "127.0.0.1", () => console.log("kinesalite listening on 127.0.0.1:" + port));
process.on("SIGTERM", () => process.exit(0));
' "$port" >"$log" 2>&1 &
    pid=$!
    emu_track kinesalite "$pid"
    emu_wait kinesalite "$pid" "$port" "$log"
}

# emu_stop_all — SIGTERM every emulator started here, wait up to 5 s each, then SIGKILL.
# Returns 1 when one of them had to be killed.
emu_stop_all() {
    local i j pid name rc=0
    for ((i = ${#EMU_PIDS[@]} - 1; i >= 0; i--)); do
        pid="${EMU_PIDS[$i]}"
        name="${EMU_NAMES[$i]}"
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for ((j = 0; j < 50; j++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$pid" 2>/dev/null; then
                sf_warn "$name (pid $pid) did not exit within 5 s of SIGTERM: killing it"
                kill -KILL "$pid" 2>/dev/null || true
                rc=1
            fi
        fi
        wait "$pid" 2>/dev/null || true
    done
    EMU_PIDS=()
    EMU_NAMES=()
    return "$rc"
}

# >>> emulators stripe (the Stripe stand-in): insert below this line

# emu_start_stripe PORT LOG — localstack/stripe-fake.mjs, our Stripe stand-in (no npm
# Stripe mock checks requests; see docs/payments.md), in memory. It reads STRIPE_API_KEY,
# STRIPE_WEBHOOK_URL and STRIPE_WEBHOOK_SECRET from the environment as its defaults.
emu_start_stripe() {
    local port="$1" log="$2" pid
    command -v node >/dev/null 2>&1 || sf_die "node not found: run localstack/bootstrap.sh"
    emu_port_free "$port" stripe-fake
    sf_log "starting the Stripe stand-in on 127.0.0.1:$port (in memory, log: $log)"
    node "$SF_ROOT/localstack/stripe-fake.mjs" "$port" >"$log" 2>&1 &
    pid=$!
    emu_track stripe-fake "$pid"
    emu_wait stripe-fake "$pid" "$port" "$log" "http://127.0.0.1:$port/healthz"
}
# <<< emulators stripe

# >>> emulators mail (aws-ses-v2-local, the SES stand-in): insert below this line
# emu_start_ses PORT LOG — aws-ses-v2-local, the SES stand-in for order e-mails
# (docs/messages.md): it accepts SESv2 SendEmail (any credentials, no signature check),
# keeps every message in memory, shows them in a web UI at / and as JSON at GET /store
# (the tests read that), and answers GET /health-check.
EMU_SES_BIN="$SF_ROOT/node_modules/aws-ses-v2-local/dist/cli.js"
emu_start_ses() {
    local port="$1" log="$2" pid
    emu_require_bin "$EMU_SES_BIN" aws-ses-v2-local
    emu_port_free "$port" aws-ses-v2-local
    sf_log "starting aws-ses-v2-local on 127.0.0.1:$port (in memory, log: $log)"
    node "$EMU_SES_BIN" --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
    pid=$!
    emu_track aws-ses-v2-local "$pid"
    emu_wait aws-ses-v2-local "$pid" "$port" "$log" "http://127.0.0.1:$port/health-check"
}
# <<< emulators mail
