#!/usr/bin/env bash
# localstack/bootstrap.sh — install what building, running and testing Storefront needs,
# and only what is missing.
#
# Why: `make run` and `make test` must work on a fresh Debian 12 machine and on a clean
# CI clone, with nothing installed by hand. When everything is present this is a fast,
# quiet no-op (one dpkg-query call), so every make target can call it.
#
# Usage:
#   localstack/bootstrap.sh              Debian packages, Node.js + npm, then `npm ci`
#                                        (which brings the AWS emulators too: cognito-local,
#                                        s3rver, kinesalite, pinned in package.json)
#   localstack/bootstrap.sh --only PKG…  just these Debian packages (make format / lint)
#
# Sources: Debian's apt repositories and the npm registry (through npm), nothing else.
# Needs root for apt-get: runs it directly as root, through sudo otherwise.
set -euo pipefail

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What the build (pkg-config modules in CMakeLists.txt), the local PostgreSQL cluster,
# the scripts and the test suites use. Node.js and npm are handled apart (see
# ensure_node): a machine may already have them from elsewhere, e.g. NodeSource, whose
# nodejs package conflicts with Debian's npm package.
DEB_PACKAGES=(
    build-essential cmake pkg-config
    libulfius-dev liborcania-dev libyder-dev libjansson-dev libpq-dev libjwt-dev
    # libulfius-dev depends on the GnuTLS flavour of libcurl; the OpenSSL one conflicts.
    libcurl4-gnutls-dev
    libmicrohttpd-dev libssl-dev zlib1g-dev
    postgresql-15 postgresql-contrib
    # setfacl: let the dedicated PostgreSQL user traverse e.g. /root (postgres.sh).
    acl
    # useradd / runuser (normally present; listed so a minimal image still works).
    passwd util-linux
    wrk curl ca-certificates
    # The README's API tour: JSON on the command line, a random Idempotency-Key.
    jq openssl
    # The AWS CLI v2 that provision.sh calls as /usr/bin/aws (never whatever `aws` is first
    # on PATH).
    awscli
    # The real browser that runs the AWS Clickstream web SDK in tests/e2e (driven by the
    # npm playwright-core; headless, --no-sandbox as root in CI).
    chromium
    # The API's container image, built and run by make test's deploy/image (tests/deploy.cmake):
    # the base from Debian packages with mmdebstrap, the build with podman/buildah.
    podman buildah mmdebstrap
    # >>> fuzz (issue 15): the libFuzzer targets of tests/fuzz/ (make fuzz, and make test's
    # fuzz/* smoke runs) build with clang; Debian 12 ships libFuzzer and the sanitizer
    # runtimes for clang 14 in libclang-rt-14-dev.
    clang libclang-rt-14-dev
    # <<< fuzz
)

# missing_debs PKG… — print the packages that dpkg does not list as installed.
missing_debs() {
    local pkg status
    for pkg in "$@"; do
        status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == ii* ]] || printf '%s\n' "$pkg"
    done
}

# apt_install PKG… — apt-get update (once) and install the packages, no recommends.
apt_install() {
    sf_log "installing Debian packages: $*"
    sf_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
        sf_die "apt-get update failed"
    sf_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@" || sf_die "apt-get install $* failed"
}

# node_packages — print the Debian packages needed for Node.js and npm, if any.
node_packages() {
    if [[ ! -x /usr/bin/node ]]; then
        printf '%s\n' nodejs npm
    elif ! command -v npm >/dev/null 2>&1; then
        printf '%s\n' npm
    fi
}

# ensure_npm_deps — `npm ci` when package-lock.json exists and node_modules is missing or
# older than it. Without a package.json there is nothing to install (yet).
ensure_npm_deps() {
    cd "$SF_ROOT"
    [[ -f package.json ]] || return 0
    if [[ -f package-lock.json ]]; then
        if [[ -d node_modules && ! package-lock.json -nt node_modules ]]; then
            return 0
        fi
        sf_log "installing npm packages (npm ci)"
        npm ci --no-audit --no-fund --loglevel=error || sf_die "npm ci failed"
    else
        [[ -d node_modules && ! package.json -nt node_modules ]] && return 0
        sf_warn "package.json has no package-lock.json: running npm install (commit the lock file)"
        npm install --no-audit --no-fund --loglevel=error || sf_die "npm install failed"
    fi
    # npm leaves the folder's mtime alone when nothing changed; mark it as up to date.
    touch node_modules
}

# ensure_deploy_npm_deps — the same for the CDK app in deploy/ (its own package.json and
# lock file: aws-cdk-lib, the cdk CLI, tsx), which make test synthesizes and checks offline.
ensure_deploy_npm_deps() {
    cd "$SF_ROOT/deploy" 2>/dev/null || return 0
    [[ -f package-lock.json ]] || return 0
    if [[ -d node_modules && ! package-lock.json -nt node_modules ]]; then
        return 0
    fi
    sf_log "installing the CDK app's npm packages (npm ci in deploy/)"
    npm ci --no-audit --no-fund --loglevel=error || sf_die "npm ci in deploy/ failed"
    touch node_modules
}

main() {
    local only=0
    local -a wanted missing
    if [[ "${1:-}" == "--only" ]]; then
        only=1
        shift
        wanted=("$@")
    else
        wanted=("${DEB_PACKAGES[@]}")
    fi
    command -v dpkg-query >/dev/null 2>&1 ||
        sf_die "dpkg-query not found: these scripts target Debian 12 (bookworm)"

    mapfile -t missing < <(missing_debs "${wanted[@]}")
    if ((only == 0)); then
        mapfile -t -O "${#missing[@]}" missing < <(node_packages)
    fi
    if ((${#missing[@]} > 0)); then
        apt_install "${missing[@]}"
    fi
    if ((only == 0)); then
        ensure_npm_deps
        ensure_deploy_npm_deps
    fi
}

main "$@"
