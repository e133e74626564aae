#!/usr/bin/env bash
# localstack/provision.sh — create (or find) Storefront's AWS resources with the AWS CLI:
# the Cognito user pool, its app client, group `admin` and two demo users, the S3 bucket
# for product images and the Kinesis stream for the clickstream.
#
# Why: one script for the three places the stack runs, so they cannot drift apart:
#   1. the npm emulators (make run / make test): one endpoint per service,
#        --cognito-endpoint http://127.0.0.1:9229 --s3-endpoint … --kinesis-endpoint …
#   2. LocalStack (docker-compose.yml beside this file): one endpoint for everything,
#        --endpoint http://localhost:4566
#   3. real AWS: no endpoint at all; credentials and AWS_REGION from the environment.
# With an endpoint, dummy credentials (S3RVER/S3RVER: s3rver accepts no others, the
# other emulators and LocalStack accept anything) and a throw-away AWS config (path-style
# S3) are used, so your real credentials are never sent to an emulator.
# Idempotent: every resource is looked up by name first and reused; users get their
# password, verified e-mail and group set again on every run.
#
# Usage: localstack/provision.sh [options]
#   --endpoint URL            one endpoint for every service (LocalStack)   env AWS_ENDPOINT_URL
#   --cognito-endpoint URL    Cognito's endpoint                          env COGNITO_ENDPOINT
#   --s3-endpoint URL         S3's endpoint                               env S3_ENDPOINT
#   --kinesis-endpoint URL    Kinesis's endpoint                          env KINESIS_ENDPOINT
#   --region REGION           default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
#   --services LIST           comma list of cognito,s3,kinesis (default: all three)
#   --issuer-domain URL       what the tokens' iss starts with (default: real Cognito's
#                             https://cognito-idp.<region>.amazonaws.com for real AWS and
#                             cognito-local, the endpoint for LocalStack)
#   --bucket NAME             default storefront-product-images-<account id> on AWS,
#                             storefront-product-images-local with an endpoint
#   --demo-users / --no-demo-users   create the two demo users (default: yes with an
#                             endpoint, no on real AWS: their passwords are public)
#   --env-file PATH           also write the KEY=value lines to PATH (mode 600)
# Output (stdout, and --env-file): KEY=value lines, e.g. COGNITO_USER_POOL_ID=…,
# COGNITO_CLIENT_ID=…, COGNITO_ISSUER=…, COGNITO_JWKS_URL=…, S3_BUCKET=…,
# KINESIS_STREAM=…; progress goes to stderr. Names and passwords of the demo data come
# from STOREFRONT_USER_POOL_NAME (storefront-shoppers), STOREFRONT_APP_CLIENT_NAME
# (storefront-web), STOREFRONT_SHOPPER_EMAIL/PASSWORD, STOREFRONT_ADMIN_EMAIL/PASSWORD,
# STOREFRONT_CLICKSTREAM_STREAM (storefront-clickstream).
set -euo pipefail

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Always Debian's AWS CLI (package awscli): another `aws` (pyenv, pip, a v1) may come
# first on PATH.
AWS=/usr/bin/aws

REGION=""
SERVICES="cognito,s3,kinesis"
ALL_ENDPOINT=""
COGNITO_EP=""
S3_EP=""
KINESIS_EP=""
ISSUER_DOMAIN=""
BUCKET=""
DEMO_USERS=""
ENV_FILE=""
SCRATCH=""
OUTPUT=()

POOL_NAME="${STOREFRONT_USER_POOL_NAME:-storefront-shoppers}"
CLIENT_NAME="${STOREFRONT_APP_CLIENT_NAME:-storefront-web}"
ADMIN_GROUP="admin"
STREAM_NAME="${STOREFRONT_CLICKSTREAM_STREAM:-storefront-clickstream}"
SHOPPER_EMAIL="${STOREFRONT_SHOPPER_EMAIL:-shopper@example.com}"
SHOPPER_PASSWORD="${STOREFRONT_SHOPPER_PASSWORD:-Shopper-Passw0rd!}"
ADMIN_EMAIL="${STOREFRONT_ADMIN_EMAIL:-admin@example.com}"
ADMIN_PASSWORD="${STOREFRONT_ADMIN_PASSWORD:-Admin-Passw0rd!}"

