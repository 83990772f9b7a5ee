#!/bin/sh
# Runs the table tests/cli_cases.txt: for each case, gradexp's exit status,
# its stderr (one line matching the pattern, or nothing when the pattern is
# ^$) and, for failures, an empty stdout.
# In the table's arguments and patterns, @TMP@ names a temporary directory
# holding the fixtures made below at run time (big, binary and special files
# are generated rather than committed). A case whose arguments contain
# @NONROOT@ runs only for a non-root user (root can read a chmod 000 file)
# and is counted as skipped otherwise; the token itself is dropped. Patterns
# match bytes (LC_ALL=C), so '.' also matches the bytes of invalid UTF-8
# that a message may echo.
# Usage: tests/run_cli.sh ./gradexp
bin=${1:-./gradexp}
pass=0
fail=0
skip=0
out=$(mktemp) err=$(mktemp) fix=$(mktemp -d)
trap 'chmod -R u+rwx "$fix" 2>/dev/null; rm -rf "$out" "$err" "$fix"' EXIT

# ---- fixtures -------------------------------------------------------------
# repeat N CHAR: N copies of CHAR, no newline.
repeat() { head -c "$1" /dev/zero | tr '\0' "$2"; }
{ printf 'seed = '; repeat 1048576 1; printf '\n'; } >"$fix/big-value.conf"      # a 1 MB line
{ printf '# '; repeat 1048576 x; printf '\nseed = 5\n'; } >"$fix/big-comment.conf"
{ repeat 1048576 k; printf ' = 1\n'; } >"$fix/big-key.conf"
repeat 5000000 a >"$fix/too-long.conf"                                          # past the 4 MiB line limit
{ i=0; while [ $i -lt 1000 ]; do echo "# comment $i"; i=$((i + 1)); done; } >"$fix/c1000"
{ for k in 1 2 3 4 5 6 7 8 9 10; do cat "$fix/c1000"; done; echo 'bogus = 1'; } >"$fix/many-lines.conf"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$fix/png.conf"                    # binary garbage
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\003\000>\000\001\000' >"$fix/elf.conf"
i=1; while [ $i -lt 256 ]; do printf "\\$(printf %o $i)"; i=$((i + 1)); done >"$fix/all-bytes.conf"
printf '\000seed = 1\n' >"$fix/nul-first.conf"
printf 'seed = 1\n\n# x\nfeatures = 2\000\n' >"$fix/nul-line4.conf"
printf 'seed = 1\rclasses = 3\r' >"$fix/cr-only.conf"                             # old Mac line ends
printf '\357\273\277seed = 1\n' >"$fix/bom.conf"
printf 'seed=1\n  seed   =   2\n' >"$fix/dup-spaced.conf"
printf 'stable = true\nno-abs = true\nstable = false\n' >"$fix/dup-bool.conf"
printf 'stable\n' >"$fix/key-only.conf"
printf 'stable =\n' >"$fix/key-eq.conf"
printf '=\n' >"$fix/eq-only.conf"
printf 'seed = # nothing\n' >"$fix/value-comment.conf"
printf 'seed = 1 = 2\n' >"$fix/two-eq.conf"
printf 'config = other.conf\n' >"$fix/include.conf"
printf 'classes = 99999999999999999999999\n' >"$fix/huge.conf"
printf 'threshold = -1\n' >"$fix/negative.conf"
printf 'precision = -0\n' >"$fix/neg-zero.conf"
printf 'seed = 0x10\n' >"$fix/hex.conf"
printf 'classes = 3.0\n' >"$fix/float.conf"
printf 'init-std = nan\n' >"$fix/nan.conf"
printf 'seed = \033[31mred\n' >"$fix/escape.conf"
printf 'Seed = 1\n' >"$fix/upper.conf"
printf -- '--seed = 1\n' >"$fix/flag-style.conf"
printf 'classes = 2\ntarget = 5\n' >"$fix/target.conf"
printf 'classes = 3\r\nfeatures = 4\r\ntarget = 2\r\nloss = all\r\nshow = loss\r\n' >"$fix/crlf.conf"
printf '# only comments\n   # indented\n\t# tabbed\n' >"$fix/comments.conf"
printf '\n   \n\t\n \t \n' >"$fix/blank.conf"
: >"$fix/empty.conf"
printf 'seed = 5' >"$fix/no-newline.conf"
printf 'seed\t=\t7\t\n' >"$fix/tabs.conf"
printf 'seed = 1\n' >"$fix/unreadable.conf"
chmod 000 "$fix/unreadable.conf"
ln -s loop-b "$fix/loop-a"
ln -s loop-a "$fix/loop-b"
ln -s does-not-exist "$fix/dangling"
mkdir "$fix/dir.conf"

# ---- the table ------------------------------------------------------------
while IFS='|' read -r status pattern args; do
    case $status in '#'* | '') continue ;; esac
    status=$(echo $status) pattern=$(echo "$pattern" | sed 's/^ //; s/ $//')
    case $args in *@TMP@*) args=$(printf '%s\n' "$args" | sed "s|@TMP@|$fix|g") ;; esac
    case $pattern in *@TMP@*) pattern=$(printf '%s\n' "$pattern" | sed "s|@TMP@|$fix|g") ;; esac
    case $args in
    *@NONROOT@*)
        args=$(printf '%s\n' "$args" | sed 's/@NONROOT@//g')
        if [ "$(id -u)" = 0 ]; then
            skip=$((skip + 1))
            continue
        fi
        ;;
    esac
    eval "set -- $args"
    "$bin" "$@" >"$out" 2>"$err"
    rc=$?
    why=
    [ "$rc" -eq "$status" ] || why="exit $rc, want $status"
    if [ "$pattern" = '^$' ]; then
        [ -s "$err" ] && why="$why; unexpected stderr: $(head -c 200 "$err")"
    else
        [ "$(wc -l <"$err")" -eq 1 ] || why="$why; stderr has $(wc -l <"$err") lines"
        LC_ALL=C grep -Eq -- "$pattern" "$err" || why="$why; stderr '$(head -c 200 "$err")' does not match"
    fi
    [ "$status" -ne 0 ] && [ -s "$out" ] && why="$why; stdout not empty"
    if [ -z "$why" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: gradexp $(echo "$args" | cut -c1-200): $why"; fi
done <tests/cli_cases.txt
if [ "$skip" -gt 0 ]; then
    echo "cli: $pass passed, $fail failed, $skip skipped (run as root: chmod 000 does not stop root)"
else
    echo "cli: $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
