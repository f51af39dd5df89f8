/*
 * Host stand-in for test/guest/lib/rt.h: lets a guest test's sweeps (built with
 * -DHOST) run as a Linux user program on the host CPU, to compare an emulator's
 * "-append verbose" lines with real hardware. See tools/host-check.sh.
 */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGNED(n) __attribute__((aligned(n)))
#define FL_ARITH 0x08D5
static uint32_t rng_state;
#include "../../../test/guest/lib/rng.h"
/* the same distribution as rt.c's rng_operand */
static uint32_t rng_operand(void)
{
    static const uint32_t special[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
        0xfffffffe, 0xffffffff,
    };
    uint32_t r = rng();
    switch (r & 7) {
    case 0: return special[(r >> 3) & 15];
    case 1: return special[(r >> 3) & 15] + ((r >> 8) & 3) - 1;
    case 2: return (r >> 3) & 0xff;
    default: return rng();
    }
}
static inline void grp_begin(void) {}
static inline int grp_check(int c, const char *f, ...) { (void)f; return c; }
static inline void grp_hash(uint32_t v) { (void)v; }
static inline void grp_end(const char *l) { (void)l; }
