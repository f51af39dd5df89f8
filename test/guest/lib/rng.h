/*
 * xorshift32, shared by the guest runtime (rt.h) and its host stand-in
 * (tools/guest/host/rt.h). The includer declares `uint32_t rng_state` first.
 */
#ifndef RNG_H
#define RNG_H
static inline uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}
static inline void rng_seed(uint32_t s) { rng_state = s ? s : 0x12345678; }
#endif
