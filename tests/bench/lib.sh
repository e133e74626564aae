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

# --- capturing the server's statements (catalog.sh, ceiling.sh) -----------------------------

# statement_log on|off — PostgreSQL logs every statement it executes with its parameters
# (log_min_duration_statement = 0), each line prefixed with the backend's pid and
# application name, so the pool's sessions ("storefront") can be told apart from the
# server's background connections. On only while the probes run: it costs every query.
statement_log() {
    if [[ "$1" == on ]]; then
        pg_admin_sql <<<"ALTER SYSTEM SET log_min_duration_statement = 0;
ALTER SYSTEM SET log_line_prefix = 'sfbench %p %a ';
SELECT pg_reload_conf();" || sf_die "could not turn the statement log on"
    else
        pg_admin_sql <<<"ALTER SYSTEM RESET log_min_duration_statement;
ALTER SYSTEM RESET log_line_prefix;
SELECT pg_reload_conf();" || sf_die "could not turn the statement log off"
    fi
    sleep 1 # sessions re-read the configuration before their next command
}

# parse_statements PREFIX — reads a slice of the PostgreSQL log (stdin) and writes each
# statement the pool's sessions executed to PREFIX.sql.N and its parameters to
# PREFIX.params.N (lines "n<TAB>V<TAB>value" or "n<TAB>N<TAB>" for NULL); prints N.
# Only "execute" lines count: parse and bind lines repeat the text of the same statement.
parse_statements() {
    awk -v pre="$1" '
        function params(s, out,    n, v, i, c) {
            printf "" > out
            while (match(s, /^\$[0-9]+ = /)) {
                n = substr(s, 2, RLENGTH - 4); s = substr(s, RLENGTH + 1)
                if (substr(s, 1, 4) == "NULL") { printf "%s\tN\t\n", n > out; s = substr(s, 5) }
                else {
                    v = ""; i = 2
                    while (i <= length(s)) {
                        c = substr(s, i, 1)
                        if (c == "\047") { if (substr(s, i + 1, 1) == "\047") { v = v c; i += 2; continue } break }
                        v = v c; i++
                    }
                    printf "%s\tV\t%s\n", n, v > out; s = substr(s, i + 1)
                }
                sub(/^, /, "", s)
            }
            close(out)
        }
        /^sfbench [0-9]+ storefront LOG:  duration: [0-9.]+ ms  execute [^:]*: / {
            n++; s = $0
            sub(/^sfbench [0-9]+ storefront LOG:  duration: [0-9.]+ ms  execute [^:]*: /, "", s)
            printf "%s", s > (pre ".sql." n); printf "" > (pre ".params." n)
            in_sql = 1; want = 1; next
        }
        /^sfbench [0-9]+ storefront DETAIL:  parameters: / && want {
            s = $0; sub(/^sfbench [0-9]+ storefront DETAIL:  parameters: /, "", s)
            params(s, pre ".params." n); want = 0; in_sql = 0; next
        }
        /^sfbench / { in_sql = 0; want = 0; next }
        in_sql { printf "\n%s", $0 > (pre ".sql." n) } # a statement spanning lines
        END { for (i = 1; i <= n; i++) close(pre ".sql." i); print n + 0 }'
}

# --- pgbench running the captured statements (catalog.sh, ceiling.sh) ----------------------
# They use the caller's globals: TMP_DIR/PHASE/SC.{sql,params}.N and SC.values as capture
# writes them, CAP_N and PGB_NOTE (associative arrays), MAX_PGBENCH_SCRIPTS, SESSION_OPTS,
# PGBENCH_DURATION, WARMUP.

# write_pgbench PHASE SC — pgbench scripts running, as one transaction, the statements
# captured for one request of SC, and their arguments (one per line) in DIR/SC.pgbargs.
# A parameter equal to the probe's varying value (its category, word…) becomes a pgbench
# variable with one script per value, picked at random with equal weights, as wrk picks
# the paths; the others are constants (-D). pgbench binds each :variable occurrence as a
# parameter of its own, so a statement that uses $1 three times (search) reaches
# PostgreSQL with $1, $2, $3 bound to the same value: the same SQL otherwise.
write_pgbench() {
    local ph="$1" sc="$2" dir="$TMP_DIR/$1" probe="" j n kind val var sql i=0 nstmt tpl args
    nstmt="${CAP_N[$ph.$sc]:-0}"
    tpl="$dir/$sc.pgbtpl"
    args="$dir/$sc.pgbargs"
    ((nstmt > 0)) || { PGB_NOTE[$ph.$sc]="no statement captured"; return 1; }
    [[ -s "$dir/$sc.values" ]] && probe="$(sed -n 1p "$dir/$sc.values")"
    : >"$tpl"
    : >"$args"
    for ((j = 1; j <= nstmt; j++)); do
        sql="$(cat "$dir/$sc.sql.$j")"
        while IFS=$'\t' read -r n kind val; do
            if [[ "$kind" == N ]]; then
                PGB_NOTE[$ph.$sc]="a NULL parameter (pgbench cannot bind NULL)"
                return 1
            fi
            if [[ -n "$probe" && "$val" == "$probe" ]]; then
                var=VARYING
            else
                var="s${j}p$n"
                printf -- '-D\n%s=%s\n' "$var" "$val" >>"$args"
            fi
            sql="$(sed -E "s/\\\$$n([^0-9]|\$)/:$var\\1/g" <<<"$sql")"
        done <"$dir/$sc.params.$j"
        printf '%s;\n' "$sql" >>"$tpl"
    done
    if grep -q ':VARYING' "$tpl"; then
        while IFS= read -r val && ((i < MAX_PGBENCH_SCRIPTS)); do
            sed "s/:VARYING/:v$i/g" "$tpl" >"$dir/$sc.pgb.$i.sql"
            printf -- '-f\n%s@1\n-D\nv%d=%s\n' "$dir/$sc.pgb.$i.sql" "$i" "$val" >>"$args"
            i=$((i + 1))
        done <"$dir/$sc.values"
    else
        cp -f -- "$tpl" "$dir/$sc.pgb.0.sql"
        printf -- '-f\n%s\n' "$dir/$sc.pgb.0.sql" >>"$args"
    fi
    if ((nstmt > 1)); then
        PGB_NOTE[$ph.$sc]="$nstmt statements per transaction, as per request"
    fi
    save "$ph.$sc.pgbench.sql" "$tpl"
    return 0
}

