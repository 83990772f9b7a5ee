#!/bin/sh
# Runs every examples/NAME.conf through gradexp and compares stdout byte for
# byte with examples/NAME.out (made from real PyTorch by gen_examples.py),
# each examples/NAME.svg with the figure of NAME.conf, and the blog's two
# spellings: no arguments, and the explicit flags.
# Usage: tests/run_examples.sh ./gradexp
bin=${1:-./gradexp}
pass=0
fail=0
check() { # name, expected file, command...
    name=$1 want=$2
    shift 2
    if "$@" 2>/dev/null | cmp -s - "$want"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $name: output differs from $want"
        "$@" 2>/dev/null | diff "$want" - | head -10
    fi
}
for conf in examples/*.conf; do
    check "$conf" "${conf%.conf}.out" "$bin" --config "$conf"
done
# the figures: examples/NAME.svg is `gradexp --config examples/NAME.conf
# --plot -` (regenerate with --plot examples/NAME.svg after a deliberate
# change to the figure, and look at it)
for svg in examples/*.svg; do
    [ -f "$svg" ] || continue
    check "$svg" "$svg" "$bin" --config "${svg%.svg}.conf" --plot -
done
check "gradexp (no arguments)" examples/blog.out "$bin"
check "gradexp --classes 3 --features 5 --target 1" examples/blog.out "$bin" --classes 3 --features 5 --target 1
echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
