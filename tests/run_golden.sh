#!/bin/sh
# Checks gradexp against the committed golden corpora from real PyTorch:
# tests/golden/torch-RELEASE-FAMILY.txt, one per (release, kernel family)
# cell, and torch-RELEASE-FAMILY-layers.txt.gz (hidden layers, batches and
# SGD steps, gzip-compressed), each a list of "=== <gradexp arguments>" lines followed by the text
# that PyTorch printed for them (written by tests/conformance.py
# --save-golden; the arguments name the cell with --torch and --cpu).
# Usage: tests/run_golden.sh ./gradexp [corpus...]
bin=${1:-./gradexp}
shift 2>/dev/null
[ $# -gt 0 ] || set -- tests/golden/torch-*.txt tests/golden/torch-*.txt.gz
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
total_pass=0
total_fail=0
for corpus in "$@"; do
    rm -f "$tmp"/case.*
    case "$corpus" in
    *.gz) gzip -dc "$corpus" >"$tmp/corpus" || { echo "FAIL: $corpus: unreadable"; total_fail=$((total_fail + 1)); continue; } ;;
    *) cp "$corpus" "$tmp/corpus" ;;
    esac
    # case.N.args holds the arguments, case.N.want the expected text
    awk -v dir="$tmp" '
        /^=== / { n++; f = sprintf("%s/case.%06d", dir, n); print substr($0, 5) > (f ".args"); close(f ".args");
                  printf "" > (f ".want"); next }
        { print >> (f ".want") }
        END { if (n == 0) exit 1 }' "$tmp/corpus" || { echo "FAIL: $corpus: no cases"; total_fail=$((total_fail + 1)); continue; }
    pass=0
    fail=0
    for args_file in "$tmp"/case.*.args; do
        base=${args_file%.args}
        args=$(cat "$args_file")
        # the arguments are shell-quoted (Python's shlex.join)
        eval "set -- $args"
        if "$bin" "$@" >"$base.got" 2>/dev/null && cmp -s "$base.got" "$base.want"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            [ "$fail" -le 3 ] && { echo "FAIL: $corpus: gradexp $args"; diff "$base.want" "$base.got" | head -6; }
        fi
    done
    name=$(basename "$corpus" .gz)
    echo "golden ${name%.txt}: $pass passed, $fail failed"
    total_pass=$((total_pass + pass))
    total_fail=$((total_fail + fail))
done
echo "golden: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
