#!/usr/bin/env bash
# OpenMP (issue 20): the gradient of a parallel stencil (benches/openmp/
# stencil.c: STEPS steps of two work-shared sweeps over N cells) against the
# parallel primal, with 1 and 2 threads, best of 7 runs each. Prints a
# markdown table. Called by scripts/bench (after `cargo build --release -p
# adc`); runs alone too: benches/openmp/run.sh [N] [STEPS].
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
n=${1:-1000000}
steps=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
inc=-I$ADC_OPENMP/lib/clang/16/include
lib=$ADC_OPENMP/lib
"$CLANG" -O2 -fopenmp "$inc" -c -emit-llvm benches/openmp/stencil.c -o "$work/s.bc"
target/release/adc grad "$work/s.bc" -f omp_diffuse -o "$work/s.o" 2>/dev/null
"$CLANG" -O2 -fopenmp "$inc" benches/openmp/bench.c "$work/s.o" -L"$lib" -Wl,-rpath,"$lib" -lomp -o "$work/bench"
run() { OMP_NUM_THREADS=$1 OMP_PROC_BIND=true OMP_DYNAMIC=false "$work/bench" "$2" "$n" "$steps" | cut -d' ' -f1; }
echo "| threads | primal (s) | gradient (s) | gradient / primal | gradient speedup over 1 thread |"
echo "|---:|---:|---:|---:|---:|"
g1=""
for t in 1 2; do
  p=$(run "$t" primal)
  g=$(run "$t" grad)
  [ -z "$g1" ] && g1=$g
  echo "| $t | $p | $g | $(awk "BEGIN{printf \"%.1fx\", $g/$p}") | $(awk "BEGIN{printf \"%.2fx\", $g1/$g}") |"
done