usage() {
    sed -n '/^# Usage:/,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

# emit KEY VALUE — one output line (printed and written to the env file at the end).
emit() {
    OUTPUT+=("$1=$2")
}

# has_service NAME — true when NAME is in --services.
has_service() {
    [[ ",$SERVICES," == *",$1,"* ]]
}

# aws_in SERVICE ARGS… — run the AWS CLI for SERVICE (cognito-idp, s3api, kinesis) against
# that service's endpoint, if any.
aws_in() {
    local service="$1" ep=""
    shift
    case "$service" in
        cognito-idp) ep="$COGNITO_EP" ;;
        s3api) ep="$S3_EP" ;;
        kinesis) ep="$KINESIS_EP" ;;
    esac
    if [[ -n "$ep" ]]; then
        "$AWS" --endpoint-url "$ep" --region "$REGION" "$service" "$@"
    else
        "$AWS" --region "$REGION" "$service" "$@"
    fi
}

# aws_text SERVICE ARGS… — run a call with --output text and print its result, "" for
# the CLI's "None". Fails (with the CLI's message on stderr) when the call fails.
aws_text() {
    local out
    out="$(aws_in "$@" --output text)" || return 1
    [[ "$out" == None ]] && out=""
    printf '%s\n' "$out"
}

# aws_probe ERROR_CODE SERVICE ARGS… — run a look-up call: print its text output and
# return 0 when found; return 3 when it failed with ERROR_CODE (not found); on any other
# error print the CLI's message and return 1 (callers exit: see probe_failed).
aws_probe() {
    local code="$1" out err
    shift
    err="$SCRATCH/stderr"
    if out="$(aws_in "$@" --output text 2>"$err")"; then
        printf '%s\n' "$out"
        return 0
    fi
    if grep -q "$code" "$err"; then
        return 3
    fi
    cat "$err" >&2
    sf_warn "aws $1 $2 failed (see above)"
    return 1
}

# probe_failed RC — exit the script unless RC is aws_probe's 0 (found) or 3 (not found).
probe_failed() {
    (($1 == 0 || $1 == 3)) || exit "$1"
}

