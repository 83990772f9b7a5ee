#!/bin/sh
# Runs the table tests/cli_cases.txt: for each case, gradexp's exit status,
# its stderr (one line matching the pattern, or nothing when the pattern is
# ^$) and, for failures, an empty stdout.
# Usage: tests/run_cli.sh ./gradexp
bin=${1:-./gradexp}
pass=0
fail=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
while IFS='|' read -r status pattern args; do
    case $status in '#'* | '') continue ;; esac
    status=$(echo $status) pattern=$(echo "$pattern" | sed 's/^ //; s/ $//')
    eval "set -- $args"
    "$bin" "$@" >"$out" 2>"$err"
    rc=$?
    why=
    [ "$rc" -eq "$status" ] || why="exit $rc, want $status"
    if [ "$pattern" = '^$' ]; then
        [ -s "$err" ] && why="$why; unexpected stderr: $(head -c 200 "$err")"
    else
        [ "$(wc -l <"$err")" -eq 1 ] || why="$why; stderr has $(wc -l <"$err") lines"
        grep -Eq -- "$pattern" "$err" || why="$why; stderr '$(head -c 200 "$err")' does not match"
    fi
    [ "$status" -ne 0 ] && [ -s "$out" ] && why="$why; stdout not empty"
    if [ -z "$why" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: gradexp $args: $why"; fi
done <tests/cli_cases.txt
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
