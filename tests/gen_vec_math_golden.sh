#!/bin/sh
# gen_vec_math_golden.sh - rebuilds tests/data/vec_math_golden.txt from the
# real SLEEF 3.5.1 library (Debian's libsleef3, as linked by python3-torch).
# Needs an x86-64 CPU with AVX2 and FMA, gcc and libsleef.so.3. Run from the
# repository root:  sh tests/gen_vec_math_golden.sh
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CC=${CC:-cc}

# vec_math.c built the wrong way on purpose (compiler may fuse SLEEF's
# separate multiplies and adds): the generator keeps inputs where that
# changes the result.
$CC -O2 -std=c11 -mavx2 -mfma -ffp-contract=fast -D_POSIX_C_SOURCE=200809L \
    -DVEC_MATH_NO_FMA_DISPATCH \
    -Dsleef_expf_u10=contracted_expf_u10 -Dsleef_logf_u10=contracted_logf_u10 \
    -Dsleef_log1pf_u10=contracted_log1pf_u10 -Dsleef_expm1f_u10=contracted_expm1f_u10 \
    -Isrc -c src/vec_math.c -o "$tmp/contracted.o"

# The generator itself: contraction off, so its copy of vec_math.c computes
# exactly what the production build does.
$CC -O2 -std=c11 -mavx2 -mfma -ffp-contract=off -D_POSIX_C_SOURCE=200809L \
    -Wall -Wextra -Isrc tests/gen_vec_math_golden.c "$tmp/contracted.o" \
    -o "$tmp/gen" -l:libsleef.so.3 -lm

mkdir -p tests/data
"$tmp/gen" > "$tmp/golden.txt"
mv "$tmp/golden.txt" tests/data/vec_math_golden.txt
echo "wrote tests/data/vec_math_golden.txt ($(grep -vc '^#' tests/data/vec_math_golden.txt) cases)"
