#include "core/rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void CvxPhilox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];

  for (int round = 0; round < 10; round++) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
    uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
    uint32_t n1 = (uint32_t)p1;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    uint32_t n3 = (uint32_t)p0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/* SplitMix64 finalizer: a bijective 64-bit mix used to fold a name into a key. */
static uint64_t Mix64(uint64_t z)
{
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void CvxRngInit(CvxRng *rng, uint64_t seed, uint64_t purpose, uint64_t item, uint64_t subitem)
{
  uint64_t h = Mix64(seed);
  h = Mix64(h ^ purpose);
  h = Mix64(h ^ item);
  h = Mix64(h ^ subitem);
  rng->key[0]    = (uint32_t)h;
  rng->key[1]    = (uint32_t)(h >> 32);
  rng->counter   = 0;
  rng->used      = 4;
  rng->spare     = 0.0;
  rng->has_spare = 0;
}

uint32_t CvxRngU32(CvxRng *rng)
{
  if (rng->used == 4) {
    uint32_t ctr[4] = {(uint32_t)rng->counter, (uint32_t)(rng->counter >> 32), 0u, 0u};
    CvxPhilox4x32(ctr, rng->key, rng->block);
    rng->counter++;
    rng->used = 0;
  }
  return rng->block[rng->used++];
}

double CvxRngUniform(CvxRng *rng)
{
  uint64_t hi = CvxRngU32(rng) >> 5; /* 27 bits */
  uint64_t lo = CvxRngU32(rng) >> 6; /* 26 bits */
  uint64_t m  = (hi << 26) | lo;     /* 53 bits */
  return ((double)m + 0.5) * (1.0 / 9007199254740992.0);
}

double CvxRngNormal(CvxRng *rng)
{
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  double u1 = CvxRngUniform(rng), u2 = CvxRngUniform(rng);
  double r = sqrt(-2.0 * log(u1)), t = 6.283185307179586476925286766559 * u2;
  rng->spare     = r * sin(t);
  rng->has_spare = 1;
  return r * cos(t);
}

void CvxRngNormals(CvxRng *rng, int64_t n, double *x)
{
  for (int64_t i = 0; i < n; i++) x[i] = CvxRngNormal(rng);
}