# parse_args ARG… — options and environment into the globals above.
parse_args() {
    ALL_ENDPOINT="${AWS_ENDPOINT_URL:-}"
    COGNITO_EP="${COGNITO_ENDPOINT:-}"
    S3_EP="${S3_ENDPOINT:-}"
    KINESIS_EP="${KINESIS_ENDPOINT:-}"
    REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
    while (($# > 0)); do
        case "$1" in
            --endpoint) ALL_ENDPOINT="${2:?}" && shift ;;
            --cognito-endpoint) COGNITO_EP="${2:?}" && shift ;;
            --s3-endpoint) S3_EP="${2:?}" && shift ;;
            --kinesis-endpoint) KINESIS_EP="${2:?}" && shift ;;
            --region) REGION="${2:?}" && shift ;;
            --services) SERVICES="${2:?}" && shift ;;
            --issuer-domain) ISSUER_DOMAIN="${2:?}" && shift ;;
            --bucket) BUCKET="${2:?}" && shift ;;
            --demo-users) DEMO_USERS=1 ;;
            --no-demo-users) DEMO_USERS=0 ;;
            --env-file) ENV_FILE="${2:?}" && shift ;;
            -h | --help) usage ;;
            *) sf_warn "unknown argument: $1" && usage ;;
        esac
        shift
    done
    # A service's own endpoint beats the shared one.
    COGNITO_EP="${COGNITO_EP:-$ALL_ENDPOINT}"
    S3_EP="${S3_EP:-$ALL_ENDPOINT}"
    KINESIS_EP="${KINESIS_EP:-$ALL_ENDPOINT}"
    COGNITO_EP="${COGNITO_EP%/}"
    S3_EP="${S3_EP%/}"
    KINESIS_EP="${KINESIS_EP%/}"
    local svc
    for svc in ${SERVICES//,/ }; do
        case "$svc" in
            cognito | s3 | kinesis) ;;
            *) sf_die "--services: unknown service '$svc' (cognito, s3, kinesis)" ;;
        esac
    done
    [[ "$REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || sf_die "'$REGION' is not an AWS region (--region or AWS_REGION)"
}

# any_endpoint — true when at least one service goes to an emulator.
any_endpoint() {
    [[ -n "$COGNITO_EP$S3_EP$KINESIS_EP" ]]
}

# setup_cli — the AWS CLI's environment: no pager, no instance metadata probes; with an
# endpoint, dummy credentials and a private config file (path-style S3 addressing).
setup_cli() {
    [[ -x "$AWS" ]] || sf_die "$AWS not found: run localstack/bootstrap.sh (Debian package awscli)"
    export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
    export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
    SCRATCH="$(mktemp -d -t storefront-provision.XXXXXX)"
    if any_endpoint; then
        printf '[default]\nregion = %s\ns3 =\n    addressing_style = path\n' "$REGION" >"$SCRATCH/config"
        export AWS_CONFIG_FILE="$SCRATCH/config" AWS_SHARED_CREDENTIALS_FILE=/dev/null
        export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
        unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL
        [[ -z "$DEMO_USERS" ]] && DEMO_USERS=1
    else
        [[ -z "$DEMO_USERS" ]] && DEMO_USERS=0
    fi
    return 0
}

# ensure_user_pool — print the id of the pool named POOL_NAME, creating it if needed.
ensure_user_pool() {
    local id
    id="$(aws_text cognito-idp list-user-pools --max-results 60 \
        --query "UserPools[?Name=='$POOL_NAME'].Id | [0]")" ||
        sf_die "cannot list user pools at ${COGNITO_EP:-AWS ($REGION)} (see above)"
    if [[ -n "$id" ]]; then
        sf_log "user pool $POOL_NAME: found $id, reusing it"
    else
        # E-mail is the sign-in name; shoppers may sign themselves up (the SPA does).
        id="$(aws_text cognito-idp create-user-pool --pool-name "$POOL_NAME" \
            --username-attributes email --auto-verified-attributes email \
            --username-configuration CaseSensitive=false \
            --policies 'PasswordPolicy={MinimumLength=8,RequireUppercase=true,RequireLowercase=true,RequireNumbers=true,RequireSymbols=true,TemporaryPasswordValidityDays=7}' \
            --query UserPool.Id)" || sf_die "create-user-pool $POOL_NAME failed (see above)"
        [[ -n "$id" ]] || sf_die "create-user-pool $POOL_NAME returned no id"
        sf_log "user pool $POOL_NAME: created $id"
    fi
    if [[ ! "$id" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]_[A-Za-z0-9]+$ ]]; then
        # cognito-local's CreateUserPool makes local_XXXXXXXX; emulators.sh pre-seeds a
        # pool with a real-format id to avoid that.
        sf_warn "user pool id $id does not have real Cognito's format (<region>_<9 alphanumerics>)"
    fi
    printf '%s\n' "$id"
}

