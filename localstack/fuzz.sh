#!/usr/bin/env bash
# localstack/fuzz.sh — the libFuzzer targets of tests/fuzz/: build them, run them.
#
# Why: the parsers that read bytes an attacker chose (request bodies, the query string,
# cursors, bearer tokens, both clickstream formats, gzip, the Stripe-Signature header)
# are fuzzed with coverage guidance, ASan and UBSan. The fuzz build is clang-only and
# separate from the gcc build: build-fuzz/, configured with -DSTOREFRONT_FUZZ=ON.
# docs/fuzzing.md says how to read a crash and turn it into a regression input.
#
# Usage:
#   localstack/fuzz.sh                 `make fuzz`: install clang + libFuzzer if missing,
#                                      build, run each target FUZZ_SECONDS, growing
#                                      build-fuzz/corpus/<target>/; crashes are saved in
#                                      build-fuzz/crashes/<target>/
#   localstack/fuzz.sh --build-only    build build-fuzz/ (ctest's fuzz/build)
#   localstack/fuzz.sh --smoke TARGET  one short run over the checked-in seeds and
#                                      regression inputs (ctest's fuzz/<target>)
# Environment:
#   FUZZ_SECONDS   per target for `make fuzz` (default 300); SMOKE_SECONDS for --smoke (20)
#   FUZZ_TARGETS   space-separated target names (default: all, e.g. "jwt query")
#   FUZZ_JOBS      targets run at once by `make fuzz` (default 1: each uses one core)
# Exit status: 0 clean, 1 a target crashed / leaked / hit UB (or the build failed),
# 77 (--build-only, --smoke) clang or its libFuzzer runtime is missing: ctest's SKIP.
set -euo pipefail

# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FUZZ_DIR="$SF_ROOT/build-fuzz"
SRC_DIR="$SF_ROOT/tests/fuzz"
SKIP=77

# toolchain_ok — true when clang links a libFuzzer target with ASan + UBSan (Debian 12:
# the clang and libclang-rt-14-dev packages).
toolchain_ok() {
    command -v clang >/dev/null 2>&1 || return 1
    local tmp rc=0
    tmp="$(mktemp -d -t sf-fuzz-check.XXXXXX)"
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return d && n > 1 ? 0 : 0; }' \
        >"$tmp/t.c"
    clang -fsanitize=fuzzer,address,undefined -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1 || rc=1
    rm -rf -- "$tmp"
    return "$rc"
}

# all_targets — the names of tests/fuzz/fuzz_<name>.c, one a line.
all_targets() {
    local f
    for f in "$SRC_DIR"/fuzz_*.c; do
        f="${f##*/fuzz_}"
        printf '%s\n' "${f%.c}"
    done
}

build() {
    sf_build build-fuzz -DSTOREFRONT_FUZZ=ON -DCMAKE_C_COMPILER=clang
}

# corpus_args TARGET — the checked-in seed and regression folders that exist.
corpus_args() {
    local d
    for d in "$SRC_DIR/corpus/$1" "$SRC_DIR/regressions/$1"; do
        [[ -d "$d" ]] && printf '%s\n' "$d"
    done
    return 0
}

# dict_args TARGET — -dict=… when tests/fuzz/dict/<target>.dict exists.
dict_args() {
    [[ -f "$SRC_DIR/dict/$1.dict" ]] && printf -- '-dict=%s\n' "$SRC_DIR/dict/$1.dict"
    return 0
}

# Common libFuzzer flags: a 10 s hang is a failure, 2 GB a leak of its own, inputs up
# to 64 KiB (the bodies' shapes need room), a final line with the coverage reached.
FLAGS=(-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1)

