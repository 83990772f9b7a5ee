#!/bin/sh
# Runs every libFuzzer harness built in DIR (DIR/fuzz_NAME, from
# tests/fuzz/fuzz_NAME.c) for SECONDS each, JOBS harnesses at a time, from
# the committed seeds in tests/fuzz/corpus/NAME plus what earlier runs found
# (DIR/corpus/NAME, where new inputs are written; the committed seeds are
# never modified), with the dictionary tests/fuzz/NAME.dict when present.
# A crash, leak, sanitizer report, timeout or out-of-memory is a failure: its
# input is kept in DIR/artifacts/ and the log in DIR/NAME.log. Prints the
# executions of each harness and the total.
# Usage: tests/fuzz/run.sh DIR SECONDS [JOBS]   (from the repository root;
# `make fuzz` builds the harnesses and calls this)
dir=${1:?usage: run.sh DIR SECONDS [JOBS]}
secs=${2:?usage: run.sh DIR SECONDS [JOBS]}
jobs=${3:-1}
mkdir -p "$dir/artifacts"
# Absolute paths: fuzz_argv changes its working directory.
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
seeds=$(pwd)/tests/fuzz
names=
for src in tests/fuzz/fuzz_*.c; do
    name=${src#tests/fuzz/fuzz_}
    names="$names ${name%.c}"
done

start() { # name: runs one harness in the background, its pid in $!
    name=$1
    mkdir -p "$dir/corpus/$name"
    dict=
    [ -f "$seeds/$name.dict" ] && dict="-dict=$seeds/$name.dict"
    # ASan's leak check runs at exit and after each input libFuzzer flags
    # as possibly leaking (-detect_leaks=1, the default).
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$dir/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -use_value_profile=1 $dict \
        -artifact_prefix="$dir/artifacts/$name-" "$dir/corpus/$name" "$seeds/corpus/$name" \
        </dev/null >"$dir/$name.log" 2>&1 &
}

fail=0
total=0
set -- $names
while [ $# -gt 0 ]; do
    pids= batch=
    n=0
    while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
        start "$1"
        pids="$pids $!" batch="$batch $1"
        n=$((n + 1))
        shift
    done
    echo "fuzzing$batch for ${secs}s each"
    i=0
    for pid in $pids; do
        wait "$pid"
        rc=$?
        i=$((i + 1))
        name=$(echo $batch | cut -d' ' -f$i)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$name.log" | tail -1)
        execs=${execs:-0}
        total=$((total + execs))
        corpus=$(ls "$dir/corpus/$name" | wc -l)
        if [ "$rc" -eq 0 ]; then
            echo "fuzz_$name: $execs executions, no crash (corpus $corpus inputs)"
        else
            fail=1
            echo "FAIL: fuzz_$name exited $rc after $execs executions; log $dir/$name.log:"
            grep -E 'ERROR|SUMMARY|check failed|runtime error|Test unit written' "$dir/$name.log" | head -20
        fi
    done
done
echo "fuzz: $total executions in total"
[ "$fail" -eq 0 ]