# pgbench_warmup CLIENTS — WARMUP, but at least 2 s + 1 s per 10 clients: pgbench's -T
# includes connecting, and 64 scram-sha-256 logins took 3 s on a busy 2-core machine, so
# a short WARMUP would leave the measured window partly empty.
pgbench_warmup() {
    local floor=$((2 + $1 / 10))
    echo $((WARMUP > floor ? WARMUP : floor))
}

# run_pgbench NAME CLIENTS ARGS_FILE API_RPS — pgbench -M prepared for the warm-up +
# PGBENCH_DURATION s. Every pgbench client is a new session that prepares and plans its
# statements (the first five executions of each get a custom plan), so, like wrk, the
# warm-up seconds are not counted: tps is the mean of pgbench's per-second progress
# after them, p50/p99 come from a sample of the per-transaction log after them (sized
# from the API's rate to keep ~50k transactions), and the CPU window starts then. (The
# CPU of PostgreSQL counts backends that exit at the end by their whole life, warm-up
# included: the pg column of a short pgbench run at 64 clients reads high.)
run_pgbench() {
    local name="$1" clients="$2" argfile="$3" api_rps="${4:-}" jobs out t0 t1 s0 s1 rc=0 total rate warmup cut
    local -a args
    mapfile -t args <"$argfile"
    jobs=$((clients < 2 ? clients : 2))
    warmup="$(pgbench_warmup "$clients")"
    total=$((warmup + PGBENCH_DURATION))
    rate="$(awk -v r="${api_rps:-0}" -v t="$total" 'BEGIN { if (r + 0 <= 0) { print 0.02; exit }
        x = 50000 / (r * 2 * t); if (x > 1) x = 1; if (x < 0.0005) x = 0.0005; printf "%.4f\n", x }')"
    out="$TMP_DIR/$name.out"
    sf_log "pgbench $name: -M prepared -c $clients -j $jobs, ${warmup}s warm-up + ${PGBENCH_DURATION}s"
    rm -f "$TMP_DIR/pgblog_$name".*
    cut=$(($(date +%s) + warmup)) # transactions logged from then on count for p50/p99
    timeout -k 5 $((total + 60)) env -u PGPASSWORD -u PGSERVICE PGOPTIONS="$SESSION_OPTS" \
        PGPASSFILE="$PG_PWFILE" "$PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$jobs" \
        -T "$total" -P 1 -l --sampling-rate="$rate" --log-prefix="$TMP_DIR/pgblog_$name" \
        -h 127.0.0.1 -p "$PG_PORT" -U storefront "${args[@]}" storefront >"$out" 2>&1 &
    CHILD_PID=$!
    sleep "$warmup"
    # A snapshot reads all of /proc and took seconds on an overloaded machine, longer
    # than what was left of a short run: time it by its middle.
    t0="$(now)"
    s0="$(cpu_snapshot)"
    t0="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", (a + b) / 2 }')"
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    t1="$(now)"
    s1="$(cpu_snapshot)"
    t1="$(awk -v a="$t1" -v b="$(now)" 'BEGIN { printf "%.3f", (a + b) / 2 }')"
    save "$name.txt" "$out"
    if ((rc != 0)); then
        sf_warn "pgbench $name exited with status $rc:"
        tail -n 5 "$out" >&2
        R_NOTE[$name]="pgbench failed (status $rc)"
    fi
    # progress: 7.0 s, 6543.2 tps, lat 0.611 ms stddev 0.283, 0 failed
    R_RPS[$name]="$(awk -v w="$warmup" '/^progress: / && $2 + 0 > w { sum += $4; n++ }
        END { if (n) printf "%.0f", sum / n }' "$out")"
    [[ -n "${R_RPS[$name]}" ]] || R_RPS[$name]="$(awk '/^tps = / { printf "%.0f", $3; exit }' "$out")"
    R_NON2XX[$name]="$(awk '/^number of failed transactions:/ { print $5; exit }' "$out")"
    R_SOCKERR[$name]="-"
    local p50 p99
    # log line: client_id transaction_no latency_us script_no epoch_s epoch_us
    read -r p50 p99 < <(cat "$TMP_DIR/pgblog_$name".* 2>/dev/null |
        awk -v cut="$cut" '$5 >= cut { print $3 }' | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
            i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5)
            printf "%.2f %.2f\n", v[i50 < 1 ? 1 : i50] / 1000, v[i99 < 1 ? 1 : i99] / 1000 }')
    rm -f "$TMP_DIR/pgblog_$name".*
    R_P50[$name]="$p50"
    R_P99[$name]="$p99"
    cpu_split "$name" "$s0" "$s1" "$t0" "$t1"
    R_RSS[$name]="-"
    R_HWM[$name]="-"
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
