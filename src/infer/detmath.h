// Deterministic elementary functions.
//
// libm's exp, sin, cos and pow are not required to be correctly rounded, and different C
// libraries (and versions) return different last bits. Anything that feeds the logits must be
// the same on every machine, so these are built only from IEEE basic operations (+ - * /, sqrt,
// round-to-integer), in a fixed order and without fused multiply-adds (the build sets
// -ffp-contract=off). Accuracy: ExpF within 2 ulp; the double functions within a few ulp of
// double, which is far below the float precision their results are used at.
#pragma once

namespace depinfer::infer {

// e^x in single precision. Returns 0 below -87.3 (no subnormal results) and +inf above 88.7.
float ExpF(float x);

// x * sigmoid(x) = x / (1 + e^-x).
float SiluF(float x);

// Softmax of x[0..n) in place: max, exponentials, sum in index order, divide.
void SoftmaxF(float* x, int n);

// Double-precision e^x and ln(x) (x > 0), and sin/cos of an argument up to about 1e9.
double ExpD(double x);
double LogD(double x);
void SinCosD(double x, double* s, double* c);

}  // namespace depinfer::infer
