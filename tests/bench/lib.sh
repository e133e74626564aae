# shellcheck shell=bash
# shellcheck disable=SC2034  # the R_* tables are read by the scripts that source this file
# tests/bench/lib.sh — helpers shared by the benchmark scripts (sourced, never run).
#
# Why: catalog.sh and auth.sh do the same set-up (bootstrap, build, a throw-away
# PostgreSQL, migrate + seed, `storefront serve` on loopback), take the same measurements
# (wrk with a Lua script that prints one BENCH line, CPU split from /proc, the server's
# VmRSS/VmHWM) and tear down the same way. Keeping that here keeps the figures of the
# two scripts comparable: same counters, same parsing.
#
# The caller sets BENCH_DIR, then sources this file at the top level (the R_* tables
# must be global), sets WARMUP, DURATION, CONNECTIONS, WRK_THREADS, READY_TIMEOUT, and
# uses TMP_DIR, PG_DIR, SERVER_PID, SERVER_LOG, CHILD_PID, API_PORT, RESULTS_DIR as
# documented at each function.

# shellcheck source=localstack/lib.sh
source "$BENCH_DIR/../../localstack/lib.sh"
# shellcheck source=localstack/postgres.sh
source "$SF_ROOT/localstack/postgres.sh"

TMP_DIR=""
PG_DIR=""
SERVER_PID=""
SERVER_LOG=""
CHILD_PID=""
API_PORT=""
CLK_TCK="$(getconf CLK_TCK)"
NPROC="$(nproc)"

# Results by test name, filled by run_wrk_measure / cpu_split (and the scripts' own steps).
declare -A R_CPU_IDLE R_CPU_OTHER R_RPS R_P50 R_P99 R_NON2XX R_SOCKERR R_RSS R_HWM R_CPU_SF R_CPU_PG R_CPU_CLIENT R_NOTE

# --- small helpers ----------------------------------------------------------------------

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

now() { date +%s.%N; }

# stat_ticks PID FIELD... — sum of the given /proc/PID/stat fields (1-based, counted
# after the command name, whose parentheses may hold spaces): 12 utime, 13 stime,
# 14 cutime, 15 cstime. 0 when the process is gone.
stat_ticks() {
    local pid="$1" line rest f sum=0
    shift
    read -r line 2>/dev/null <"/proc/$pid/stat" || {
        echo 0
        return
    }
    rest="${line##*) }"
    # shellcheck disable=SC2206
    local -a a=($rest)
    for f in "$@"; do
        sum=$((sum + a[f - 1]))
    done
    echo "$sum"
}

# pg_cpu_ticks — CPU of the whole cluster: live children of the postmaster, plus the
# postmaster's own time and that of the children it has reaped (pgbench's backends).
pg_cpu_ticks() {
    local pm sum f line rest
    pm="$(sed -n 1p "$PG_DATA/postmaster.pid" 2>/dev/null)" || {
        echo 0
        return
    }
    sum="$(stat_ticks "$pm" 12 13 14 15)"
    for f in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$f" || continue
        rest="${line##*) }"
        # shellcheck disable=SC2206
        local -a a=($rest)
        [[ "${a[1]}" == "$pm" ]] && sum=$((sum + a[11] + a[12]))
    done
    echo "$sum"
}

# cpu_snapshot — "server postgres client idle" in clock ticks; client = children this
# shell has reaped (wrk, pgbench) plus the running load generator (CHILD_PID is
# `timeout`, the generator its child), idle = idle + iowait of all CPUs.
cpu_snapshot() {
    local sf pg cl busy kid
    sf="$(stat_ticks "$SERVER_PID" 12 13)"
    pg="$(pg_cpu_ticks)"
    cl="$(stat_ticks $$ 14 15)"
    if [[ -n "$CHILD_PID" ]]; then
        # shellcheck disable=SC2013  # one line of space-separated pids
        for kid in $(cat "/proc/$CHILD_PID/task/$CHILD_PID/children" 2>/dev/null); do
            cl=$((cl + $(stat_ticks "$kid" 12 13)))
        done
    fi
    # idle + iowait: the kernel measures idle time exactly, whereas user/system ticks
    # are sampled, and with a tickless idle they overstate a ping-pong load.
    busy="$(awk '/^cpu / { print $5 + $6; exit }' /proc/stat)"
    printf '%s %s %s %s\n' "$sf" "$pg" "$cl" "$busy"
}

# cpu_pct TICKS SECONDS — percent of one core (as top shows it).
cpu_pct() { awk -v t="$1" -v s="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", t / hz / s * 100 }'; }

