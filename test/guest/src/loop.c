/*
 * loop: a long, hot, chained loop: 50 million iterations of a small
 * integer loop with a data-dependent branch (several basic blocks), a call
 * and a return per iteration, an LCG with imul, and memory traffic; the
 * accumulators are checked against closed forms computed in C.
 * The loop itself is in loop.asm (NASM).
 */
#include "rt.h"

#define N 50000000u
#define LCG_A 1664525u
#define LCG_C 1013904223u

uint32_t loop_n, loop_out[6];
uint32_t ring[64];

void loop_kernel(void); /* loop.asm */

/* LCG jump-ahead: apply x -> A x + C n times, starting from x0 */
static uint32_t lcg_jump(uint32_t x0, uint32_t n)
{
    uint32_t mul = 1, add = 0;       /* accumulated map: x -> mul x + add */
    uint32_t cm = LCG_A, ca = LCG_C; /* current power of the map */
    while (n) {
        if (n & 1) {
            mul = mul * cm;
            add = add * cm + ca;
        }
        ca = ca * cm + ca;
        cm = cm * cm;
        n >>= 1;
    }
    return mul * x0 + add;
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("loop");
    loop_n = N;
    loop_kernel();

    uint64_t n = N;
    uint32_t tri = (uint32_t)(n * (n - 1) / 2);
    uint32_t m = N - 1;
    uint32_t x = (uint32_t[]){m, 1, m + 1, 0}[m % 4];
    t_eq("sum of i", loop_out[0], tri);
    t_eq("branchy counter", loop_out[1], N + 2 * ((N + 3) / 4));
    t_eq("sum of 3i through a call", loop_out[2], 3 * tri);
    t_eq("xor of i", loop_out[3], x);
    t_eq("lcg after N steps", loop_out[4], lcg_jump(1, N));
    int ok = 1;
    for (uint32_t k = 0; k < 64; k++) {
        /* i = k + 64 j for j < cnt */
        uint64_t cnt = (N - k + 63) / 64;
        uint32_t exp = (uint32_t)(cnt * k + 64 * (cnt * (cnt - 1) / 2));
        ok &= ring[k] == exp;
    }
    t_ok("memory ring accumulators", ok);
    printf("checksum %08x\n", loop_out[0] ^ loop_out[1] ^ loop_out[2] ^ loop_out[3] ^ loop_out[4]);
    t_end();
}
