#!/usr/bin/env bash
# localstack/postgres.sh — an embedded PostgreSQL 15 cluster inside a folder of the
# checkout (make run: .local/pg/data) or a temp dir (make test).
#
# Why: the server and its tests need a real PostgreSQL, and a developer should not have
# to configure the system's one. The cluster lives in DATA_DIR, with its neighbours in
# DATA_DIR/.. : `password` (a pgpass file, mode 600, owned by the invoking user: the
# superuser `postgres` and the app role `storefront`), `postgresql.log`, and the Unix
# socket. Only 127.0.0.1 listens, every login needs a scram-sha-256 password, and the
# app connects as `storefront`, owner of database `storefront`, never as a superuser.
# PostgreSQL refuses to run as root, so as root the cluster belongs to a dedicated
# system user, storefront-pg, and every server-side command runs through runuser.
#
# Usage (run):
#   postgres.sh start DATA_DIR PORT [--ephemeral]   init if new, start, wait until ready;
#                                                  prints DATABASE_URL= and ADMIN_DATABASE_URL=
#   postgres.sh stop DATA_DIR                      fast stop (no-op when not running)
#   postgres.sh status DATA_DIR                    exit 0 running, 3 stopped, 4 no cluster
# --ephemeral (throw-away test clusters only) turns fsync, synchronous_commit and
# full_page_writes off: much faster, and a crash may lose the cluster.
#
# Usage (sourced): the same as functions pg_start / pg_stop / pg_status; after pg_start,
# PG_DATABASE_URL, PG_ADMIN_DATABASE_URL and PG_PORT are set, and pg_admin_sql runs SQL
# (read from stdin) as the superuser.

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN=/usr/lib/postgresql/15/bin
PG_OS_USER=storefront-pg
PG_READY_TIMEOUT=30

# pg_paths DATA_DIR — set PG_DATA (absolute), PG_HOME (its parent), PG_PWFILE, PG_LOG.
pg_paths() {
    [[ -n "${1:-}" ]] || sf_die "postgres.sh: DATA_DIR missing"
    PG_DATA="$(realpath -m -- "$1")"
    PG_HOME="$(dirname -- "$PG_DATA")"
    PG_PWFILE="$PG_HOME/password"
    PG_LOG="$PG_HOME/postgresql.log"
}