# cpu_split NAME SNAPSHOT0 SNAPSHOT1 T0 T1 — per-process CPU over the window.
cpu_split() {
    local name="$1" secs a b
    secs="$(awk -v a="$4" -v b="$5" 'BEGIN { print b - a }')"
    read -r -a a <<<"$2"
    read -r -a b <<<"$3"
    R_CPU_SF[$name]="$(cpu_pct $((b[0] - a[0])) "$secs")"
    R_CPU_PG[$name]="$(cpu_pct $((b[1] - a[1])) "$secs")"
    R_CPU_CLIENT[$name]="$(cpu_pct $((b[2] - a[2])) "$secs")"
    R_CPU_IDLE[$name]="$(cpu_pct $((b[3] - a[3])) "$secs")"
    # other = what is neither idle nor ours: other programs, interrupts, the kernel's
    # network work not charged to a process.
    R_CPU_OTHER[$name]="$(awk -v n="$NPROC" -v i="${R_CPU_IDLE[$name]}" -v s="${R_CPU_SF[$name]}" \
        -v p="${R_CPU_PG[$name]}" -v c="${R_CPU_CLIENT[$name]}" 'BEGIN { o = n * 100 - i - s - p - c; printf "%.0f", o < 0 ? 0 : o }')"
}

# run_bounded LIMIT_S OUTFILE CMD... — run CMD in the background (so a signal reaches our
# trap at once) with a hard time limit, output to OUTFILE; return its status.
run_bounded() {
    local limit="$1" out="$2" rc=0
    shift 2
    timeout -k 5 "$limit" "$@" >"$out" 2>&1 &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    return "$rc"
}

# shellcheck disable=SC2153  # PG_PORT is set by pg_start (postgres.sh)
app_psql() {
    env -u PGPASSWORD -u PGSERVICE -u PGOPTIONS PGPASSFILE="$PG_PWFILE" PGCONNECT_TIMEOUT=5 \
        PGOPTIONS="-c statement_timeout=30000" \
        "$PG_BIN/psql" -X -q -w -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" "$@"
}

server_status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null; }
kb_to_mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

save() { # save NAME FILE — keep a raw output in RESULTS_DIR
    [[ -n "$RESULTS_DIR" ]] && cp -f -- "$2" "$RESULTS_DIR/$1" 2>/dev/null
    return 0
}

# --- set-up ---------------------------------------------------------------------------

# bench_binary — localstack/bootstrap.sh, then STOREFRONT_BIN as given or built into
# BUILD_DIR (RelWithDebInfo); checks that wrk is there.
bench_binary() {
    "$SF_ROOT/localstack/bootstrap.sh"
    if [[ -n "${STOREFRONT_BIN:-}" ]]; then
        [[ -x "$STOREFRONT_BIN" ]] || sf_die "STOREFRONT_BIN=$STOREFRONT_BIN is not an executable"
        sf_log "using $STOREFRONT_BIN (no build)"
    else
        sf_build "$BUILD_DIR"
        STOREFRONT_BIN="$SF_ROOT/$BUILD_DIR/storefront"
        [[ -x "$STOREFRONT_BIN" ]] || sf_die "the build produced no $BUILD_DIR/storefront"
    fi
    command -v wrk >/dev/null 2>&1 || sf_die "wrk is not installed (apt-get install wrk; bootstrap.sh should have)"
}

# bench_tmp_dir — TMP_DIR, PG_DIR and SERVER_LOG; the caller installs its traps after.
bench_tmp_dir() {
    TMP_DIR="$(mktemp -d -t storefront-bench.XXXXXX)"
    chmod 711 "$TMP_DIR" # traverse-only, for the cluster's OS user (storefront-pg as root)
    PG_DIR="$TMP_DIR/pg/data"
    SERVER_LOG="$TMP_DIR/server.log"
}

