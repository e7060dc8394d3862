#!/usr/bin/env bash
# Compile time (issue 19): adc grad in both modes against clang -O2 -c of
# the same straight-line C function, for sizes N (default 1000 2500 5000),
# with adc's phases (--time) for reverse mode. Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
sizes=("${@:-1000 2500 5000}")
read -r -a sizes <<<"${sizes[*]}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
adc=target/release/adc
secs() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; cat "$work/t"; }
echo "| N (target) | LLVM instructions | clang -O2 -c (s) | adc reverse (s) | peak MB | adc forward (s) | reverse / clang | reverse phases: preprocess / synthesis / cleanup (s) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|"
for n in "${sizes[@]}"; do
  python3 benches/compile_time/straight_line.py "$n" > "$work/f.c"
  "$CLANG" -O2 -c -emit-llvm "$work/f.c" -o "$work/f.bc"
  insts=$("$ADC_LLVM_PREFIX/bin/llvm-dis" "$work/f.bc" -o - | grep -cE '^\s+(%[^ ]+ = |store |call |ret |br )')
  read -r clang_s _ < <(secs "$CLANG" -O2 -c "$work/f.c" -o "$work/f.o")
  read -r rev_s rev_kb < <(secs "$adc" grad "$work/f.bc" -f f -o "$work/r.o" --time)
  phases=$(awk '/preprocess/{p=$(NF-1)} /synthesis/{s=$(NF-1)} /cleanup/{c=$(NF-1)} END{print p" / "s" / "c}' "$work/err")
  read -r fwd_s _ < <(secs "$adc" grad "$work/f.bc" -f f --mode forward -o "$work/w.o")
  echo "| $n | $insts | $clang_s | $rev_s | $((rev_kb / 1024)) | $fwd_s | $(awk "BEGIN{printf \"%.1fx\", $rev_s/$clang_s}") | $phases |"
done
