"""numpy's matmul (OpenBLAS) at n = 512, the peer of adc-runtime's matmul in
scripts/bench: prints `numpy_matmul_ns <mean> <threads> <kernel>`."""
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info

n = int(sys.argv[1]) if len(sys.argv) > 1 else 512
rng = np.random.default_rng(1)
a = rng.uniform(-0.5, 0.5, (n, n))
b = rng.uniform(-0.5, 0.5, (n, n))
for _ in range(20):  # warm up: threads, caches, frequency
    a @ b
reps, best_mean = 50, float("inf")
for _ in range(5):  # five batches; the mean of the best batch, like criterion's typical sample
    t0 = time.perf_counter_ns()
    for _ in range(reps):
        a @ b
    best_mean = min(best_mean, (time.perf_counter_ns() - t0) / reps)
blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
threads = blas[0].get("num_threads", "?") if blas else "?"
kernel = blas[0].get("architecture", "?") if blas else "?"
print(f"numpy_matmul_ns {best_mean:.0f} {threads} {kernel} numpy-{np.__version__}")
