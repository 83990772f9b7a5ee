#!/bin/sh
# Checks gradexp's --save, --input and --weights from the shell:
#  - --save against PyTorch: each configuration of tests/data/arrays/save/
#    CASES.txt ("NAME<TAB>arguments", shell-quoted) is run with --save into
#    a temporary directory and every file must equal, byte for byte, the one
#    torch 1.13's oracle wrote (tests/data/arrays/save/NAME/, made by
#    tests/gen_input_cases.py); no other file may be written, and stdout
#    must be the same as without --save;
#  - --save creates a missing (nested) directory; replaces an existing file
#    only by a complete new one (a renamed temporary: a hard link to the old
#    file keeps the old bytes) and leaves other files alone; a write that
#    fails part way (a file size limit) leaves the old file as it was; no
#    temporary file is left behind, whatever happened;
#  - errors: --save under /dev/full or under a regular file, a --weights
#    shape that disagrees with --classes (--features, --batch, --hidden
#    likewise), a missing file or tensor: exit 2, nothing on stdout, one
#    stderr line starting "gradexp: " naming the flag and the file, and no
#    --save directory made.
# Usage (from the repository root): sh tests/run_inputs.sh ./gradexp
# Prints "inputs: N passed, M failed"; exit status 1 when a check failed.
# VERBOSE=1 lists every check.
bin=${1:-./gradexp}
case "$bin" in */*) ;; *) bin=./$bin ;; esac
SAVE=tests/data/arrays/save
RUN=tests/data/arrays/run
pass=0
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
tab=$(printf '\t')

ok() { pass=$((pass + 1)); [ -z "${VERBOSE:-}" ] || echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...: the command's status decides
    what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
# listing DIR: its entries (dot files too), one a line, sorted
listing() { (cd "$1" 2>/dev/null && ls -A | LC_ALL=C sort); }
# same_files WANT GOT: GOT holds exactly WANT's files, byte for byte
same_files() {
    listing "$1" >"$tmp/ls.want"
    listing "$2" >"$tmp/ls.got" || return 1
    if ! cmp -s "$tmp/ls.want" "$tmp/ls.got"; then
        echo "  files differ (< expected, > written):"
        diff "$tmp/ls.want" "$tmp/ls.got" | grep '^[<>]' | sed 's/^/    /' | head -10
        return 1
    fi
    st=0
    for f in $(cat "$tmp/ls.want"); do
        if ! cmp -s "$1/$f" "$2/$f"; then
            echo "  $f: $(cmp "$1/$f" "$2/$f" 2>&1 | head -1)"
            st=1
        fi
    done
    return $st
}
# error_case DESCRIPTION PATTERN... -- ARGS...: exit 2, no stdout, one stderr
# line starting "gradexp: " that contains every PATTERN (fixed strings)
error_case() {
    what=$1
    shift
    n=0
    while [ "$1" != "--" ]; do
        n=$((n + 1))
        eval "pat_$n=\$1"
        shift
    done
    shift
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    st=$?
    msg=$(head -c 300 "$tmp/err")
    problem=
    [ $st -eq 2 ] || problem="exit $st, not 2"
    [ -s "$tmp/out" ] && problem="$problem; stdout not empty ($(head -c 100 "$tmp/out"))"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "$(tail -c 1 "$tmp/err" | od -An -c | tr -d ' ')" = '\n' ] ||
        problem="$problem; stderr is not one line"
    case "$msg" in "gradexp: "*) ;; *) problem="$problem; stderr does not start with 'gradexp: '" ;; esac
    i=1
    pat=
    while [ $i -le $n ]; do
        eval "pat=\$pat_$i"
        case "$msg" in *"$pat"*) ;; *) problem="$problem; stderr does not name '$pat'" ;; esac
        i=$((i + 1))
    done
    if [ -z "$problem" ]; then
        ok "$what"
    else
        bad "$what: ${problem#; }"
        echo "  gradexp $*"
        echo "  stderr: $msg"
    fi
}

# ---- --save against the oracle's files --------------------------------------
blog_args=
while IFS="$tab" read -r name args; do
    [ -n "$name" ] || continue
    [ -n "$blog_args" ] || blog_args=$args
    eval "set -- $args"
    out=$tmp/save-$name
    if "$bin" "$@" --save "$out" >"$tmp/stdout.save" 2>"$tmp/err" </dev/null; then
        ok "save $name: exit 0"
        "$bin" "$@" >"$tmp/stdout.plain" 2>/dev/null </dev/null
        check "save $name: stdout as without --save" cmp -s "$tmp/stdout.save" "$tmp/stdout.plain"
        if same_files "$SAVE/$name" "$out"; then
            ok "save $name: $(listing "$out" | wc -l | tr -d ' ') files identical to torch's, none extra"
        else
            bad "save $name: the files differ from torch's (gradexp $args --save DIR)"
        fi
    else
        bad "save $name: gradexp $args --save DIR exited $?: $(head -c 300 "$tmp/err")"
    fi
done <"$SAVE/CASES.txt"
[ -n "$blog_args" ] || bad "no cases in $SAVE/CASES.txt"
eval "set -- $blog_args"
blog=$SAVE/blog

# ---- --save: directories, replacing, temporaries ------------------------------
# a missing nested directory is made
"$bin" "$@" --save "$tmp/nest/a/b/c" >/dev/null 2>"$tmp/err" </dev/null
check "save: creates a missing nested directory" test -d "$tmp/nest/a/b/c"
check "save: files in the new nested directory identical" same_files "$blog" "$tmp/nest/a/b/c"
check "save: nothing else made on the way" test "$(listing "$tmp/nest"; listing "$tmp/nest/a"; listing "$tmp/nest/a/b")" = "$(printf 'a\nb\nc')"

# an existing file is replaced by a complete new one, others are left alone
mkdir "$tmp/rep"
printf 'old contents\n' >"$tmp/rep/softmax.grad.npy"
ln "$tmp/rep/softmax.grad.npy" "$tmp/old-link"
printf 'mine\n' >"$tmp/rep/notes.txt"
"$bin" "$@" --save "$tmp/rep" >/dev/null 2>"$tmp/err" </dev/null
check "save: replaces an existing file" cmp -s "$blog/softmax.grad.npy" "$tmp/rep/softmax.grad.npy"
check "save: the old file is not rewritten in place (a complete file renamed over it)" \
    test "$(cat "$tmp/old-link")" = "old contents"
check "save: leaves other files in DIR alone" test "$(cat "$tmp/rep/notes.txt")" = "mine"
rm "$tmp/rep/notes.txt"
check "save: into an existing DIR, no temporary or extra files" same_files "$blog" "$tmp/rep"

# the same run again over its own files: same bytes, nothing left over
"$bin" "$@" --save "$tmp/rep" >/dev/null 2>"$tmp/err" </dev/null
check "save: rerun over its own files, identical, no temporaries" same_files "$blog" "$tmp/rep"

# a write that fails part way (file size limit: write gives EFBIG) leaves the
# old file as it was and no temporary
mkdir "$tmp/limit"
printf 'old w\n' >"$tmp/limit/w.npy"
(
    trap '' XFSZ
    ulimit -f 64 # 32 KiB: w.npy below is 360 KB
    exec "$bin" --classes 300 --features 300 --show w,grad --loss softmax --save "$tmp/limit" \
        >/dev/null 2>"$tmp/err" </dev/null
)
st=$?
if [ $st -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && head -c 9 "$tmp/err" | grep -q '^gradexp: '; then
    ok "save: a failed write exits $st with one message"
else
    bad "save: a write over the file size limit: exit $st, stderr: $(head -c 300 "$tmp/err")"
fi
check "save: a failed write leaves the old file as it was" test "$(cat "$tmp/limit/w.npy")" = "old w"
if listing "$tmp/limit" | grep -v -x -e w.npy -e softmax.grad.npy >"$tmp/left"; then
    bad "save: a failed write left files behind: $(tr '\n' ' ' <"$tmp/left")"
else
    ok "save: a failed write leaves no temporary file"
fi

# ---- errors ----------------------------------------------------------------------
touch "$tmp/regular"
error_case "save: under /dev/full" -- "$@" --save /dev/full/x
error_case "save: under a regular file" -- "$@" --save "$tmp/regular/sub"
error_case "save: DIR is a regular file" -- "$@" --save "$tmp/regular"
error_case "weights: shape disagrees with --classes" --classes "$RUN/w3x5.npy" -- \
    --weights "$RUN/w3x5.npy" --classes 4 --target 0
error_case "weights: shape disagrees with --classes (hidden layers)" --classes "$RUN/w3_3x4.npy" -- \
    --weights "$RUN/w1_8x5.npy,$RUN/w2_4x8.npy,$RUN/w3_3x4.npy" --classes 2 --target 0
error_case "weights: shape disagrees with --features" --features "$RUN/w3x5.npy" -- \
    --weights "$RUN/w3x5.npy" --features 6
error_case "weights: shape disagrees with --hidden" --hidden "$RUN/w2_4x8.npy" -- \
    --weights "$RUN/w1_8x5.npy,$RUN/w2_4x8.npy,$RUN/w3_3x4.npy" --hidden 8,5
error_case "input: shape disagrees with --features" --features "$RUN/x5.npy" -- \
    --input "$RUN/x5.npy" --features 4
error_case "input: rows disagree with --batch" --batch "$RUN/xb4x5.npy" -- \
    --input "$RUN/xb4x5.npy" --batch 3
error_case "input: a missing file" "gradexp: $RUN/missing.npy: " -- --input "$RUN/missing.npy"
error_case "weights: a missing file" "gradexp: $RUN/missing.npy: " -- --weights "$RUN/missing.npy"
error_case "weights: a missing second file" "gradexp: $RUN/missing.npy: " -- \
    --weights "$RUN/w1_8x5.npy,$RUN/missing.npy"
error_case "input: a missing safetensors file" "gradexp: $RUN/missing.safetensors" -- \
    --input "$RUN/missing.safetensors:x"
error_case "weights: a missing safetensors tensor" "$RUN/model.safetensors" "nope" -- \
    --weights "$RUN/model.safetensors:nope"
error_case "weights: a missing file, with --save" "gradexp: $RUN/missing.npy: " -- \
    --weights "$RUN/missing.npy" --save "$tmp/not-made"
error_case "weights: a shape error, with --save" --classes "$RUN/w3x5.npy" -- \
    --weights "$RUN/w3x5.npy" --classes 4 --target 0 --save "$tmp/not-made"
check "save: no directory made when the arguments are bad" test ! -e "$tmp/not-made"

echo "inputs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