# ensure_app_client POOL_ID — print the id of the app client CLIENT_NAME, creating it:
# public (no secret: a browser SPA and mobile apps cannot keep one), sign-in with a
# password (USER_PASSWORD_AUTH: the CLI, curl and tests; SRP: Amplify on real AWS;
# cognito-local implements only USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, and does not
# enforce ExplicitAuthFlows), refresh tokens; access and ID tokens live 60 minutes.
ensure_app_client() {
    local pool="$1" id
    id="$(aws_text cognito-idp list-user-pool-clients --user-pool-id "$pool" --max-results 60 \
        --query "UserPoolClients[?ClientName=='$CLIENT_NAME'].ClientId | [0]")" ||
        sf_die "cannot list the app clients of $pool (see above)"
    if [[ -n "$id" ]]; then
        sf_log "app client $CLIENT_NAME: found $id, reusing it"
    else
        id="$(aws_text cognito-idp create-user-pool-client --user-pool-id "$pool" \
            --client-name "$CLIENT_NAME" --no-generate-secret \
            --explicit-auth-flows ALLOW_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH ALLOW_USER_SRP_AUTH \
            --prevent-user-existence-errors ENABLED --enable-token-revocation \
            --access-token-validity 60 --id-token-validity 60 --refresh-token-validity 30 \
            --token-validity-units AccessToken=minutes,IdToken=minutes,RefreshToken=days \
            --query UserPoolClient.ClientId)" || sf_die "create-user-pool-client $CLIENT_NAME failed (see above)"
        [[ -n "$id" ]] || sf_die "create-user-pool-client $CLIENT_NAME returned no id"
        sf_log "app client $CLIENT_NAME: created $id (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH, SRP; no secret)"
    fi
    printf '%s\n' "$id"
}

# ensure_group POOL_ID NAME — create the group unless GetGroup finds it. (Never CreateGroup
# blindly: real Cognito answers GroupExistsException, and cognito-local silently replaces
# the group, dropping its members.)
ensure_group() {
    local pool="$1" group="$2" rc=0
    aws_probe ResourceNotFoundException cognito-idp get-group --user-pool-id "$pool" \
        --group-name "$group" --query Group.GroupName >/dev/null || rc=$?
    probe_failed "$rc"
    if ((rc == 0)); then
        sf_log "group $group: found, reusing it"
        return 0
    fi
    aws_in cognito-idp create-group --user-pool-id "$pool" --group-name "$group" \
        --description "Storefront administrators: may use the /v1/admin API" \
        --precedence 1 >/dev/null || sf_die "create-group $group failed (see above)"
    sf_log "group $group: created"
}

# ensure_user POOL_ID EMAIL PASSWORD [GROUP] — a confirmed user with a permanent password,
# a verified e-mail, and membership of GROUP. Every step but the creation runs each time
# (each is idempotent), so a user whose password or group was changed is put right.
ensure_user() {
    local pool="$1" email="$2" password="$3" group="${4:-}" rc=0
    aws_probe UserNotFoundException cognito-idp admin-get-user --user-pool-id "$pool" \
        --username "$email" --query Username >/dev/null || rc=$?
    probe_failed "$rc"
    if ((rc == 0)); then
        sf_log "user $email: found, reusing it"
    else
        # SUPPRESS: no invitation e-mail (cognito-local would need an SMS/e-mail sender).
        aws_in cognito-idp admin-create-user --user-pool-id "$pool" --username "$email" \
            --user-attributes Name=email,Value="$email" Name=email_verified,Value=true \
            --message-action SUPPRESS >/dev/null || sf_die "admin-create-user $email failed (see above)"
        sf_log "user $email: created"
    fi
    # --permanent: CONFIRMED, no NEW_PASSWORD_REQUIRED challenge at the first sign-in.
    aws_in cognito-idp admin-set-user-password --user-pool-id "$pool" --username "$email" \
        --password "$password" --permanent >/dev/null ||
        sf_die "admin-set-user-password $email failed (see above)"
    # cognito-local refuses email_verified without email in the same call.
    aws_in cognito-idp admin-update-user-attributes --user-pool-id "$pool" --username "$email" \
        --user-attributes Name=email,Value="$email" Name=email_verified,Value=true >/dev/null ||
        sf_die "admin-update-user-attributes $email failed (see above)"
    if [[ -n "$group" ]]; then
        # A no-op when the user is already a member, on AWS and cognito-local alike.
        aws_in cognito-idp admin-add-user-to-group --user-pool-id "$pool" --username "$email" \
            --group-name "$group" >/dev/null || sf_die "admin-add-user-to-group $email $group failed (see above)"
        sf_log "user $email: password set (permanent), e-mail verified, in group $group"
    else
        sf_log "user $email: password set (permanent), e-mail verified"
    fi
}