# pg_as_owner COMMAND... — run a server-side command as the cluster's OS user, from /
# (the caller's cwd may be a folder that user cannot enter).
pg_as_owner() {
    if sf_is_root; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# ensure_os_user — as root, create the storefront-pg system user if it does not exist.
ensure_os_user() {
    getent passwd "$PG_OS_USER" >/dev/null && return 0
    sf_log "creating system user $PG_OS_USER (no login shell) to own the PostgreSQL cluster"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$PG_OS_USER" || sf_die "useradd $PG_OS_USER failed"
}

# ensure_traverse DIR — as root, make sure storefront-pg can traverse every ancestor of DIR
# (a checkout under /root, mode 700, is the usual case). Grants traverse-only ACLs where
# needed, never read access, and says so in one line.
ensure_traverse() {
    local dir="$1" path="" part
    local -a changed=()
    local -a parts
    IFS=/ read -r -a parts <<<"${dir#/}"
    for part in "" "${parts[@]}"; do
        path="${path%/}/$part"
        if ! runuser -u "$PG_OS_USER" -- test -x "$path"; then
            setfacl -m "u:$PG_OS_USER:--x" "$path" ||
                sf_die "cannot grant $PG_OS_USER traverse access to $path (setfacl failed): run 'chmod o+x $path' or move the checkout"
            changed+=("$path")
        fi
    done
    if ((${#changed[@]} > 0)); then
        sf_log "granted $PG_OS_USER traverse-only access (setfacl -m u:$PG_OS_USER:--x) to: ${changed[*]}"
    fi
}

# pgpass_password ROLE — print ROLE's password from the pgpass file.
pgpass_password() {
    awk -F: -v role="$1" '$4 == role { print $5; exit }' "$PG_PWFILE"
}

# pg_init — create a new cluster in PG_DATA with generated passwords.
pg_init() {
    local su_pw app_pw initdb_pw locale=C.UTF-8
    sf_log "creating a PostgreSQL 15 cluster in $PG_DATA"
    mkdir -p -- "$PG_HOME"
    if sf_is_root; then
        chown "$PG_OS_USER:" "$PG_HOME"
    fi
    # A folder without PG_VERSION is what an interrupted initdb left: start over.
    if [[ -e "$PG_DATA" ]]; then
        rm -rf -- "$PG_DATA"
    fi

    su_pw="$(sf_random_hex 24)"
    app_pw="$(sf_random_hex 24)"
    (
        umask 077
        {
            printf '# pgpass file written by localstack/postgres.sh: host:port:database:user:password\n'
            printf '%s:*:*:%s:%s\n' 127.0.0.1 postgres "$su_pw" localhost postgres "$su_pw" \
                127.0.0.1 storefront "$app_pw" localhost storefront "$app_pw"
            # psql -h <socket folder> matches the folder's path (when it needs no escaping).
            if [[ "$PG_HOME" != *[:\\]* ]]; then
                printf '%s:*:*:%s:%s\n' "$PG_HOME" postgres "$su_pw" "$PG_HOME" storefront "$app_pw"
            fi
        } >"$PG_PWFILE.tmp"
    )
    mv -f -- "$PG_PWFILE.tmp" "$PG_PWFILE"

    # initdb reads the superuser password from a file its OS user can read; the pgpass
    # file is the invoking user's, so hand it a short-lived copy of the one line.
    initdb_pw="$PG_HOME/.initdb-pw"
    (umask 077 && printf '%s\n' "$su_pw" >"$initdb_pw")
    if sf_is_root; then
        chown "$PG_OS_USER:" "$initdb_pw"
    fi
    locale -a 2>/dev/null | grep -qixE 'c\.utf-?8' || locale=C
    if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale="$locale" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 --pwfile="$initdb_pw" \
        >"$PG_HOME/initdb.log" 2>&1; then
        rm -f -- "$initdb_pw"
        tail -n 20 "$PG_HOME/initdb.log" >&2
        sf_die "initdb failed (log: $PG_HOME/initdb.log)"
    fi
    rm -f -- "$initdb_pw"
    # Settings that callers may change between starts live in storefront.conf.
    printf "\n# Managed by localstack/postgres.sh, rewritten on every start.\ninclude_if_exists = 'storefront.conf'\n" |
        pg_as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

# write_conf PORT EPHEMERAL — (re)write the settings file included by postgresql.conf.
write_conf() {
    local port="$1" durable=on socket_dir="$PG_HOME"
    [[ "$2" == 1 ]] && durable=off
    # sun_path holds 107 bytes, and PostgreSQL adds "/.s.PGSQL.NNNNN.lock".
    if ((${#socket_dir} > 80)); then
        sf_warn "$PG_HOME is too long a path for a Unix socket: TCP (127.0.0.1:$port) only"
        socket_dir=""
    fi
    cat <<EOF | pg_as_owner tee "$PG_DATA/storefront.conf" >/dev/null
# Written by localstack/postgres.sh on every start: edits here are lost.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$socket_dir'
max_connections = 100
shared_buffers = 128MB
# A 1M-product seed writes several GB of WAL in one transaction: at the default 1GB a
# checkpoint (and, durable, a full-page image of every page touched after it) comes every
# few seconds of the load.
max_wal_size = 4GB
# off only for throw-away test clusters (--ephemeral)
fsync = $durable
synchronous_commit = $durable
full_page_writes = $durable
EOF
}

# pg_running_port — print the port of the running postmaster and return 0, or return 1.
pg_running_port() {
    pg_as_owner "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1 || return 1
    sed -n 4p "$PG_DATA/postmaster.pid"
}

# wait_ready PORT — wait until the server accepts connections; on timeout or early death,
# print the end of the log and fail.
wait_ready() {
    local port="$1" i
    for ((i = 0; i < PG_READY_TIMEOUT * 5; i++)); do
        if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then
            return 0
        fi
        # Give the postmaster a second to write its pid file before declaring it dead.
        if ((i >= 5)) && ! pg_as_owner "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; then
            tail -n 20 "$PG_LOG" >&2
            sf_die "PostgreSQL exited during start-up (log above, full log: $PG_LOG)"
        fi
        sleep 0.2
    done
    tail -n 20 "$PG_LOG" >&2
    sf_die "PostgreSQL did not accept connections on 127.0.0.1:$port within ${PG_READY_TIMEOUT}s (log above, full log: $PG_LOG)"
}

# pg_admin_sql — run the SQL on stdin as the superuser on the cluster pg_start started,
# statement by statement (so CREATE DATABASE works), stopping at the first error.
pg_admin_sql() {
    # A PGPASSWORD or PGSERVICE from the caller's environment would beat the pgpass file.
    env -u PGPASSWORD -u PGSERVICE -u PGOPTIONS PGPASSFILE="$PG_PWFILE" PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -w -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres >/dev/null
}

# ensure_app_role — create role storefront (login, not superuser) and its database, if
# missing. Idempotent, so a start interrupted after initdb recovers on the next one.
ensure_app_role() {
    local app_pw
    app_pw="$(pgpass_password storefront)"
    pg_admin_sql <<EOF || sf_die "could not create role/database storefront (log: $PG_LOG)"
SELECT 'CREATE ROLE storefront LOGIN NOSUPERUSER PASSWORD ''$app_pw'''
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'storefront')\gexec
SELECT 'CREATE DATABASE storefront OWNER storefront'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'storefront')\gexec
EOF
}

# pg_start DATA_DIR PORT [--ephemeral] — see the header.
pg_start() {
    local port="${2:-}" ephemeral=0 running owner
    pg_paths "${1:-}"
    [[ "$port" =~ ^[0-9]+$ ]] || sf_die "postgres.sh start: PORT must be a number, got '$port'"
    [[ "${3:-}" == "--ephemeral" ]] && ephemeral=1
    [[ -x "$PG_BIN/postgres" ]] ||
        sf_die "$PG_BIN/postgres not found: run localstack/bootstrap.sh (package postgresql-15)"

    mkdir -p -- "$PG_HOME"
    if sf_is_root; then
        ensure_os_user
        ensure_traverse "$PG_HOME"
    fi
    if [[ -f "$PG_DATA/PG_VERSION" ]]; then
        owner="$(stat -c %U -- "$PG_DATA")"
        if [[ "$owner" != "$(sf_is_root && echo "$PG_OS_USER" || id -un)" ]]; then
            sf_die "the cluster in $PG_DATA belongs to OS user '$owner': use that user (or root), or remove it (make distclean)"
        fi
        [[ -r "$PG_PWFILE" ]] ||
            sf_die "$PG_PWFILE is missing or unreadable, so the cluster's passwords are lost: remove the cluster (make distclean) and start again"
    else
        pg_init
    fi

    if running="$(pg_running_port)"; then
        if [[ "$running" == "$port" ]]; then
            sf_log "PostgreSQL already running on 127.0.0.1:$port ($PG_DATA), reusing it"
        else
            sf_log "PostgreSQL is running on port $running, restarting it on $port"
            pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 -s ||
                sf_die "could not stop PostgreSQL in $PG_DATA"
            running=""
        fi
    fi
    if [[ -z "$running" || "$running" != "$port" ]]; then
        if sf_port_in_use "$port"; then
            sf_die "port $port on 127.0.0.1 is taken by another program, so PostgreSQL cannot use it: stop that program or pick another port (e.g. PGPORT=5434 make run)"
        fi
        write_conf "$port" "$ephemeral"
        sf_log "starting PostgreSQL on 127.0.0.1:$port (data: $PG_DATA, log: $PG_LOG)"
        pg_as_owner "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -W -s ||
            sf_die "pg_ctl start failed (log: $PG_LOG)"
        wait_ready "$port"
    fi

    PG_PORT="$port"
    ensure_app_role
    PG_DATABASE_URL="postgresql://storefront:$(pgpass_password storefront)@127.0.0.1:$port/storefront"
    PG_ADMIN_DATABASE_URL="postgresql://postgres:$(pgpass_password postgres)@127.0.0.1:$port/postgres"
    export PG_PORT PG_DATABASE_URL PG_ADMIN_DATABASE_URL
}

# pg_stop DATA_DIR — stop the cluster fast (rolls back open transactions); no-op when it
# is not running or does not exist.
pg_stop() {
    pg_paths "${1:-}"
    [[ -f "$PG_DATA/PG_VERSION" ]] || return 0
    pg_running_port >/dev/null || return 0
    pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 -s ||
        sf_die "could not stop PostgreSQL in $PG_DATA (log: $PG_LOG)"
    sf_log "stopped PostgreSQL ($PG_DATA)"
}

# pg_status DATA_DIR — print and return the state (0 running, 3 stopped, 4 no cluster).
pg_status() {
    local port
    pg_paths "${1:-}"
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        printf 'no cluster in %s\n' "$PG_DATA"
        return 4
    fi
    if port="$(pg_running_port)"; then
        printf 'running on 127.0.0.1:%s (data: %s, passwords: %s, log: %s)\n' \
            "$port" "$PG_DATA" "$PG_PWFILE" "$PG_LOG"
        return 0
    fi
    printf 'stopped (data: %s)\n' "$PG_DATA"
    return 3
}

pg_main() {
    local cmd="${1:-}"
    shift || true
    case "$cmd" in
        start)
            pg_start "$@"
            printf 'DATABASE_URL=%s\nADMIN_DATABASE_URL=%s\n' "$PG_DATABASE_URL" "$PG_ADMIN_DATABASE_URL"
            ;;
        stop) pg_stop "$@" ;;
        status) pg_status "$@" ;;
        *)
            printf 'usage: %s start DATA_DIR PORT [--ephemeral] | stop DATA_DIR | status DATA_DIR\n' "$0" >&2
            exit 2
            ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    pg_main "$@"
fi
