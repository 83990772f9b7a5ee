#!/bin/sh
# valgrind memcheck on every examples/*.conf (and the figure, the lesson
# page, the array readers and --save): no invalid access, no use of
# uninitialised memory, no leak (--leak-check=full; --error-exitcode makes
# any error fail the run), and the output still equal to the .out file. Also
# the scalar paths (GRADEXP_NO_SIMD=1) of the blog, and an error exit.
# Usage: tests/valgrind.sh ./gradexp   (from the repository root; `make
# valgrind` builds gradexp and calls this)
bin=${1:-./gradexp}
vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"
pass=0
fail=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
check() { # name, expected exit status, expected output file or -, command...
    name=$1 want_rc=$2 want_out=$3
    shift 3
    "$@" >"$out" 2>"$err"
    rc=$?
    why=
    [ "$rc" -eq "$want_rc" ] || why="exit $rc, want $want_rc"
    [ "$want_out" = - ] || cmp -s "$out" "$want_out" || why="$why; output differs from $want_out"
    grep -q '^==[0-9]*==' "$err" && why="$why; valgrind reported errors"
    if [ -z "$why" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $name: $why"
        head -40 "$err"
    fi
}
for conf in examples/*.conf; do
    check "$conf" 0 "${conf%.conf}.out" $vg "$bin" --config "$conf"
done
check "blog, scalar paths" 0 examples/blog.out env GRADEXP_NO_SIMD=1 $vg "$bin" --config examples/blog.conf
check "network walkthrough" 0 - $vg "$bin" --config examples/deep-net.conf --explain
check "trained head, walkthrough and gradient check" 0 - $vg "$bin" --config examples/training.conf --explain --gradcheck
check "trained network, JSON" 0 - $vg "$bin" --config examples/batch-tanh.conf --format json
check "the NEON family: a trained network" 0 - $vg "$bin" --config examples/batch-tanh.conf --cpu neon --torch 2.14
check "the NEON family, streamed and trained" 0 - $vg "$bin" --cpu neon --torch 2.6 --classes 300 --features 70 --steps 2 --loss all --show all
check "bad config (error exit)" 2 - $vg "$bin" --config tests/data/bad/duplicate.conf
vdir=$(mktemp -d) || exit 1
check "the blog's figure on stdout" 0 examples/blog.svg $vg "$bin" --config examples/blog.conf --plot -
check "a trained network's figure, lesson page" 0 - $vg "$bin" --config examples/deep-net.conf --steps 3 --plot "$vdir/f.svg" --format html
check "a block-reduced figure (embedded PNG)" 0 - $vg "$bin" --classes 700 --features 300 --plot "$vdir/big.svg"
check "arrays in, --save out" 0 - $vg "$bin" --input tests/data/arrays/run/x5_f16_be.npy \
    --weights tests/data/arrays/run/w3x5_fortran.npy --show all --steps 2 --save "$vdir/out"
check "safetensors in, hidden layers" 0 - $vg "$bin" --input tests/data/arrays/run/model.safetensors:x \
    --weights tests/data/arrays/run/w1_8x5.npy,tests/data/arrays/run/w2_4x8.npy,tests/data/arrays/run/w3_3x4.npy
check "a bad array file (error exit)" 2 - $vg "$bin" --weights tests/data/arrays/bad/st_overlap.safetensors:a
check "a full disk for --plot (error exit)" 1 - $vg "$bin" --plot /dev/full
rm -rf "$vdir"
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
