#!/bin/sh
# Determinism: gradexp must print the same bytes whatever compiler and
# optimisation built it. Builds gradexp with gcc and clang at -O0, -O2, -O3
# and -O2/-O3 -march=native (which enables FMA and AVX-512 on CPUs that have
# them; the Makefile's -ffp-contract=off must keep every a*b+c unfused) into
# build/determinism/<compiler>-<flags>/ (through the Makefile's out-of-tree
# `variant` build, so the required flags are the project's), then runs:
#  - every examples/*.conf, compared with its examples/*.out (from PyTorch);
#  - the extra configurations below (large and odd sizes, --show all, both
#    --rng kernels, --stable, --loss all, print options, extreme seeds and
#    scales), compared byte for byte (stdout, stderr and exit status) with
#    the reference build's result (below);
# each on the AVX2 paths and again on the scalar paths (GRADEXP_NO_SIMD=1).
# Then the same with the top-level Makefile as users and packagers call it,
# in a copy of the tree: `make CFLAGS=-O3`, `make CFLAGS="-O3 -march=native"`,
# `make CFLAGS="-O2 -ffast-math"` and CFLAGS set in the environment, none of
# which may drop the exactness flags.
# Usage: tests/determinism.sh   (from the repository root; `make determinism`)
# Environment: DET_CCS (default "gcc clang"), DET_FLAGS (default
# "-O2 -O0 -O3 -O2_-march=native -O3_-march=native", '_' for a space). The
# first build (gcc -O2, like the default `make`) on the AVX2 paths is the
# reference for the extra configurations.
make=${MAKE:-make}
ccs=${DET_CCS:-gcc clang}
flagsets=${DET_FLAGS:--O2 -O0 -O3 -O2_-march=native -O3_-march=native}
root=build/determinism
jobs=$(nproc 2>/dev/null || echo 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One configuration per line: gradexp's arguments.
cat >"$tmp/configs" <<'EOF'
--classes 3000 --features 3000 --show all
--classes 2000 --features 768 --init-std 0.036 --no-abs --loss all --stable --show all
--classes 5000 --features 1000 --rng default --loss all --stable --show w,grad
--classes 60 --features 70 --show all --threshold 100000 --loss all
--classes 64 --features 64 --rng default --show all --loss all --no-abs
--classes 5 --features 10000 --target 0 --rng default --show z,p,loss,grad
--classes 10 --features 4 --target 7 --show all --loss all
--loss all --stable --no-abs --seed -1 --show all
--loss bce --show loss,grad --seed 18446744073709551615
--seed -9223372036854775808 --classes 9 --features 17 --show all --loss all --no-abs
--classes 7 --features 15 --show all --rng default
--classes 8 --features 16 --show all --stable --loss all
--classes 9 --features 31 --show all --no-abs --stable --loss all --rng default
--classes 33 --features 33 --show all --precision 12 --sci-mode on
--classes 20 --features 20 --show all --precision 0 --sci-mode off --loss all
--classes 12 --features 12 --show all --precision 60 --linewidth 300
--classes 30 --features 30 --show all --linewidth 1 --threshold 0 --edgeitems 1
--classes 1 --features 1 --target 0 --show all --loss all --stable
--init-std 1e-38 --no-abs --classes 16 --features 16 --show all --loss all
--init-std 1e30 --classes 6 --features 6 --show all --loss all
--init-std 1e30 --classes 6 --features 6 --show all --loss all --stable --no-abs
--features 2000 --classes 3 --init-std 5 --show z,p,loss,grad --loss all
--format json --show all --loss all --classes 6 --features 9
--explain --classes 4 --features 3 --loss all
--gradcheck --loss all --stable --classes 8 --features 12
--gradcheck --loss all --classes 50 --features 40 --no-abs --init-std 0.1
--classes 3000 --features 3000 --show all --cpu avx512 --loss all
--classes 19 --features 38 --show all --cpu avx512 --torch 1.13 --loss all --stable
--classes 2000 --features 768 --cpu default --torch 2.6 --loss all --stable --show all
--classes 33 --features 21 --cpu default --torch 2.14 --loss bce,sigmoid --stable --show all --no-abs
--classes 9 --features 21 --show all --sci-mode on --torch 2.14 --cpu avx512 --loss all
--classes 40 --features 40 --show all --edgeitems 0 --torch 2.6 --cpu avx512
--hidden 24,16 --act tanh --batch 9 --classes 11 --features 37 --steps 4 --lr 0.5 --loss all --show all --cpu default --torch 2.14
--hidden 24,16 --act sigmoid --batch 9 --classes 11 --features 37 --steps 4 --lr 0.5 --loss all --show all --cpu avx512 --torch 1.13
--hidden 40 --classes 10 --features 200 --batch 20 --steps 3 --loss all --stable --show loss,grad --no-abs --init-std 0.05
--classes 3000 --features 1501 --steps 3 --lr 0.5 --loss all --show loss,grad,w --init-std 0.1 --cpu avx512
--classes 37 --features 21 --steps 5 --lr 2 --show all --loss all --torch 1.13 --cpu default
--classes 3000 --features 1501 --show all --cpu neon --torch 2.6 --loss all
--classes 35 --features 19 --show all --cpu neon --loss all --stable --no-abs
--hidden 24,16 --act tanh --batch 9 --classes 11 --features 37 --steps 4 --lr 0.5 --loss all --show all --cpu neon
--classes 2000 --features 300 --steps 3 --lr 0.5 --loss all --show loss,grad,w --cpu neon --torch 2.6
--hidden 8,4 --steps 3 --explain --init-std 0.5 --no-abs
--hidden 8,4 --batch 3 --target 0,1,2 --steps 3 --gradcheck --loss all --act tanh
--plot - --steps 30 --loss all
--plot - --classes 700 --features 300 --no-abs --plot-scale each
--format html --hidden 4 --steps 2
--input tests/data/arrays/run/x5_f64.npy --weights tests/data/arrays/run/w3x5_fortran.npy --show all --loss all
--input tests/data/arrays/run/model.safetensors:x --weights tests/data/arrays/run/model.safetensors:w --show all --stable
EOF

builds=
for cc in $ccs; do
    for fs in $flagsets; do
        flags=$(echo "$fs" | tr _ ' ')
        name=$cc$(echo "$fs" | sed 's/_-/-/g')
        echo "== building $root/$name: $cc $flags"
        if ! $make -s --no-print-directory -j"$jobs" variant VDIR="$root/$name" VCC="$cc" VCFLAGS="$flags" \
            >"$tmp/build.log" 2>&1; then
            cat "$tmp/build.log"
            echo "determinism: build with $cc $flags failed"
            exit 1
        fi
        builds="$builds $name"
    done
done

# The top-level Makefile with the user's CFLAGS, in copies of the tree.
for fs in -O3 -O3_-march=native -O2_-ffast-math env:-O3_-march=native; do
    flags=$(echo "${fs#env:}" | tr _ ' ')
    name=make$(echo "$fs" | tr -d ' :=' | tr _ -)
    dir=$root/$name
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -r Makefile src "$dir"/
    echo "== building $dir: make with CFLAGS='$flags' (${fs%%:*})"
    case $fs in
    env:*) (cd "$dir" && CFLAGS="$flags" $make -s -j"$jobs" gradexp) >"$tmp/build.log" 2>&1 ;;
    *) (cd "$dir" && $make -s -j"$jobs" gradexp CFLAGS="$flags") >"$tmp/build.log" 2>&1 ;;
    esac || {
        cat "$tmp/build.log"
        echo "determinism: make CFLAGS='$flags' failed"
        exit 1
    }
    builds="$builds $name"
