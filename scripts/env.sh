# Sourced by the scripts: paths of the provisioned LLVM 23 toolchain.
ADC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ADC_LLVM_PREFIX=$ADC_ROOT/.toolchain/llvm
export LD_LIBRARY_PATH=$ADC_LLVM_PREFIX/lib:$ADC_LLVM_PREFIX/lib/x86_64-unknown-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
CLANG=$ADC_LLVM_PREFIX/bin/clang-23
# LLVM's OpenMP runtime (scripts/setup): omp.h in $ADC_OPENMP/lib/clang/16/include.
export ADC_OPENMP=$ADC_ROOT/.toolchain/openmp/usr/lib/llvm-16
