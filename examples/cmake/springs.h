/* A chain of n masses between two walls, joined by nonlinear springs
 * (springs.c); its derivatives are declared in springs_adc.h, which adc
 * writes. */
#pragma once
#define SPRING_REST 0.3
double energy(const double *x, int n);
