/* The notes' "rule against generated": d/dz sum_k k J_nu(k z / 2), from
 * adc's generated derivative and from the registered Bessel rule
 * (test-ir/c/bessel_rule.c), in both modes, against the analytic value
 * from libm's jn. */
#include <math.h>
#include <stdio.h>

double bessel_sum_generated_fwd(int nu, double z, double dz);
double bessel_sum_generated_grad(int nu, double z, double d_ret);
double bessel_sum_rule_fwd(int nu, double z, double dz);
double bessel_sum_rule_grad(int nu, double z, double d_ret);

int main(void) {
  printf("%3s %5s %22s %22s %22s %22s %22s\n", "nu", "z", "generated forward", "generated reverse",
         "rule forward", "rule reverse", "analytic (jn)");
  int nus[] = {0, 1, 2, 3};
  double zs[] = {0.5, 2.0, 3.5, 3.0};
  for (int i = 0; i < 4; i++) {
    int nu = nus[i];
    double z = zs[i], exact = 0;
    for (int k = 1; k <= 4; k++) exact += k * 0.5 * k * (jn(nu - 1, 0.5 * k * z) - jn(nu + 1, 0.5 * k * z)) / 2;
    printf("%3d %5.2f %22.15e %22.15e %22.15e %22.15e %22.15e\n", nu, z,
           bessel_sum_generated_fwd(nu, z, 1.0), bessel_sum_generated_grad(nu, z, 1.0),
           bessel_sum_rule_fwd(nu, z, 1.0), bessel_sum_rule_grad(nu, z, 1.0), exact);
  }
  return 0;
}
