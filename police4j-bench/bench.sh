#!/usr/bin/env bash
# Runs the police4j JMH benchmarks with the allocator environment of shared/DJL-NOTES.md (the
# same for every variant: the forked benchmark JVMs inherit it), then prints the ratio tables.
#
#   police4j-bench/bench.sh quick [extra JMH options]   # 3 small configs, ~5 minutes
#   police4j-bench/bench.sh full  [extra JMH options]   # all 6 configs, annotation defaults
#   police4j-bench/bench.sh battery [--networks N] [--seed S] [--threads T] [--minutes M] [--csv FILE]
#                                   # the guarantee battery (README "Guarantee battery"), not JMH
#
# Build first: mvn -B -o install -DskipTests   (from the repository root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/police4j-bench.jar"
mode="${1:-quick}"; shift || true
[[ -f "$jar" ]] || { echo "missing $jar: run 'mvn -B -o install -DskipTests' first" >&2; exit 2; }

export MALLOC_ARENA_MAX=1
export MALLOC_MMAP_THRESHOLD_=33554432
export MALLOC_TRIM_THRESHOLD_=4294967296
export MALLOC_TOP_PAD_=268435456

if [[ "$mode" == battery ]]; then
  exec java -Xmx4g -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
    -DOPT_OUT_TRACKING=true -cp "$jar" org.police4j.bench.GuaranteeBattery "$@"
fi

out="${RESULTS:-results-$mode.json}"
case "$mode" in
  quick)
    java -jar "$jar" -p config=2:2:256,2:4:64,784:2:1024 \
      -wi 3 -w 1s -i 5 -r 1s -f 1 -foe true -rf json -rff "$out" "$@" ;;
  full)
    java -jar "$jar" -foe true -rf json -rff "$out" "$@" ;;
  *) echo "usage: $0 quick|full [extra JMH options] | battery [options]" >&2; exit 2 ;;
esac
java -cp "$jar" org.police4j.bench.RatioReport "$out"
