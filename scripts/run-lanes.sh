#!/usr/bin/env bash
# Runs each argument (a command) as a lane, all lanes at once, and prints each lane's output
# in full once it ends (never interleaved). Exits non-zero if any lane failed. The test
# command uses it twice to keep both cores of this machine busy (synth next to compile, then jest
# next to app tests, guard rules, integ and lint).
set -uo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pids=()
n=0
for cmd in "$@"; do
  n=$((n + 1))
  ( start=$(date +%s); bash -c "$cmd" > "$dir/$n.log" 2>&1; rc=$?; echo "$rc $(( $(date +%s) - start ))" > "$dir/$n.rc" ) &
  pids+=("$!")
done
failed=0
n=0
for cmd in "$@"; do
  n=$((n + 1))
  wait "${pids[$((n - 1))]}"
  read -r rc secs < "$dir/$n.rc"
  echo "::: lane $n: $cmd"
  cat "$dir/$n.log"
  echo "::: lane $n: exit $rc after ${secs}s"
  [ "$rc" -eq 0 ] || failed=1
done
exit "$failed"
