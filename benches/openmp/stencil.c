/* The parallel stencil of benches/openmp/run.sh: `steps` explicit steps of
 * a nonlinear diffusion, each two work-shared sweeps (u -> tmp -> u) of one
 * parallel region. Neighbouring iterations read the same cells, so the
 * reverse sweep adds their adjoints atomically. */
void omp_diffuse(double *u, double *tmp, int n, int steps) {
  for (int t = 0; t < steps; t++) {
#pragma omp parallel
    {
#pragma omp for schedule(static)
      for (int i = 1; i < n - 1; i++)
        tmp[i] = u[i] + 0.1 * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.01 * u[i] * u[i];
#pragma omp for schedule(static)
      for (int i = 1; i < n - 1; i++)
        u[i] = tmp[i] + 0.1 * (tmp[i - 1] - 2 * tmp[i] + tmp[i + 1]) - 0.01 * tmp[i] * tmp[i];
    }
  }
}
