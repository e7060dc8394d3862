#!/usr/bin/env bash
# Checkpointed reverse mode on the heat equation (test-ir/c/checkpoint.c,
# n = 1000 cells, in place): the plain gradient against --checkpoint with
# s = 4, 8, 16 snapshots, T = 10^4 and 10^5 steps. Prints a markdown
# table. Called by scripts/bench (after `cargo build --release -p adc`);
# runs alone too: benches/checkpoint/run.sh [N] [T...].
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
n=${1:-1000}
shift || true
steps=("${@:-10000 100000}")
read -r -a steps <<<"${steps[*]}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
adc=target/release/adc
"$CLANG" -O2 -c -emit-llvm -g0 -DSUFFIX=_plain test-ir/c/checkpoint.c -o "$work/p.bc"
"$CLANG" -O2 -c -emit-llvm -g0 -DSUFFIX=_ck test-ir/c/checkpoint.c -o "$work/c.bc"
"$adc" grad "$work/p.bc" -f heat_plain -o "$work/p.o" 2>/dev/null
cc -O2 -c benches/checkpoint/heat_bench.c -o "$work/bench.o"
for s in 4 8 16; do
  "$adc" grad "$work/c.bc" -f heat_ck --checkpoint "heat_ck:0=$s" -o "$work/c$s.o" 2>/dev/null
  cc -O2 "$work/bench.o" "$work/p.o" "$work/c$s.o" -lm -o "$work/bench$s"
done
# massif's heap peak in bytes (T <= 10^4: slower than the run by ~10x).
massif() {
  if command -v valgrind >/dev/null; then
    valgrind -q --tool=massif --massif-out-file="$work/ms" "$@" >/dev/null
    mb "$(grep mem_heap_B "$work/ms" | sed 's/mem_heap_B=//' | sort -n | tail -1)"
  else
    echo "-"
  fi
}
mb() { awk "BEGIN{printf \"%.1f\", $1/1e6}"; }
# One timed run: "seconds rss_bytes", the schedule's figures in $work/stats.
timed() {
  ADC_CHECKPOINT_STATS=1 /usr/bin/time -f "%M" -o "$work/rss" "$@" >"$work/out" 2>"$work/stats"
  echo "$(cut -d' ' -f1 "$work/out") $(($(cat "$work/rss") * 1024))"
}
echo "| T | gradient | s | time (s) | / primal | / plain gradient | peak RSS (MB) | massif heap peak (MB) | snapshots held (states) | advances: run (formula) | recomputation factor | time / predicted |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
state=""
for t in "${steps[@]}"; do
  read -r primal _ < <("$work/bench4" primal "$n" "$t")
  read -r plain rss < <(timed "$work/bench4" plain "$n" "$t")
  heap="-"
  [ "$t" -le 10000 ] && heap=$(massif "$work/bench4" plain "$n" "$t")
  echo "| $t | plain (a tape of every step) | - | $plain | $(awk "BEGIN{printf \"%.2fx\", $plain/$primal}") | 1 | $(mb "$rss") | $heap | - | - | 1 | - |"
  for s in 4 8 16; do
    read -r ck rss < <(timed "$work/bench$s" ck "$n" "$t")
    line=$(grep "checkpointed loop" "$work/stats")
    state=$(sed -n 's/.*, state \([0-9]*\) bytes.*/\1/p' <<<"$line")
    held=$(sed -n 's/.*(\([0-9.]*\) states).*/\1/p' <<<"$line")
    adv=$(sed -n 's/.*; \([0-9]*\) iterations advanced.*/\1/p' <<<"$line")
    # Griewank: t T - eta(s + 1, t - 1), t the least with eta(s, t) >= T.
    formula=$(python3 -c 'import math,sys
T,s=int(sys.argv[1]),int(sys.argv[2]); t=0
while math.comb(s+t,s)<T: t+=1
print(t*T-math.comb(s+t,s+1))' "$t" "$s")
    factor=$(awk "BEGIN{printf \"%.2f\", ($formula + $t)/$t}")
    heap="-"
    [ "$t" -le 10000 ] && heap=$(massif "$work/bench$s" ck "$n" "$t")
    # Predicted: each advance costs a primal step, each turn a step of the
    # plain gradient (its forward with the tape, then its reverse).
    pred=$(awk "BEGIN{print ($adv + 1) * $primal / $t + $plain}")
    echo "| $t | checkpointed | $s | $ck | $(awk "BEGIN{printf \"%.2fx\", $ck/$primal}") | $(awk "BEGIN{printf \"%.2fx\", $ck/$plain}") | $(mb "$rss") | $heap | $held | $adv ($formula) | $factor | $(awk "BEGIN{printf \"%.2f\", $ck/$pred}") |"
  done
  echo "| $t | primal | - | $primal | 1 | - | - | - | - | - | - | - |"
done
echo
echo "n = $n cells; the loop's state (its header value and the bytes the steps write, u and the work array) is $state bytes."
