/* Philox4x32-10 known answers (Random123 test vectors) and the properties the
 * rest of the program relies on: streams depend only on their name, uniforms
 * lie in (0,1), normals have the right first two moments. Prints only on
 * failure. */
#include "core/rng.h"

#include <math.h>
#include <stdio.h>
#include "../common/check.h"

static void CheckKat(const uint32_t ctr[4], const uint32_t key[2], const uint32_t want[4])
{
  uint32_t got[4];
  CvxPhilox4x32(ctr, key, got);
  for (int i = 0; i < 4; i++) CHECK(got[i] == want[i], "philox word %d: got %08x want %08x", i, got[i], want[i]);
}

int main(void)
{
  {
    const uint32_t c[4] = {0, 0, 0, 0}, k[2] = {0, 0}, w[4] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};
    CheckKat(c, k, w);
  }
  {
    const uint32_t c[4] = {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, k[2] = {0xffffffff, 0xffffffff};
    const uint32_t w[4] = {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd};
    CheckKat(c, k, w);
  }
  {
    const uint32_t c[4] = {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, k[2] = {0xa4093822, 0x299f31d0};
    const uint32_t w[4] = {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1};
    CheckKat(c, k, w);
  }

  /* Same name, same numbers; different item, different numbers. */
  CvxRng a, b, c;
  CvxRngInit(&a, 42, CVX_STREAM_TEST, 7, 0);
  CvxRngInit(&b, 42, CVX_STREAM_TEST, 7, 0);
  CvxRngInit(&c, 42, CVX_STREAM_TEST, 8, 0);
  int same = 1, differ = 0;
  for (int i = 0; i < 1000; i++) {
    double x = CvxRngNormal(&a), y = CvxRngNormal(&b), z = CvxRngNormal(&c);
    if (x != y) same = 0;
    if (x != z) differ = 1;
  }
  CHECK(same, "one stream name gave two sequences");
  CHECK(differ, "two stream names gave one sequence");

  /* Moments of 10^6 draws: mean within 5 sigma of 0, variance within 1%. */
  const int n = 1000000;
  double s = 0, s2 = 0, umin = 1, umax = 0;
  CvxRngInit(&a, 1, CVX_STREAM_TEST, 0, 0);
  for (int i = 0; i < n; i++) {
    double x = CvxRngNormal(&a);
    s += x;
    s2 += x * x;
  }
  for (int i = 0; i < n; i++) {
    double u = CvxRngUniform(&a);
    umin = fmin(umin, u);
    umax = fmax(umax, u);
  }
  double mean = s / n, var = s2 / n - mean * mean;
  CHECK(fabs(mean) < 5.0 / sqrt(n), "normal mean %g", mean);
  CHECK(fabs(var - 1.0) < 0.01, "normal variance %g", var);
  CHECK(umin > 0.0 && umax < 1.0, "uniform range [%g, %g]", umin, umax);
  return failures ? 1 : 0;
}