done

pass=0
fail=0
first=
for name in $builds; do
    bin=$root/$name/gradexp
    for simd in avx2 scalar; do
        if [ $simd = scalar ]; then export GRADEXP_NO_SIMD=1; else unset GRADEXP_NO_SIMD; fi
        for conf in examples/*.conf; do
            if "$bin" --config "$conf" 2>/dev/null | cmp -s - "${conf%.conf}.out"; then
                pass=$((pass + 1))
            else
                fail=$((fail + 1))
                echo "FAIL: $name ($simd): $conf differs from ${conf%.conf}.out"
            fi
        done
        n=0
        while IFS= read -r args; do
            n=$((n + 1))
            # shellcheck disable=SC2086
            "$bin" $args >"$tmp/out" 2>"$tmp/err"
            echo "exit $?" >>"$tmp/err"
            if [ -z "$first" ]; then
                mv "$tmp/out" "$tmp/ref$n.out"
                mv "$tmp/err" "$tmp/ref$n.err"
                pass=$((pass + 1))
            elif cmp -s "$tmp/out" "$tmp/ref$n.out" && cmp -s "$tmp/err" "$tmp/ref$n.err"; then
                pass=$((pass + 1))
            else
                fail=$((fail + 1))
                echo "FAIL: $name ($simd): gradexp $args differs from $first:"
                diff "$tmp/ref$n.out" "$tmp/out" | head -6
                diff "$tmp/ref$n.err" "$tmp/err" | head -4
            fi
        done <"$tmp/configs"
        [ -n "$first" ] || first="$name ($simd)"
    done
done
unset GRADEXP_NO_SIMD
nconf=$(wc -l <"$tmp/configs")
nbuild=$(echo $builds | wc -w)
echo "determinism: $nbuild builds x 2 paths x ($(ls examples/*.conf | wc -l) examples + $nconf configurations):" \
    "$pass identical, $fail differ"
[ "$fail" -eq 0 ]
