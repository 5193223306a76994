#!/usr/bin/env bash
# How the command line's thread policy holds up on a busy machine (issue 12): wall time of
# `figures --preset quick` (or one figure of it) idle and while CPU-bound busy loops run beside it,
# for several PyTorch thread settings. Prints one table row per (setting, load).
#
#   police4j-bench/busy-machine.sh [fig3|all] [busy loops, default 2]
#
# Build first: mvn -B -q install -DskipTests (from the repository root). Run it on an otherwise idle
# machine: the "idle" rows are only idle if nothing else runs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/police4j-app/target/police4j.jar"
what="${1:-fig3}"
loops="${2:-2}"
[[ -f "$jar" ]] || { echo "missing $jar: build first" >&2; exit 2; }
only=(); [[ "$what" == all ]] || only=(--only "$what")
out="$(mktemp -d)"
trap 'rm -rf "$out"; kill $(jobs -p) 2>/dev/null || true' EXIT

# setting name | java options | environment
settings=(
  "default (police4j: 1 thread)||"
  "--threads 2 (PyTorch's default here)|--threads 2|"
  "--threads 2, OMP_WAIT_POLICY=PASSIVE|--threads 2|OMP_WAIT_POLICY=PASSIVE"
)
[[ -n "${SETTINGS:-}" ]] && IFS=';' read -r -a settings <<< "$SETTINGS"

run() { # $1 options, $2 env; prints seconds
  local start end
  start=$(date +%s.%N)
  env $2 java -jar "$jar" figures --preset quick "${only[@]}" --out "$out/run" $1 > "$out/log" 2>&1 \
    || { echo "figures failed:" >&2; tail -5 "$out/log" >&2; exit 3; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }' 
}

echo "| setting | figures ($what) idle, s | with $loops busy loops, s | loaded / idle |"
echo "|---|---:|---:|---:|"
for s in "${settings[@]}"; do
  IFS='|' read -r name opts envs <<< "$s"
  idle=$(run "$opts" "$envs")
  pids=()
  for ((i = 0; i < loops; i++)); do (while :; do :; done) & pids+=($!); done
  loaded=$(run "$opts" "$envs")
  kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
  awk -v n="$name" -v i="$idle" -v l="$loaded" 'BEGIN { printf "| %s | %.1f | %.1f | %.2f |\n", n, i, l, l / i }' 
done