# smoke TARGET — run the target SMOKE_SECONDS over a scratch corpus (never the
# checked-in folders: libFuzzer writes new inputs into the first one) plus the seeds and
# regressions, which it runs first: a regression input that fails again fails the test.
smoke() {
    local target="$1" bin="$FUZZ_DIR/fuzz_$1" tmp rc=0
    local -a dirs dict
    if ! toolchain_ok; then
        echo "fuzz/$target: SKIPPED: clang with libFuzzer is missing (Debian 12: apt-get install clang libclang-rt-14-dev; localstack/bootstrap.sh installs them)"
        exit "$SKIP"
    fi
    [[ -x "$bin" ]] || sf_die "$bin is missing: localstack/fuzz.sh --build-only (ctest's fuzz/build) builds it"
    mapfile -t dirs < <(corpus_args "$target")
    mapfile -t dict < <(dict_args "$target")
    tmp="$(mktemp -d -t "sf-fuzz-$target.XXXXXX")"
    (cd "$tmp" && "$bin" "${FLAGS[@]}" "${dict[@]}" -max_total_time="${SMOKE_SECONDS:-20}" \
        -artifact_prefix="$tmp/" "$tmp" "${dirs[@]}") || rc=$?
    if ((rc != 0)); then
        local crash
        for crash in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
            [[ -f "$crash" ]] || continue
            mkdir -p "$FUZZ_DIR/crashes/$target"
            cp -- "$crash" "$FUZZ_DIR/crashes/$target/"
            sf_warn "fuzz/$target: input saved as build-fuzz/crashes/$target/${crash##*/} (docs/fuzzing.md)"
        done
    fi
    rm -rf -- "$tmp"
    return "$rc"
}

# long_run TARGET — `make fuzz` for one target; prints its summary line.
long_run() {
    local target="$1" bin="$FUZZ_DIR/fuzz_$1" log rc=0 stats
    local -a dirs dict
    [[ -x "$bin" ]] || sf_die "no fuzz target named $target (tests/fuzz/fuzz_$target.c)"
    mkdir -p "$FUZZ_DIR/corpus/$target" "$FUZZ_DIR/crashes/$target"
    mapfile -t dirs < <(corpus_args "$target")
    mapfile -t dict < <(dict_args "$target")
    log="$FUZZ_DIR/crashes/$target/last-run.log"
    sf_log "fuzzing $target for ${FUZZ_SECONDS:-300} s (log: ${log#"$SF_ROOT"/})"
    (cd "$FUZZ_DIR/crashes/$target" && "$bin" "${FLAGS[@]}" "${dict[@]}" \
        -max_total_time="${FUZZ_SECONDS:-300}" -artifact_prefix="$FUZZ_DIR/crashes/$target/" \
        "$FUZZ_DIR/corpus/$target" "${dirs[@]}") >"$log" 2>&1 || rc=$?
    stats="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)"
    if ((rc == 0)); then
        printf '%-18s ok      %s\n' "$target" "${stats:-(no summary)}"
    else
        printf '%-18s FAILED  exit %s; see %s and the crash-*/leak-*/timeout-* files beside it\n' \
            "$target" "$rc" "${log#"$SF_ROOT"/}"
    fi
    return "$rc"
}

main() {
    case "${1:-}" in
    --build-only)
        if ! toolchain_ok; then
            echo "fuzz/build: SKIPPED: clang with libFuzzer is missing (Debian 12: apt-get install clang libclang-rt-14-dev; localstack/bootstrap.sh installs them)"
            exit "$SKIP"
        fi
        build
        return 0
        ;;
    --smoke)
        [[ -n "${2:-}" ]] || sf_die "usage: localstack/fuzz.sh --smoke TARGET"
        smoke "$2"
        return
        ;;
    "") ;;
    *) sf_die "unknown argument: $1 (see the header of localstack/fuzz.sh)" ;;
    esac

    "$SF_ROOT/localstack/bootstrap.sh" --only clang libclang-rt-14-dev
    toolchain_ok || sf_die "clang cannot link a libFuzzer target even after installing clang and libclang-rt-14-dev"
    build
    local -a targets
    if [[ -n "${FUZZ_TARGETS:-}" ]]; then
        read -r -a targets <<<"$FUZZ_TARGETS"
    else
        mapfile -t targets < <(all_targets)
    fi
    local t failed=0 jobs="${FUZZ_JOBS:-1}" running=0
    local -a pids=()
    for t in "${targets[@]}"; do
        if ((jobs <= 1)); then
            long_run "$t" || failed=1
        else
            long_run "$t" &
            pids+=($!)
            running=$((running + 1))
            if ((running >= jobs)); then
                wait "${pids[0]}" || failed=1
                pids=("${pids[@]:1}")
                running=$((running - 1))
            fi
        fi
    done
    for t in "${pids[@]}"; do
        wait "$t" || failed=1
    done
    if ((failed)); then
        sf_die "a fuzz target failed: docs/fuzzing.md says how to reproduce it and keep the input as a regression"
    fi
    sf_log "no crash, leak or UB; the corpora grew in build-fuzz/corpus/"
}

main "$@"