# provision_cognito — the pool, client, group and users; emits their ids and URLs.
provision_cognito() {
    local pool client domain issuer jwks
    pool="$(ensure_user_pool)"
    client="$(ensure_app_client "$pool")"
    ensure_group "$pool" "$ADMIN_GROUP"
    if ((DEMO_USERS)); then
        ensure_user "$pool" "$SHOPPER_EMAIL" "$SHOPPER_PASSWORD"
        ensure_user "$pool" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$ADMIN_GROUP"
    else
        sf_log "demo users skipped (real AWS: pass --demo-users to create them, with public passwords)"
    fi

    # Real Cognito: iss https://cognito-idp.<region>.amazonaws.com/<pool>, JWKS below it.
    # cognito-local: iss from its TokenConfig.IssuerDomain (emulators.sh sets the real
    # domain), JWKS from the emulator itself. LocalStack: both below its endpoint.
    if [[ -z "$COGNITO_EP" ]]; then
        domain="${ISSUER_DOMAIN:-https://cognito-idp.$REGION.amazonaws.com}"
        issuer="${domain%/}/$pool"
        jwks="$issuer/.well-known/jwks.json"
    else
        domain="${ISSUER_DOMAIN:-$COGNITO_EP}"
        issuer="${domain%/}/$pool"
        jwks="$COGNITO_EP/$pool/.well-known/jwks.json"
        emit COGNITO_ENDPOINT "$COGNITO_EP"
    fi
    emit COGNITO_USER_POOL_ID "$pool"
    emit COGNITO_CLIENT_ID "$client"
    emit COGNITO_ISSUER "$issuer"
    emit COGNITO_JWKS_URL "$jwks"
    emit COGNITO_ADMIN_GROUP "$ADMIN_GROUP"
    if ((DEMO_USERS)); then
        emit STOREFRONT_SHOPPER_EMAIL "$SHOPPER_EMAIL"
        emit STOREFRONT_SHOPPER_PASSWORD "$SHOPPER_PASSWORD"
        emit STOREFRONT_ADMIN_EMAIL "$ADMIN_EMAIL"
        emit STOREFRONT_ADMIN_PASSWORD "$ADMIN_PASSWORD"
    fi
}

# default_bucket — storefront-product-images-<suffix>: bucket names are global on AWS,
# so there the suffix is the account id; with an endpoint it is "local".
default_bucket() {
    local account
    if [[ -n "$S3_EP" ]]; then
        printf 'storefront-product-images-local\n'
        return 0
    fi
    account="$("$AWS" sts get-caller-identity --query Account --output text)" ||
        sf_die "cannot read the AWS account id (sts get-caller-identity): check your credentials, or pass --bucket"
    printf 'storefront-product-images-%s\n' "$account"
}

# provision_s3 — the product-image bucket (private; the API hands out URLs).
provision_s3() {
    local bucket="$BUCKET" rc=0
    [[ -n "$bucket" ]] || bucket="$(default_bucket)"
    aws_probe '(404)\|NoSuchBucket\|Not Found' s3api head-bucket --bucket "$bucket" >/dev/null || rc=$?
    probe_failed "$rc"
    if ((rc == 0)); then
        sf_log "S3 bucket $bucket: found, reusing it"
    elif [[ "$REGION" == us-east-1 ]]; then
        aws_in s3api create-bucket --bucket "$bucket" >/dev/null || sf_die "create-bucket $bucket failed (see above)"
        sf_log "S3 bucket $bucket: created"
    else
        aws_in s3api create-bucket --bucket "$bucket" \
            --create-bucket-configuration LocationConstraint="$REGION" >/dev/null ||
            sf_die "create-bucket $bucket failed (see above)"
        sf_log "S3 bucket $bucket: created"
    fi
    [[ -n "$S3_EP" ]] && emit S3_ENDPOINT "$S3_EP"
    emit S3_BUCKET "$bucket"
}