# bench_migrate_seed SEED_ARG... -- ENV... — `storefront migrate`, `storefront seed
# SEED_ARG...` with the given environment, then VACUUM ANALYZE.
bench_migrate_seed() {
    local -a seed_args=(seed)
    while (($# > 0)) && [[ "$1" != -- ]]; do
        seed_args+=("$1")
        shift
    done
    shift
    timeout 300 env "$@" "$STOREFRONT_BIN" migrate >"$TMP_DIR/migrate.log" 2>&1 ||
        { tail -n 20 "$TMP_DIR/migrate.log" >&2; sf_die "storefront migrate failed"; }
    timeout 900 env "$@" "$STOREFRONT_BIN" "${seed_args[@]}" >"$TMP_DIR/seed.log" 2>&1 ||
        { tail -n 20 "$TMP_DIR/seed.log" >&2; sf_die "storefront seed failed"; }
    # Planner statistics as a long-running database has them (autovacuum may not have
    # visited the fresh tables yet), so plans do not change in the middle of the run.
    pg_admin_sql <<<'\c storefront
VACUUM ANALYZE;' || sf_die "VACUUM ANALYZE failed"
}

# bench_serve ENV... — `storefront serve` with that environment (output to SERVER_LOG),
# SERVER_PID; waits until GET /readyz on API_PORT answers 200.
bench_serve() {
    local status=000 deadline
    env "$@" "$STOREFRONT_BIN" serve >>"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        status="$(sf_http_status "http://127.0.0.1:$API_PORT/readyz")"
        [[ "$status" == 200 ]] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$SERVER_LOG" >&2; sf_die "the server exited during start-up"; }
        sleep 0.1
    done
    sf_die "GET /readyz did not answer 200 within ${READY_TIMEOUT}s (last status: $status)"
}

# --- wrk ----------------------------------------------------------------------------------

# run_wrk_measure NAME DESCRIPTION WRK_ARG... — WARMUP s of warm-up, then DURATION s
# measured with `wrk -tWRK_THREADS -cCONNECTIONS --timeout 2s --latency WRK_ARG...`
# (a Lua script that prints a BENCH line, its URL and script arguments); fills R_*[NAME].
# BENCH_BEFORE_MEASURE / BENCH_AFTER_MEASURE, when set, name functions called with NAME
# just before and just after the measured run (outside the CPU window).
run_wrk_measure() {
    local name="$1" desc="$2" out t0 t1 s0 s1 line rc=0
    shift 2
    local -a cmd=(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" --timeout 2s --latency "$@")
    out="$TMP_DIR/$name.out"
    if ((WARMUP > 0)); then
        sf_log "wrk $name: ${WARMUP}s warm-up"
        run_bounded $((WARMUP + 30)) "$TMP_DIR/$name.warmup" "${cmd[0]}" -d"${WARMUP}s" "${cmd[@]:1}" || true
    fi
    sf_log "wrk $name: -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s $desc"
    [[ -n "${BENCH_BEFORE_MEASURE:-}" ]] && "$BENCH_BEFORE_MEASURE" "$name"
    s0="$(cpu_snapshot)"
    t0="$(now)"
    run_bounded $((DURATION + 30)) "$out" "${cmd[0]}" -d"${DURATION}s" "${cmd[@]:1}" || rc=$?
    t1="$(now)"
    s1="$(cpu_snapshot)"
    [[ -n "${BENCH_AFTER_MEASURE:-}" ]] && "$BENCH_AFTER_MEASURE" "$name"
    save "$name.txt" "$out"
    line="$(grep -m1 '^BENCH ' "$out" || true)"
    if ((rc != 0)) || [[ -z "$line" ]]; then
        sf_warn "wrk $name failed (status $rc):"
        tail -n 5 "$out" >&2
        R_NOTE[$name]="wrk failed (status $rc)"
        return 0
    fi
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    R_RPS[$name]="$(field rps | awk '{ printf "%.0f", $1 }')"
    R_P50[$name]="$(field p50_us | awk '{ printf "%.2f", $1 / 1000 }')"
    R_P99[$name]="$(field p99_us | awk '{ printf "%.2f", $1 / 1000 }')"
    R_NON2XX[$name]="$(field status)"
    R_SOCKERR[$name]="$(($(field connect) + $(field read) + $(field write) + $(field timeout)))"
    cpu_split "$name" "$s0" "$s1" "$t0" "$t1"
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        R_RSS[$name]="$(kb_to_mb "$(server_status_kb VmRSS)")"
        R_HWM[$name]="$(kb_to_mb "$(server_status_kb VmHWM)")"
    else
        R_NOTE[$name]="the server died"
        sf_warn "the server is not running any more (log: $SERVER_LOG)"
        tail -n 20 "$SERVER_LOG" >&2
        exit 1
    fi
}

# --- clean-up --------------------------------------------------------------------------------

# bench_stop_server — SIGTERM the server, SIGKILL after 10 s; SERVER_PID emptied.
bench_stop_server() {
    local i
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
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
    SERVER_PID=""
}

# bench_teardown — for the caller's EXIT trap (after `set +e`): stops the load generator,
# the server (its log to RESULTS_DIR), the cluster, and removes TMP_DIR.
bench_teardown() {
    if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        kill -TERM "$CHILD_PID" 2>/dev/null
        wait "$CHILD_PID" 2>/dev/null
    fi
    bench_stop_server
    if [[ -n "$RESULTS_DIR" && -s "$SERVER_LOG" ]]; then
        cp -f -- "$SERVER_LOG" "$RESULTS_DIR/server.log" 2>/dev/null
    fi
    if [[ -n "$PG_DIR" ]] && ! (pg_stop "$PG_DIR") >/dev/null 2>&1; then
        pg_paths "$PG_DIR"
        pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DIR" -m immediate -w -t 10 -s >/dev/null 2>&1
    fi
    [[ -n "$TMP_DIR" ]] && rm -rf -- "$TMP_DIR"
    return 0
}
