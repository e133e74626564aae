# shellcheck shell=bash
# localstack/lib.sh — shell helpers shared by the localstack scripts (sourced, never run).
#
# Why: bootstrap.sh, postgres.sh, run.sh and test.sh all need the same few things —
# find the repository root whatever the caller's cwd, print progress the same way, run a
# command as root (directly or through sudo), tell whether a loopback port is taken, and
# pick free ports for throw-away services. Keeping them here keeps each script short.
#
# Only bash builtins and coreutils are used, so this works on a fresh Debian 12 before
# bootstrap.sh has installed anything.

# Guard against double sourcing (postgres.sh sources this, and so do its callers).
if [[ -n "${SF_LIB_SOURCED:-}" ]]; then
    return 0
fi
SF_LIB_SOURCED=1

# The repository root: the parent of the folder holding this file.
SF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
export SF_ROOT

# sf_log MESSAGE... — one progress line on stderr, so stdout stays usable for values.
sf_log() {
    printf '==> %s\n' "$*" >&2
}

# sf_warn MESSAGE... — a warning line on stderr.
sf_warn() {
    printf 'warning: %s\n' "$*" >&2
}

# sf_die MESSAGE... — an error line on stderr, then exit 1.
sf_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# sf_is_root — true when running as root.
sf_is_root() {
    [[ "$(id -u)" -eq 0 ]]
}

# sf_as_root COMMAND... — run COMMAND as root: directly when we are root, else via sudo.
# Fails clearly when neither is possible (no sudo, or sudo needs a password and there is
# no terminal to ask for it).
sf_as_root() {
    if sf_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if ! sudo -n true 2>/dev/null && [[ ! -t 0 ]]; then
            sf_die "'$*' needs root: run as root, or give this user passwordless sudo (no terminal to ask for a password)"
        fi
        sudo "$@"
    else
        sf_die "'$*' needs root, and sudo is not installed: run this as root once (or apt-get install sudo)"
    fi
}

# sf_port_in_use PORT [HOST] — true when something accepts TCP connections on HOST:PORT
# (default 127.0.0.1). Uses bash's /dev/tcp, so it needs no tool at all.
sf_port_in_use() {
    local port="$1" host="${2:-127.0.0.1}"
    # The subshell closes the probe connection as it exits.
    (exec 3<>"/dev/tcp/${host}/${port}") 2>/dev/null
}

# sf_pick_free_port [EXCLUDED_PORT...] — print a random port on which nothing listens on
# 127.0.0.1, other than the ones given. Ports come from 20000-32767: inside the range the
# brief allows and below Linux's ephemeral range (32768-60999), so an outgoing connection
# of some other program cannot grab the port between our pick and our bind.
sf_pick_free_port() {
    local port tries=0 excluded
    while ((tries < 200)); do
        tries=$((tries + 1))
        port=$((20000 + (RANDOM % 12768)))
        for excluded in "$@"; do
            [[ "$port" == "$excluded" ]] && continue 2
        done
        if ! sf_port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    sf_die "found no free TCP port on 127.0.0.1 in 20000-32767 after 200 tries"
}

# sf_random_hex BYTES — print BYTES random bytes as hex (passwords; hex needs no escaping
# in URLs, pgpass files or SQL literals).
sf_random_hex() {
    od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# sf_nproc — the number of CPUs to build with (at least 1).
sf_nproc() {
    local n
    n="$(nproc 2>/dev/null || echo 1)"
    printf '%s\n' "${n:-1}"
}

# sf_build BUILD_DIR [CMAKE_ARG...] — configure and build the project into BUILD_DIR
# (relative to the repository root) as RelWithDebInfo, with the extra cmake arguments.
sf_build() {
    local dir="$1"
    shift
    sf_log "building into ${dir}/ (cmake, $(sf_nproc) jobs)"
    cmake -S "$SF_ROOT" -B "$SF_ROOT/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null ||
        sf_die "cmake configure failed (see above)"
    # Under `make`, MAKEFLAGS would leak into CMake's own make (directory chatter, and a
    # jobserver this build does not need).
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL cmake --build "$SF_ROOT/$dir" -j"$(sf_nproc)" ||
        sf_die "build failed (see above)"
}

# sf_http_status URL — print the HTTP status of a GET (000 when nothing answered).
sf_http_status() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}