# provision_kinesis — the clickstream stream, 1 shard, waited for until ACTIVE (polling
# every 0.2 s for 60 s: the CLI's own waiter polls every 10 s).
provision_kinesis() {
    local status rc=0 i
    status="$(aws_probe ResourceNotFoundException kinesis describe-stream-summary \
        --stream-name "$STREAM_NAME" --query StreamDescriptionSummary.StreamStatus)" || rc=$?
    probe_failed "$rc"
    if ((rc == 0)); then
        sf_log "Kinesis stream $STREAM_NAME: found ($status), reusing it"
    else
        aws_in kinesis create-stream --stream-name "$STREAM_NAME" --shard-count 1 >/dev/null ||
            sf_die "create-stream $STREAM_NAME failed (see above)"
        sf_log "Kinesis stream $STREAM_NAME: created (1 shard)"
        status=CREATING
    fi
    for ((i = 0; i < 300; i++)); do
        [[ "$status" == ACTIVE ]] && break
        sleep 0.2
        status="$(aws_text kinesis describe-stream-summary --stream-name "$STREAM_NAME" \
            --query StreamDescriptionSummary.StreamStatus)" || sf_die "describe-stream-summary $STREAM_NAME failed"
    done
    [[ "$status" == ACTIVE ]] || sf_die "Kinesis stream $STREAM_NAME is $status, not ACTIVE, after 60 s"
    [[ -n "$KINESIS_EP" ]] && emit KINESIS_ENDPOINT "$KINESIS_EP"
    emit KINESIS_STREAM "$STREAM_NAME"
}

# write_output — the KEY=value lines on stdout and, when asked, into the env file, where
# a value with characters the shell would interpret is quoted (printf %q), so the file
# can be sourced; the values provision.sh produces never need it.
write_output() {
    local line key value
    printf '%s\n' "${OUTPUT[@]}"
    [[ -n "$ENV_FILE" ]] || return 0
    (
        umask 077
        {
            printf '# written by localstack/provision.sh on %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
            for line in "${OUTPUT[@]}"; do
                key="${line%%=*}"
                value="${line#*=}"
                if [[ "$value" =~ ^[A-Za-z0-9._:/@+,%!-]*$ ]]; then
                    printf '%s=%s\n' "$key" "$value"
                else
                    printf '%s=%q\n' "$key" "$value"
                fi
            done
        } >"$ENV_FILE.tmp"
    )
    mv -f -- "$ENV_FILE.tmp" "$ENV_FILE"
}

cleanup() {
    [[ -n "$SCRATCH" ]] && rm -rf -- "$SCRATCH"
    return 0
}

main() {
    parse_args "$@"
    trap cleanup EXIT
    setup_cli
    if any_endpoint; then
        local where=() svc ep
        for svc in ${SERVICES//,/ }; do
            case "$svc" in
                cognito) ep="$COGNITO_EP" ;;
                s3) ep="$S3_EP" ;;
                kinesis) ep="$KINESIS_EP" ;;
            esac
            where+=("$svc at ${ep:-AWS}")
        done
        sf_log "provisioning $(IFS=,; printf '%s' "${where[*]}" | sed 's/,/, /g') (region $REGION)"
    else
        sf_log "provisioning ${SERVICES//,/, } in real AWS, region $REGION, with your credentials"
    fi
    emit AWS_REGION "$REGION"
    has_service cognito && provision_cognito
    has_service s3 && provision_s3
    has_service kinesis && provision_kinesis
    write_output
    sf_log "provisioning done"
}

main "$@"
