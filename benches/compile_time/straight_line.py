#!/usr/bin/env python3
"""Write a C function of straight-line code, about N LLVM instructions:
`double f(const double *x)` mixing the inputs through products, sums and a
few transcendental calls, as generated or unrolled code is (issue 19's
measurements). Usage: straight_line.py N > f.c"""
import sys

n = int(sys.argv[1])
statements = max(1, n * 3 // 4)
print("#include <math.h>\n\ndouble f(const double *x) {")
print("  double t0 = x[0];")
for i in range(1, statements):
    a, b = i - 1, (i * 7919) % i
    op = i % 5
    if op == 0:
        print(f"  double t{i} = t{a} * x[{i % 16}] + t{b};")
    elif op == 1:
        print(f"  double t{i} = t{a} - 0.5 * t{b};")
    elif op == 2:
        print(f"  double t{i} = t{a} * t{b} + x[{(i * 3) % 16}];")
    elif op == 3:
        print(f"  double t{i} = sin(t{a}) + t{b};")
    else:
        print(f"  double t{i} = t{a} / (1.0 + t{b} * t{b});")
print(f"  return t{statements - 1};\n}}")
