/*
 * fpu: the x87 FPU. Arithmetic (register, memory float and memory integer
 * forms, incl. the popping and reversed forms) on random and special
 * operands under every rounding control and precision control; loads and
 * stores of every format (float32/64/80, int16/32/64, packed BCD, fisttp);
 * fsqrt frndint fscale fxtract fprem fprem1 fabs fchs; compares (fcom fucom
 * ficom ftst fxam fcomi fucomi, popping forms) and fcmovcc; constants under
 * each rounding mode; stack operations (fxch fld/fst st(i) ffree fincstp
 * fdecstp); the last-instruction pointers; fnstenv/fldenv/fnsave/frstor (16-
 * and 32-bit) and fxsave/fxrstor images; ldmxcsr/stmxcsr; exceptions: #MF
 * from fwait after unmasked IE/ZE/OE/UE/PE (vector, saved EIP, status word),
 * #NM under CR0.TS/EM (and fwait with TS+MP), #GP for a misaligned fxsave.
 *
 * Results are hashed (result bits and status word), so the output is
 * exactly QEMU's. Status bits where QEMU 7.2 does not model the hardware are
 * masked out of the hashes: C1 after rounding (the round-up indicator), DE
 * (denormal operand), the reserved halves of the 32-bit environment (Intel
 * stores 0xFFFF, QEMU 0), FOP, and the FIP/FDP fields of the fxsave image
 * (QEMU stores zeros), the quotient bits of fprem1 (QEMU leaves them clear),
 * and OF SF AF after fcomi/fucomi (QEMU leaves them; EFLAGS are compared on
 * ZF PF CF). QEMU also rounds the values converted by fld m32/m64 and fbld,
 * m64fp and m32int arithmetic operands, and frndint results to the precision
 * control, which the hardware does not: those run with 64-bit precision or
 * with operands that fit. Stack overflow/underflow are not exercised (QEMU does
 * not model them), nor unmasked-exception destination values (QEMU stores
 * the masked response), nor a pending exception met by a non-fwait x87
 * instruction (QEMU raises #MF only at fwait).
 *
 * The transcendental instructions (f2xm1 fyl2x fyl2xp1 fpatan fsin fcos
 * fsincos fptan) are checked against correctly rounded references with a
 * tolerance (2 ulps; 2^-50 relative for the trigonometric ones, which QEMU
 * computes with host doubles), not bit for bit.
 *
 * Boot with "-append verbose" to print every result (to diff two runs).
 */
#include "rt.h"

typedef struct {
    uint32_t lo, hi;
    uint16_t se;
} __attribute__((packed)) f80_t;

/* Operands and results, referenced by name from the asm. */
f80_t A, B, R, R2;
uint16_t CW, SW, SW2;
uint32_t F32, EFL, CNT, FLAGS_IN;
uint64_t F64;
int16_t I16;
int32_t I32;
int64_t I64;
uint8_t BCD[10];
uint32_t ENV[32];
uint8_t SAVE[128];
uint8_t FXA[512 + 16] ALIGNED(16);
asm(".globl A, B, R, R2, CW, SW, SW2, F32, EFL, CNT, FLAGS_IN, F64, I16, I32, I64, BCD, ENV, SAVE, FXA");

static int verbose;

#define SW_C1 0x0200
#define SW_DE 0x0002
#define SW_C2 0x0400
#define MASK_ARITH ((uint16_t) ~(SW_C1 | SW_DE))

/* CW: all exceptions masked, precision pc (0 = 24, 2 = 53, 3 = 64 bits), rounding rc */
static uint16_t cw_of(int rc, int pc) { return 0x7f | (pc << 8) | (rc << 10); }
static const int PCS[3] = {0, 2, 3};

static void note(const char *tag, int i, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    grp_check(1, "%s", tag);
    grp_hash(a);
    grp_hash(b);
    grp_hash(c);
    grp_hash(d);
    if (verbose)
        printf("%s %d %08x %08x %08x %08x\n", tag, i, a, b, c, d);
}
static void note80(const char *tag, int i, const f80_t *r, uint32_t sw) { note(tag, i, r->se, r->hi, r->lo, sw); }

/* ---------------- operand generators ---------------- */

static void set80(f80_t *v, uint16_t se, uint32_t hi, uint32_t lo)
{
    v->se = se;
    v->hi = hi;
    v->lo = lo;
}
static int is_nan80(const f80_t *v) { return (v->se & 0x7fff) == 0x7fff && (v->hi & 0x80000000) && ((v->hi & 0x7fffffff) | v->lo); }

/* A random float80: specials, denormals, extremes, exact small values, rounding edge cases. */
static void gen80(f80_t *v)
{
    uint32_t r = rng(), s = (r >> 8) & 0x8000;
    uint32_t hi = rng() | 0x80000000, lo = rng();
    switch (r & 31) {
    case 0: set80(v, s, 0, 0); break;
    case 1: set80(v, s | 0x7fff, 0x80000000, 0); break;
    case 2: set80(v, s | 0x7fff, 0xc0000000 | (hi & 0x3fffffff), lo); break;
    case 3: set80(v, s | 0x7fff, 0x80000000 | (hi & 0x3fffffff), lo | 1); break;
    case 4: set80(v, s, hi & 0x7fffffff, lo); break;
    case 5: set80(v, s, (hi >> (r >> 27)) & 0x7fffffff, lo); break;
    case 6: set80(v, s | (1 + ((r >> 16) & 3)), hi, lo); break;
    case 7: set80(v, s | (0x7ffe - ((r >> 16) & 3)), hi, lo); break;
    case 8: set80(v, s | (1 + ((r >> 16) & 0x3f)), hi, lo); break;
    case 9: set80(v, s | (0x7fbf + ((r >> 16) & 0x3f)), hi, lo); break;
    case 10: { /* small integers */
        int n = (int)((r >> 16) & 31) - 15;
        uint32_t m = n < 0 ? -n : n;
        if (m == 0) { set80(v, s, 0, 0); break; }
        int e = 31 - __builtin_clz(m);
        set80(v, (n < 0 ? 0x8000 : 0) | (0x3fff + e), m << (31 - e), 0);
        break;
    }
    case 11: set80(v, s | (0x3fff + ((r >> 16) & 3)), 0xffffffff, 0xffffffff); break;
    case 12: set80(v, s | (0x3fff + ((r >> 16) & 15) - 8), hi, lo & 0xfffff800); break; /* a double */
    case 13: set80(v, s | (0x3fff + ((r >> 16) & 15) - 8), hi & 0xffffff00, 0); break;   /* a float */
    case 14: /* halfway and near-halfway cases for 53 and 24 bits */
        set80(v, s | (0x3fff + ((r >> 16) & 7)), (r & 0x100000) ? hi : (hi & 0xffffff00) | 0x80,
              (r & 0x100000) ? (lo & 0xfffff800) | 0x400 | ((r >> 21) & 1) : ((r >> 21) & 1));
        break;
    case 15: set80(v, s | (0x3fff - 16382 + ((r >> 16) & 0x7f)), hi, lo); break; /* near the double range edge */
    default:
        set80(v, s | (0x3fff + ((r >> 16) & 127) - 64), hi, lo);
        break;
    }
}

/* Unsupported encodings and pseudo-denormals. */
static void gen80_odd(f80_t *v)
{
    uint32_t r = rng(), s = (r >> 8) & 0x8000;
    uint32_t hi = rng(), lo = rng();
    switch (r & 3) {
    case 0: set80(v, s | (0x3fff + ((r >> 16) & 15)), hi & 0x7fffffff, lo); break; /* unnormal */
    case 1: set80(v, s | 0x7fff, hi & 0x7fffffff, lo); break;                      /* pseudo-NaN / pseudo-inf */
    case 2: set80(v, s, hi | 0x80000000, lo); break;                               /* pseudo-denormal */
    default: gen80(v); break;
    }
}

static uint32_t gen32(void)
{
    uint32_t r = rng(), s = r & 0x80000000, f = rng() & 0x7fffff;
    switch ((r >> 4) & 15) {
    case 0: return s;
    case 1: return s | 0x7f800000;
    case 2: return s | 0x7fc00000 | f;
    case 3: return s | 0x7f800000 | (f & 0x3fffff) | 1;
    case 4: return s | f;
    case 5: return s | 0x7f7fffff;
    case 6: return s | 0x00800000 | f;
    default: return s | ((0x60 + ((r >> 8) & 0x3f)) << 23) | f;
    }
}

static uint64_t gen64(void)
{
    uint32_t r = rng(), s = r & 0x80000000, fh = rng() & 0xfffff, fl = rng();
    uint32_t hi;
    switch ((r >> 4) & 15) {
    case 0: hi = s; fl = 0; break;
    case 1: hi = s | 0x7ff00000; fl = 0; break;
    case 2: hi = s | 0x7ff80000 | fh; break;
    case 3: hi = s | 0x7ff00000 | (fh & 0x7ffff); fl |= 1; break;
    case 4: hi = s | fh; break;
    case 5: hi = s | 0x7fefffff; fl = 0xffffffff; break;
    case 6: hi = s | 0x00100000 | fh; break;
    default: hi = s | ((0x3c0 + ((r >> 8) & 0x7f)) << 20) | fh; break;
    }
    return ((uint64_t)hi << 32) | fl;
}

/* ---------------- arithmetic ---------------- */

#define PRE "fninit\n\tfldcw CW\n\t"
#define BIN(op, post) asm volatile(PRE "fldt B\n\tfldt A\n\t" op "\n\tfnstsw SW\n\t" post "fstpt R\n\tfninit" ::: "memory")

/* a = ST0, b = ST1: all register forms of add sub subr mul div divr */
static void binop(int op)
{
    switch (op) {
    case 0: BIN(".byte 0xd8, 0xc1", ""); break;  /* fadd st, st1: a + b */
    case 1: BIN(".byte 0xd8, 0xe1", ""); break;  /* fsub: a - b */
    case 2: BIN(".byte 0xd8, 0xe9", ""); break;  /* fsubr: b - a */
    case 3: BIN(".byte 0xd8, 0xc9", ""); break;  /* fmul */
    case 4: BIN(".byte 0xd8, 0xf1", ""); break;  /* fdiv: a / b */
    case 5: BIN(".byte 0xd8, 0xf9", ""); break;  /* fdivr: b / a */
    case 6: BIN(".byte 0xdc, 0xc1", "fstp %%st(0)\n\t"); break; /* fadd st1, st */
    case 7: BIN(".byte 0xdc, 0xe9", "fstp %%st(0)\n\t"); break; /* fsub st1, st: b - a */
    case 8: BIN(".byte 0xdc, 0xe1", "fstp %%st(0)\n\t"); break; /* fsubr st1, st: a - b */
    case 9: BIN(".byte 0xdc, 0xf9", "fstp %%st(0)\n\t"); break; /* fdiv st1, st: b / a */
    case 10: BIN(".byte 0xdc, 0xf1", "fstp %%st(0)\n\t"); break; /* fdivr st1, st: a / b */
    case 11: BIN(".byte 0xde, 0xc9", ""); break; /* fmulp */
    case 12: BIN(".byte 0xde, 0xe9", ""); break; /* fsubp: b - a */
    case 13: BIN(".byte 0xde, 0xe1", ""); break; /* fsubrp: a - b */
    case 14: BIN(".byte 0xde, 0xf9", ""); break; /* fdivp: b / a */
    case 15: BIN(".byte 0xde, 0xf1", ""); break; /* fdivrp: a / b */
    case 16: BIN(".byte 0xde, 0xc1", ""); break; /* faddp */
    }
}

#define MEMOP(op) asm volatile(PRE "fldt A\n\t" op "\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory")
static void memop(int op)
{
    switch (op) {
    case 0: MEMOP("fadds F32"); break;
    case 1: MEMOP("fmuls F32"); break;
    case 2: MEMOP("fsubs F32"); break;
    case 3: MEMOP("fsubrs F32"); break;
    case 4: MEMOP("fdivs F32"); break;
    case 5: MEMOP("fdivrs F32"); break;
    case 6: MEMOP("faddl F64"); break;
    case 7: MEMOP("fmull F64"); break;
    case 8: MEMOP("fsubl F64"); break;
    case 9: MEMOP("fsubrl F64"); break;
    case 10: MEMOP("fdivl F64"); break;
    case 11: MEMOP("fdivrl F64"); break;
    case 12: MEMOP("fiaddl I32"); break;
    case 13: MEMOP("fimull I32"); break;
    case 14: MEMOP("fisubl I32"); break;
    case 15: MEMOP("fisubrl I32"); break;
    case 16: MEMOP("fidivl I32"); break;
    case 17: MEMOP("fidivrl I32"); break;
    case 18: MEMOP("fiadds I16"); break;
    case 19: MEMOP("fimuls I16"); break;
    case 20: MEMOP("fisubs I16"); break;
    case 21: MEMOP("fisubrs I16"); break;
    case 22: MEMOP("fidivs I16"); break;
    case 23: MEMOP("fidivrs I16"); break;
    }
}

static void test_arith(int odd)
{
    grp_begin();
    for (int i = 0; i < (odd ? 40 : 100); i++) {
        if (odd) { gen80_odd(&A); gen80_odd(&B); } else { gen80(&A); gen80(&B); }
        for (int rc = 0; rc < 4; rc++)
            for (int p = 0; p < 3; p++) {
                CW = cw_of(rc, PCS[p]);
                for (int op = 0; op < 17; op++) {
                    binop(op);
                    note80(odd ? "arith-odd" : "arith", i * 1000 + (rc * 3 + p) * 20 + op, &R, SW & MASK_ARITH);
                }
            }
    }
    grp_end(odd ? "arith unsupported/pseudo-denormal operands" : "arith register forms");
}

static void test_memarith(void)
{
    grp_begin();
    for (int i = 0; i < 100; i++) {
        gen80(&A);
        F32 = gen32();
        F64 = gen64();
        I32 = (int32_t)rng_operand();
        I16 = (int16_t)rng();
        if (is_nan80(&A)) { /* QEMU converts a memory SNaN before choosing between two NaNs */
            if ((F32 & 0x7f800000) == 0x7f800000 && (F32 & 0x7fffff)) F32 = 0x3fc00000;
            if ((F64 >> 52 & 0x7ff) == 0x7ff && (F64 & 0xfffffffffffffull)) F64 = 0x3ff8000000000000ull;
        }
        uint64_t f64 = F64;
        int32_t i32 = I32;
        for (int rc = 0; rc < 4; rc++)
            for (int p = 0; p < 3; p++) {
                CW = cw_of(rc, PCS[p]);
                /* QEMU 7.2 rounds m64fp and m32int operands to the precision control: keep them 24-bit */
                F64 = p || (f64 >> 52 & 0x7ff) == 0x7ff ? f64 : f64 & ~0x1fffffffull;
                I32 = p ? i32 : i32 >> 8;
                for (int op = 0; op < 24; op++) {
                    memop(op);
                    note80("memarith", i * 1000 + (rc * 3 + p) * 30 + op, &R, SW & MASK_ARITH);
                }
            }
    }
    grp_end("arith memory forms (m32fp m64fp m32int m16int)");
}

/* Exact checks of rounding: 1/3 and 2/3 in every precision and rounding mode, sqrt(2). */
static void test_rounding(void)
{
    static const uint32_t exp13[3][4][2] = {
        /* pc 24: nearest, down, up, chop */
        {{0xaaaaab00, 0}, {0xaaaaaa00, 0}, {0xaaaaab00, 0}, {0xaaaaaa00, 0}},
        {{0xaaaaaaaa, 0xaaaaa800}, {0xaaaaaaaa, 0xaaaaa800}, {0xaaaaaaaa, 0xaaaab000}, {0xaaaaaaaa, 0xaaaaa800}},
        {{0xaaaaaaaa, 0xaaaaaaab}, {0xaaaaaaaa, 0xaaaaaaaa}, {0xaaaaaaaa, 0xaaaaaaab}, {0xaaaaaaaa, 0xaaaaaaaa}},
    };
    int three = 3;
    for (int p = 0; p < 3; p++)
        for (int rc = 0; rc < 4; rc++) {
            char label[48];
            CW = cw_of(rc, PCS[p]);
            I32 = three;
            asm volatile(PRE "fld1\n\tfidivl I32\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
            snprintf(label, sizeof label, "1/3 pc%d rc%d", PCS[p], rc);
            t_ok(label, R.se == 0x3ffd && R.hi == exp13[p][rc][0] && R.lo == exp13[p][rc][1] && (SW & 0x3f) == 0x20);
        }
    /* sqrt(2) = 1.0110101000001001111001100110011111110011101111001100100100001000 0101 1001... */
    CW = cw_of(0, 3);
    asm volatile(PRE "fld1\n\tfadd %%st(0), %%st\n\tfsqrt\n\tfstpt R\n\tfninit" ::: "memory");
    t_ok("sqrt(2) nearest", R.se == 0x3fff && R.hi == 0xb504f333 && R.lo == 0xf9de6484);
    CW = cw_of(2, 3);
    asm volatile(PRE "fld1\n\tfadd %%st(0), %%st\n\tfsqrt\n\tfstpt R\n\tfninit" ::: "memory");
    t_ok("sqrt(2) up", R.se == 0x3fff && R.hi == 0xb504f333 && R.lo == 0xf9de6485);
}

/* ---------------- one-operand and special operations ---------------- */

#define UN(op, post) asm volatile(PRE "fldt A\n\t" op "\n\tfnstsw SW\n\tfstpt R\n\t" post "fninit" ::: "memory")
static void test_unary(void)
{
    grp_begin();
    for (int i = 0; i < 150; i++) {
        gen80(&A);
        gen80(&B);
        if (is_nan80(&A) && is_nan80(&B)) set80(&B, 0x4000, 0x80000000, 0); /* QEMU's fscale returns ST1 */
        for (int rc = 0; rc < 4; rc++)
            for (int p = 0; p < 3; p++) {
                int k = i * 1000 + (rc * 3 + p) * 10;
                CW = cw_of(rc, PCS[p]);
                UN("fsqrt", "");
                note80("fsqrt", k, &R, SW & MASK_ARITH);
                if (PCS[p] == 3) { /* QEMU 7.2 rounds frndint results to the precision control */
                    UN("frndint", "");
                    note80("frndint", k, &R, SW & MASK_ARITH);
                }
                UN("fabs", "");
                note80("fabs", k, &R, SW);
                UN("fchs", "");
                note80("fchs", k, &R, SW);
                UN("fxtract", "fstpt R2\n\t");
                note80("fxtract", k, &R, SW & MASK_ARITH);
                note80("fxtract2", k, &R2, 0);
                asm volatile(PRE "fldt B\n\tfldt A\n\tfscale\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
                note80("fscale", k, &R, SW & MASK_ARITH);
            }
    }
    grp_end("fsqrt frndint fabs fchs fxtract fscale");
}

/* fprem / fprem1 until C2 = 0: remainder, quotient bits (C0 C3 C1), iterations. */
static void test_fprem(void)
{
    grp_begin();
    for (int i = 0; i < 300; i++) {
        gen80(&A);
        gen80(&B);
        if ((rng() & 3) == 0) { /* nearby exponents */
            A.se = (A.se & 0x8000) | (0x3fff + (rng() & 127));
            B.se = (B.se & 0x8000) | (0x3fff + (rng() & 15));
            A.hi |= 0x80000000;
            B.hi |= 0x80000000;
        }
        if ((A.se & 0x7fff) > (B.se & 0x7fff) + 3000 && (A.se & 0x7fff) != 0x7fff)
            A.se = (A.se & 0x8000) | ((B.se & 0x7fff) + (rng() & 2047));
        CW = cw_of(i & 3, 3);
        asm volatile(PRE "fldt B\n\tfldt A\n\txorl %%ecx, %%ecx\n"
                     "1:\tfprem\n\tfnstsw %%ax\n\tincl %%ecx\n\ttestw $0x400, %%ax\n\tjz 2f\n\tcmpl $1000, %%ecx\n\tjb 1b\n"
                     "2:\tmovw %%ax, SW\n\tmovl %%ecx, CNT\n\tfstpt R\n\tfninit" ::: "memory", "eax", "ecx", "cc");
        note("fprem", i, R.se, R.hi ^ R.lo, SW & ~SW_DE, CNT);
        asm volatile(PRE "fldt B\n\tfldt A\n\txorl %%ecx, %%ecx\n"
                     "1:\tfprem1\n\tfnstsw %%ax\n\tincl %%ecx\n\ttestw $0x400, %%ax\n\tjz 2f\n\tcmpl $1000, %%ecx\n\tjb 1b\n"
                     "2:\tmovw %%ax, SW\n\tmovl %%ecx, CNT\n\tfstpt R\n\tfninit" ::: "memory", "eax", "ecx", "cc");
        note("fprem1", i, R.se, R.hi ^ R.lo, SW & ~(SW_DE | 0x4300), CNT); /* QEMU 7.2: no quotient bits */
    }
    grp_end("fprem fprem1");
}

/* ---------------- loads and stores ---------------- */

static void test_loads(void)
{
    grp_begin();
    for (int i = 0; i < 400; i++) {
        F32 = gen32();
        F64 = gen64();
        I16 = (int16_t)rng_operand();
        I32 = (int32_t)rng_operand();
        I64 = ((int64_t)rng_operand() << 32) | rng();
        if (i & 1) I64 >>= (rng() & 63);
        CW = cw_of(i & 3, 3); /* QEMU 7.2 rounds loaded values to the precision control */
        asm volatile(PRE "flds F32\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        note80("flds", i, &R, SW & MASK_ARITH);
        asm volatile(PRE "fldl F64\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        note80("fldl", i, &R, SW & MASK_ARITH);
        asm volatile(PRE "filds I16\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        note80("filds", i, &R, SW);
        asm volatile(PRE "fildl I32\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        note80("fildl", i, &R, SW);
        asm volatile(PRE "fildll I64\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        note80("fildll", i, &R, SW);
        for (int d = 0; d < 9; d++) BCD[d] = (uint8_t)(((rng() % 10) << 4) | (rng() % 10));
        BCD[9] = (rng() & 1) ? 0x80 : 0;
        asm volatile(PRE "fbld BCD\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        note80("fbld", i, &R, SW);
        gen80(&A);
        asm volatile(PRE "fldt A\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        note80("fldt", i, &R, SW);
    }
    grp_end("fld m32/m64/m80 fild m16/m32/m64 fbld");
}

#define ST(op, out) asm volatile(PRE "fldt A\n\t" op " " out "\n\tfnstsw SW\n\tfninit" ::: "memory")
static void test_stores(void)
{
    grp_begin();
    for (int i = 0; i < 300; i++) {
        gen80(&A);
        if ((i & 3) == 1) { /* in integer range */
            A.se = (A.se & 0x8000) | (0x3fff + (rng() % 66));
        }
        for (int rc = 0; rc < 4; rc++) {
            int k = i * 10 + rc;
            CW = cw_of(rc, 3);
            ST("fsts", "F32");
            note("fsts", k, F32, 0, 0, SW & MASK_ARITH);
            ST("fstl", "F64");
            note("fstl", k, (uint32_t)(F64 >> 32), (uint32_t)F64, 0, SW & MASK_ARITH);
            ST("fists", "I16");
            note("fists", k, (uint16_t)I16, 0, 0, SW & MASK_ARITH);
            ST("fistl", "I32");
            note("fistl", k, (uint32_t)I32, 0, 0, SW & MASK_ARITH);
            ST("fistpll", "I64");
            note("fistpll", k, (uint32_t)(I64 >> 32), (uint32_t)I64, 0, SW & MASK_ARITH);
            ST("fisttps", "I16");
            note("fisttps", k, (uint16_t)I16, 0, 0, SW & MASK_ARITH);
            ST("fisttpl", "I32");
            note("fisttpl", k, (uint32_t)I32, 0, 0, SW & MASK_ARITH);
            ST("fisttpll", "I64");
            note("fisttpll", k, (uint32_t)(I64 >> 32), (uint32_t)I64, 0, SW & MASK_ARITH);
            ST("fbstp", "BCD");
            note("fbstp", k, BCD[0] | BCD[1] << 8 | BCD[2] << 16 | (uint32_t)BCD[3] << 24,
                 BCD[4] | BCD[5] << 8 | BCD[6] << 16 | (uint32_t)BCD[7] << 24, BCD[8] | BCD[9] << 8, SW & MASK_ARITH);
        }
    }
    grp_end("fst m32/m64 fist m16/m32/m64 fisttp fbstp");
}

/* ---------------- compares ---------------- */

#define CMP(op) asm volatile(PRE "fldt B\n\tfldt A\n\tpushl FLAGS_IN\n\tpopfl\n\t" op "\n\tfnstsw SW\n\tpushfl\n\tpopl EFL\n\tfninit" ::: "memory", "cc")
static void test_compare(void)
{
    grp_begin();
    for (int i = 0; i < 400; i++) {
        gen80(&A);
        if (i & 1) B = A; else gen80(&B);
        if ((i & 7) == 2) { B.se ^= 0x8000; }
        F32 = (i & 4) ? gen32() : 0;
        F64 = gen64();
        I32 = (int32_t)rng_operand();
        I16 = (int16_t)rng();
        FLAGS_IN = 0x8d5 & rng();
        CW = cw_of(0, 3);
        for (int op = 0; op < 17; op++) {
            switch (op) {
            case 0: CMP("fcom %%st(1)"); break;
            case 1: CMP("fcomp %%st(1)"); break;
            case 2: CMP("fcompp"); break;
            case 3: CMP("fucom %%st(1)"); break;
            case 4: CMP("fucomp %%st(1)"); break;
            case 5: CMP("fucompp"); break;
            case 6: CMP("fcomi %%st(1), %%st"); break;
            case 7: CMP("fcomip %%st(1), %%st"); break;
            case 8: CMP("fucomi %%st(1), %%st"); break;
            case 9: CMP("fucomip %%st(1), %%st"); break;
            case 10: CMP("fcoms F32"); break;
            case 11: CMP("fcompl F64"); break;
            case 12: CMP("ficoml I32"); break;
            case 13: CMP("ficomps I16"); break;
            case 14: CMP("ftst"); break;
            case 15: CMP("fxam"); break;
            case 16: CMP("fcomps F32"); break;
            }
            note("cmp", i * 100 + op, SW & ~SW_DE, EFL & (FL_ZF | FL_PF | FL_CF), 0, 0);
        }
    }
    /* fxam of an empty register shows the stale contents' sign */
    asm volatile("fninit\n\tfld1\n\tfchs\n\tfstp %%st(0)\n\tfxam\n\tfnstsw SW\n\tfninit" ::: "memory");
    note("fxam-empty", 0, SW, 0, 0, 0);
    grp_end("fcom fucom ficom ftst fxam fcomi fucomi");
}

#define FCMOV(op) asm volatile(PRE "fldt B\n\tfldt A\n\tpushl FLAGS_IN\n\tpopfl\n\t" op " %%st(1), %%st\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory", "cc")
static void test_fcmov(void)
{
    grp_begin();
    for (int f = 0; f < 8; f++) {
        gen80(&A);
        gen80(&B);
        FLAGS_IN = 0x2 | ((f & 1) ? FL_CF : 0) | ((f & 2) ? FL_ZF : 0) | ((f & 4) ? FL_PF : 0);
        for (int op = 0; op < 8; op++) {
            switch (op) {
            case 0: FCMOV("fcmovb"); break;
            case 1: FCMOV("fcmove"); break;
            case 2: FCMOV("fcmovbe"); break;
            case 3: FCMOV("fcmovu"); break;
            case 4: FCMOV("fcmovnb"); break;
            case 5: FCMOV("fcmovne"); break;
            case 6: FCMOV("fcmovnbe"); break;
            case 7: FCMOV("fcmovnu"); break;
            }
            int cf = f & 1, zf = (f >> 1) & 1, pf = (f >> 2) & 1;
            int cond = (op & 3) == 0 ? cf : (op & 3) == 1 ? zf : (op & 3) == 2 ? (cf | zf) : pf;
            if (op >= 4) cond = !cond;
            const f80_t *want = cond ? &B : &A;
            grp_check(R.se == want->se && R.hi == want->hi && R.lo == want->lo, "fcmov op %d flags %d", op, f);
            grp_hash(R.lo);
            grp_hash(SW);
        }
    }
    grp_end("fcmovcc");
}

/* ---------------- constants ---------------- */

static void test_consts(void)
{
    grp_begin();
    for (int rc = 0; rc < 4; rc++)
        for (int p = 0; p < 3; p++) {
            CW = cw_of(rc, PCS[p]);
            asm volatile(PRE "fld1\n\tfldl2t\n\tfldl2e\n\tfldpi\n\tfldlg2\n\tfldln2\n\tfldz\n\tfnstsw SW\n\tfnsave SAVE" ::: "memory");
            for (int r = 0; r < 7; r++) {
                f80_t *v = (f80_t *)(SAVE + 28 + 10 * r);
                note80("const", rc * 100 + p * 10 + r, v, SW);
            }
        }
    grp_end("fld1 fldl2t fldl2e fldpi fldlg2 fldln2 fldz");
}

/* ---------------- stack, tags, environment images ---------------- */

/* Mask what QEMU does not store like the hardware in a 32-bit fnstenv/fnsave image. */
static void mask_env32(uint8_t *p)
{
    p[2] = p[3] = p[6] = p[7] = p[10] = p[11] = p[26] = p[27] = 0; /* reserved halves */
    p[18] = p[19] = 0;                                            /* FOP */
}

static uint32_t hash_bytes(const uint8_t *p, int n)
{
    uint32_t h = HASH_INIT;
    for (int i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

extern char L_fadds[], L_fldt[], L_fmul[];
asm(".globl L_fadds, L_fldt, L_fmul");

static void test_stack_env(void)
{
    grp_begin();
    /* a sequence of stack operations, then the full image */
    memset(SAVE, 0x5a, sizeof SAVE);
    asm volatile("fninit\n\tfld1\n\tfldl2t\n\tfldpi\n\tfxch %%st(2)\n\tfld %%st(1)\n\tfincstp\n\tfdecstp\n\tffree %%st(3)\n\t"
                 "fst %%st(2)\n\tfstp %%st(1)\n\tfldz\n\tfxch\n\tfabs\n\tfchs\n\tfnsave SAVE" ::: "memory");
    mask_env32(SAVE);
    note("stack ops", 0, hash_bytes(SAVE, 108), 0, 0, 0);
    /* after fnsave: as fninit */
    asm volatile("fnstcw CW\n\tfnstsw SW\n\tfnstenv ENV" ::: "memory");
    t_eq("fnsave reinitializes: fcw", CW, 0x37f);
    t_eq("fnsave reinitializes: fsw", SW, 0);
    t_eq("fnsave reinitializes: ftw", ENV[2] & 0xffff, 0xffff);

    /* tags: valid, zero, special (inf, NaN, denormal) and empty */
    set80(&A, 0x0000, 0x00001234, 0);
    set80(&B, 0xffff, 0xc0000000, 0);
    asm volatile("fninit\n\tfld1\n\tfldz\n\tfldt A\n\tfldt B\n\tfldpi\n\tfdiv %%st(2), %%st\n\tfnstenv ENV\n\tfninit" ::: "memory");
    t_eq("tag word", ENV[2] & 0xffff, 0x1abf);
    t_eq("status word TOP and OE PE", ENV[1] & 0x3829, 0x1828);

    /* last instruction and operand pointers */
    F32 = 0x40000000;
    asm volatile("fninit\n\tfldz\nL_fadds:\tfadds F32\n\tfnstenv ENV\n\tfninit" ::: "memory");
    t_eq("fnstenv fip", ENV[3], (uint32_t)L_fadds);
    t_eq("fnstenv fcs", ENV[4] & 0xffff, 0x08);
    t_eq("fnstenv fdp", ENV[5], (uint32_t)&F32);
    t_eq("fnstenv fds", ENV[6] & 0xffff, 0x10);
    asm volatile("fninit\n\tfldt A\nL_fmul:\tfmul %%st(0), %%st\n\tfldcw CW\n\tfnstsw SW\n\tfnclex\n\tfnstenv ENV\n\tfninit" ::: "memory");
    t_eq("fip after a register op", ENV[3], (uint32_t)L_fmul);
    t_eq("fdp kept from the last memory operand", ENV[5], (uint32_t)&A);
    asm volatile("fninit\nL_fldt:\tfldt A\n\t.byte 0x66\n\tfnstenv ENV\n\tfninit" ::: "memory");
    /* the 14-byte format: FCW FSW FTW FIP FCS FDP FDS */
    t_eq("16-bit fnstenv fip", ENV[1] >> 16, (uint32_t)L_fldt & 0xffff);
    t_eq("16-bit fnstenv fdp", ENV[2] >> 16, (uint32_t)&A & 0xffff);

    /* a segment override: FDS is the selector used */
    gdt_set(3, 0, 0xfffff, 0x92, 0xc);
    asm volatile("movw $0x18, %%ax\n\tmovw %%ax, %%fs\n\tfninit\n\tflds %%fs:F32\n\tfnstenv ENV\n\tfninit\n\t"
                 "movw $0x10, %%ax\n\tmovw %%ax, %%fs" ::: "memory", "eax");
    t_eq("fnstenv fds with fs:", ENV[6] & 0xffff, 0x18);

    /* 16-bit fnsave / frstor round trip, seen through a 32-bit fnsave */
    gen80(&A);
    asm volatile("fninit\n\tfldt A\n\tfldpi\n\tfld1\n\t.byte 0x66\n\tfnsave SAVE\n\tfld1\n\t.byte 0x66\n\tfrstor SAVE\n\t"
                 "fnstsw SW\n\tfxam\n\tfnstsw SW2\n\tfstpt R\n\tfninit" ::: "memory");
    note("frstor16", 0, SW, SW2, R.se, R.hi ^ R.lo);

    /* 32- and 16-bit fnsave images of a loaded stack */
    for (int o16 = 0; o16 < 2; o16++) {
        memset(SAVE, 0xa5, sizeof SAVE);
        gen80(&A);
        gen80(&B);
        CW = 0x0a7f;
        if (o16)
            asm volatile("fninit\n\tfldcw CW\n\tfldt A\n\tfldt B\n\tfldpi\n\tfdiv %%st(1), %%st\n\tfldz\n\tfld1\n\tffree %%st(1)\n\t"
                         "fincstp\n\t.byte 0x66\n\tfnsave SAVE" ::: "memory");
        else
            asm volatile("fninit\n\tfldcw CW\n\tfldt A\n\tfldt B\n\tfldpi\n\tfdiv %%st(1), %%st\n\tfldz\n\tfld1\n\tffree %%st(1)\n\t"
                         "fincstp\n\tfnsave SAVE" ::: "memory");
        if (!o16) mask_env32(SAVE);
        *(uint16_t *)(SAVE + (o16 ? 2 : 4)) &= MASK_ARITH;
        note("fnsave", o16, hash_bytes(SAVE, o16 ? 94 : 108), 0, 0, 0);
    }

    /* frstor of a crafted image (TOP = 5, mixed tags), then fnsave again */
    memset(SAVE, 0, sizeof SAVE);
    {
        uint32_t *e = (uint32_t *)SAVE;
        e[0] = 0x0f7f;        /* fcw: chop, 64 bits */
        e[1] = 0x4500 | 5 << 11 | 0x21; /* C3 C2 C0, TOP 5, PE IE (masked: no ES) */
        e[2] = 0xfff0 | 0x4 | 0x0; /* R0 valid R1 zero(tag recomputed) R2..R7 empty */
        e[3] = 0x12345678;
        e[4] = 0x1b;
        e[5] = 0x9abcdef0;
        e[6] = 0x23;
        for (int r = 0; r < 8; r++) {
            f80_t *v = (f80_t *)(SAVE + 28 + 10 * r);
            gen80(v);
        }
    }
    asm volatile("frstor SAVE\n\tfnstsw SW\n\tfnstcw CW\n\tfxam\n\tfnstsw SW2\n\tfnsave SAVE" ::: "memory");
    note("frstor", 0, SW, CW, SW2, 0);
    mask_env32(SAVE);
    memset(SAVE + 20, 0, 6); /* FDP, FDS: QEMU does not load them from the image */
    note("frstor+fnsave", 0, hash_bytes(SAVE, 108), 0, 0, 0);

    /* fldenv of an image with pending (masked) flags and a tag word, 16-bit format */
    {
        uint16_t *e = (uint16_t *)SAVE;
        e[0] = 0x027f;
        e[1] = 0x3000 | 0x0010 | 0x0400;
        e[2] = 0xff00;
        e[3] = 0x1111; e[4] = 0x2222; e[5] = 0x3333; e[6] = 0x4444;
    }
    asm volatile("fninit\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\t.byte 0x66\n\tfldenv SAVE\n\tfnstsw SW\n\tfnstcw CW\n\tfnstenv ENV\n\tfninit" ::: "memory");
    note("fldenv16", 0, SW, CW, ENV[2] & 0xffff, ENV[1] & 0xffff);
    grp_end("stack ops, tags, pointers, fnstenv/fldenv/fnsave/frstor images");
}

static void test_fxsave(void)
{
    grp_begin();
    uint8_t *fx = FXA;
    memset(fx, 0x77, 512);
    gen80(&A);
    CW = 0x0b7f;
    asm volatile("fninit\n\tfldcw CW\n\tfldt A\n\tfldpi\n\tfldz\n\tffree %%st(1)\n\tfxsave FXA\n\tfninit" ::: "memory");
    /* FOP and the FPU IP/DP fields: QEMU stores zeros (and no FOP) */
    memset(fx + 6, 0, 18);
    note("fxsave", 0, hash_bytes(fx, 512), fx[4], 0, 0);
    t_eq("fxsave abridged tag", fx[4], 0xa0);
    t_eq("fxsave mxcsr", *(uint32_t *)(fx + 24), 0x1f80);
    t_eq("fxsave mxcsr_mask", *(uint32_t *)(fx + 28), 0xffff);

    /* fxrstor a crafted image, then fnsave and fxsave it back */
    memset(fx, 0, 512);
    *(uint16_t *)(fx + 0) = 0x077f;
    *(uint16_t *)(fx + 2) = 0x2000 | 0x0100 | 0x20;
    fx[4] = 0xc3; /* R0 R1 R6 R7 in use */
    *(uint32_t *)(fx + 24) = 0x1fc0 | 0x3f; /* DAZ and some sticky flags */
    for (int r = 0; r < 8; r++) gen80((f80_t *)(fx + 32 + 16 * r));
    for (int i = 160; i < 288; i++) fx[i] = (uint8_t)(i * 7);
    asm volatile("fxrstor FXA\n\tfnstsw SW\n\tfnstcw CW\n\tstmxcsr F32\n\tfnstenv ENV" ::: "memory");
    note("fxrstor", 0, SW, CW, F32, ENV[2] & 0xffff);
    memset(fx, 0x33, 512);
    asm volatile("fxsave FXA\n\tfninit" ::: "memory");
    memset(fx + 6, 0, 18);
    note("fxrstor+fxsave", 0, hash_bytes(fx, 512), 0, 0, 0);

    F32 = 0x1f80 | 0x6000; /* round toward zero */
    asm volatile("ldmxcsr F32\n\tmovl $0, F32\n\tstmxcsr F32" ::: "memory");
    t_eq("ldmxcsr/stmxcsr", F32, 0x7f80);
    F32 = 0x1f80;
    asm volatile("ldmxcsr F32" ::: "memory");
    grp_end("fxsave/fxrstor images, ldmxcsr/stmxcsr");
}

/* ---------------- exceptions ---------------- */

static volatile uint32_t mf_vector, mf_eip, mf_count;
static volatile uint16_t mf_sw;
static void mf_handler(struct regs *r)
{
    uint16_t sw;
    asm volatile("fnstsw %0\n\tfnclex" : "=a"(sw));
    mf_vector = r->vector;
    mf_eip = r->eip;
    mf_sw = sw;
    mf_count++;
}

extern char L_mf0[], L_mf1[], L_mf2[], L_mf3[], L_mf4[], L_nm0[], L_nm1[], L_nm2[], L_nm3[];
asm(".globl L_mf0, L_mf1, L_mf2, L_mf3, L_mf4, L_nm0, L_nm1, L_nm2, L_nm3");

static uint32_t read_cr0(void) { uint32_t v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static void write_cr0(uint32_t v) { asm volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }

static void test_exceptions(void)
{
    char label[64];
    set_handler(16, mf_handler);
    static const char *names[] = {"IE (fsqrt -1)", "ZE (1/0)", "OE (big*big)", "UE (tiny*tiny)", "PE (1/3)"};
    static const uint16_t cws[] = {0x037e, 0x037b, 0x0377, 0x036f, 0x035f};
    for (int k = 0; k < 5; k++) {
        mf_count = 0;
        mf_vector = mf_eip = 0xffffffff;
        CW = cws[k];
        set80(&A, 0x7ff0, 0xc0000000, 1); /* squares are inexact */
        set80(&B, 0x0010, 0xc0000000, 1);
        I32 = 3;
        switch (k) {
        case 0: asm volatile(PRE "fld1\n\tfchs\n\tfsqrt\n\tfnstsw SW\nL_mf0:\tfwait\n\tfninit" ::: "memory"); break;
        case 1: asm volatile(PRE "fld1\n\tfldz\n\tfdivr %%st(1), %%st\n\tfnstsw SW\nL_mf1:\tfwait\n\tfninit" ::: "memory"); break;
        case 2: asm volatile(PRE "fldt A\n\tfmul %%st(0), %%st\n\tfnstsw SW\nL_mf2:\tfwait\n\tfninit" ::: "memory"); break;
        case 3: asm volatile(PRE "fldt B\n\tfmul %%st(0), %%st\n\tfnstsw SW\nL_mf3:\tfwait\n\tfninit" ::: "memory"); break;
        case 4: asm volatile(PRE "fld1\n\tfidivl I32\n\tfnstsw SW\nL_mf4:\tfwait\n\tfstpt R\n\tfninit" ::: "memory"); break;
        }
        static char *const labels[] = {L_mf0, L_mf1, L_mf2, L_mf3, L_mf4};
        snprintf(label, sizeof label, "#MF %s: vector", names[k]);
        t_eq(label, mf_vector, 16);
        snprintf(label, sizeof label, "#MF %s: eip = the fwait", names[k]);
        t_eq(label, mf_eip, (uint32_t)labels[k]);
        grp_begin();
        note("mf", k, SW & MASK_ARITH, mf_sw & MASK_ARITH, mf_count, 0);
        grp_end(names[k]);
        if (k == 4) t_ok("#MF PE: result stored", R.se == 0x3ffd && R.hi == 0xaaaaaaaa && R.lo == 0xaaaaaaab);
    }
    /* non-waiting instructions do not deliver a pending exception */
    mf_count = 0;
    CW = 0x037b;
    asm volatile(PRE "fld1\n\tfldz\n\tfdivr %%st(1), %%st\n\tfnstsw SW\n\tfnstcw CW\n\tfnstenv ENV\n\tfnclex\n\tfwait\n\tfninit" ::: "memory");
    t_eq("fn* forms do not fault, fnclex clears", mf_count, 0);
    set_handler(16, 0);

    /* #NM: CR0.TS for x87 instructions, fwait only with MP; CR0.EM */
    uint32_t cr0 = read_cr0();
    write_cr0(cr0 | 8);
    fault_reset();
    asm volatile(FAULT_SETUP "\nL_nm0:\tfld1" FAULT_DONE ::: "memory");
    t_eq("#NM: fld1 with CR0.TS", fault_vector, 7);
    t_eq("#NM: eip", fault_eip, (uint32_t)L_nm0);
    fault_reset();
    asm volatile(FAULT_SETUP "\nL_nm1:\tfwait" FAULT_DONE ::: "memory");
    t_eq("#NM: fwait with CR0.TS and CR0.MP", fault_vector, 7);
    t_eq("#NM: fwait eip", fault_eip, (uint32_t)L_nm1);
    fault_reset();
    asm volatile(FAULT_SETUP "\nL_nm2:\tfxsave FXA" FAULT_DONE ::: "memory");
    t_eq("#NM: fxsave with CR0.TS", fault_vector, 7);
    write_cr0((cr0 | 8) & ~2u);
    fault_reset();
    asm volatile(FAULT_SETUP "fwait" FAULT_DONE ::: "memory");
    t_eq("fwait with CR0.TS but not CR0.MP: no fault", fault_vector, 0xffffffff);
    asm volatile("clts" ::: "memory");
    write_cr0(cr0 | 4);
    fault_reset();
    asm volatile(FAULT_SETUP "\nL_nm3:\tfninit" FAULT_DONE ::: "memory");
    t_eq("#NM: fninit with CR0.EM", fault_vector, 7);
    t_eq("#NM: eip", fault_eip, (uint32_t)L_nm3);
    fault_reset();
    asm volatile(FAULT_SETUP "fwait" FAULT_DONE ::: "memory");
    t_eq("fwait with CR0.EM: no fault", fault_vector, 0xffffffff);
    write_cr0(cr0);

    fault_reset();
    asm volatile(FAULT_SETUP "fxsave FXA+8" FAULT_DONE ::: "memory");
    t_eq("#GP: misaligned fxsave", fault_vector, 13);
    t_eq("#GP: error code", fault_err, 0);
    fault_reset();
    asm volatile(FAULT_SETUP ".byte 0xd9, 0xd1" FAULT_DONE ::: "memory");
    t_eq("#UD: D9 D1", fault_vector, 6);
    asm volatile("fninit");
}

/* ---------------- transcendental functions (with tolerance) ---------------- */

struct tref {
    uint32_t xhi, xlo, yhi, ylo; /* x (ST0) and y (ST1) as doubles, or y = selector for trig */
    uint16_t se;
    uint32_t hi, lo;
};

/* Correctly rounded references (mpmath, 400 bits). */
static const struct tref T_F2XM1[] = {
    {0x3fe00000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffd, 0xd413cccfu, 0xe7799211u}, /* 2^0.5 - 1 */
    {0xbfe00000u, 0x00000000u, 0x00000000u, 0x00000000u, 0xbffd, 0x95f61998u, 0x0c4336f7u}, /* 2^-0.5 - 1 */
    {0x3fd00000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffc, 0xc1bf828cu, 0x6dc54b7au}, /* 2^0.25 - 1 */
    {0x3ee4f8b5u, 0x88e368f1u, 0x00000000u, 0x00000000u, 0x3fed, 0xe8951885u, 0xaf4798d4u}, /* 2^1e-05 - 1 */
    {0xbfecccccu, 0xcccccccdu, 0x00000000u, 0x00000000u, 0xbffd, 0xeda0411du, 0xaf99beceu}, /* 2^-0.9 - 1 */
    {0x3fe80000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffe, 0xae89f995u, 0xad3ad5e8u}, /* 2^0.75 - 1 */
    {0x3b900000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3fb8, 0xb17217f7u, 0xd1cf79acu}, /* 2^8.470329472543003e-22 - 1 */
    {0xbfc00000u, 0x00000000u, 0x00000000u, 0x00000000u, 0xbffb, 0xa9f9c8c1u, 0x16de3689u}, /* 2^-0.125 - 1 */
    {0x3feff7ceu, 0xd916872bu, 0x00000000u, 0x00000000u, 0x3ffe, 0xffa52de6u, 0x1c11f23fu}, /* 2^0.999 - 1 */
};
static const struct tref T_FYL2X[] = {
    {0x40080000u, 0x00000000u, 0x3ff00000u, 0x00000000u, 0x3fff, 0xcae00d1cu, 0xfdeb43d0u}, /* 1.0 * log2(3.0) */
    {0x40240000u, 0x00000000u, 0x3ff00000u, 0x00000000u, 0x4000, 0xd49a784bu, 0xcd1b8afeu}, /* 1.0 * log2(10.0) */
    {0x3fb99999u, 0x9999999au, 0x40000000u, 0x00000000u, 0xc001, 0xd49a784bu, 0xcd1b898du}, /* 2.0 * log2(0.1) */
    {0x3ff80000u, 0x00000000u, 0xbff00000u, 0x00000000u, 0xbffe, 0x95c01a39u, 0xfbd687a0u}, /* -1.0 * log2(1.5) */
    {0x7e37e43cu, 0x8800759cu, 0x3ff00000u, 0x00000000u, 0x4008, 0xf92504f8u, 0xd45c46e3u}, /* 1.0 * log2(1e+300) */
    {0x3fe6a090u, 0x2de00d1bu, 0x40080000u, 0x00000000u, 0xbfff, 0xc0015c2fu, 0x088a2025u}, /* 3.0 * log2(0.7071) */
    {0x3ff00000u, 0x1ad7f29bu, 0x3ff00000u, 0x00000000u, 0x3fe8, 0x9ae87f52u, 0xfe65ba16u}, /* 1.0 * log2(1.0000001) */
    {0x405edd2fu, 0x1a9fbe77u, 0xbfe00000u, 0x00000000u, 0xc000, 0xde54d01du, 0x8841d193u}, /* -0.5 * log2(123.456) */
    {0x40200000u, 0x00000000u, 0x3fd33333u, 0x33333333u, 0x3ffe, 0xe6666666u, 0x66666400u}, /* 0.3 * log2(8.0) */
};
static const struct tref T_FYL2XP1[] = {
    {0x3fd00000u, 0x00000000u, 0x3ff00000u, 0x00000000u, 0x3ffd, 0xa4d3c25eu, 0x68dc57f2u}, /* 1.0 * log2(1 + 0.25) */
    {0xbfc99999u, 0x9999999au, 0x40080000u, 0x00000000u, 0xbffe, 0xf73da38du, 0x9d4a883fu}, /* 3.0 * log2(1 + -0.2) */
    {0x3ddb7cdfu, 0xd9d7bdbbu, 0x3ff00000u, 0x00000000u, 0x3fde, 0x9ea0415bu, 0x6f908dbfu}, /* 1.0 * log2(1 + 1e-10) */
    {0x3fb99999u, 0x9999999au, 0xc0000000u, 0x00000000u, 0xbffd, 0x8ccdb946u, 0x5ce84219u}, /* -2.0 * log2(1 + 0.1) */
    {0xbf847ae1u, 0x47ae147bu, 0x3ff00000u, 0x00000000u, 0xbff8, 0xed8f9a69u, 0x61c32feau}, /* 1.0 * log2(1 + -0.01) */
};
static const struct tref T_FPATAN[] = {
    {0x3ff00000u, 0x00000000u, 0x3ff00000u, 0x00000000u, 0x3ffe, 0xc90fdaa2u, 0x2168c235u}, /* atan2(1.0, 1.0) */
    {0x40000000u, 0x00000000u, 0x3ff00000u, 0x00000000u, 0x3ffd, 0xed63382bu, 0x0dda7b45u}, /* atan2(1.0, 2.0) */
    {0x40080000u, 0x00000000u, 0xbff00000u, 0x00000000u, 0xbffd, 0xa4bc7d19u, 0x34f70924u}, /* atan2(-1.0, 3.0) */
    {0xbff00000u, 0x00000000u, 0x40000000u, 0x00000000u, 0x4000, 0x82345456u, 0x726fb083u}, /* atan2(2.0, -1.0) */
    {0xc0100000u, 0x00000000u, 0xc0080000u, 0x00000000u, 0xc000, 0x9fe0bb5bu, 0xd42affecu}, /* atan2(-3.0, -4.0) */
    {0x3ff00000u, 0x00000000u, 0x3ee4f8b5u, 0x88e368f1u, 0x3fee, 0xa7c5ac47u, 0x03429dd7u}, /* atan2(1e-05, 1.0) */
    {0x3ee4f8b5u, 0x88e368f1u, 0x3ff00000u, 0x00000000u, 0x3fff, 0xc90f86bfu, 0x4b454093u}, /* atan2(1.0, 1e-05) */
    {0xbfe00000u, 0x00000000u, 0x3fd00000u, 0x00000000u, 0x4000, 0xab63739cu, 0xbfad72ccu}, /* atan2(0.25, -0.5) */
    {0x401c0000u, 0x00000000u, 0x40590000u, 0x00000000u, 0x3fff, 0xc01dd45cu, 0x6560d388u}, /* atan2(100.0, 7.0) */
};
static const struct tref T_TRIG[] = {
    {0x3fe00000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffd, 0xf57743a2u, 0x582f7f44u}, /* sin 0.5 */
    {0x3fe00000u, 0x00000000u, 0x00000000u, 0x00000001u, 0x3ffe, 0xe0a94032u, 0xdbea7ceeu}, /* cos 0.5 */
    {0x3fe00000u, 0x00000000u, 0x00000000u, 0x00000002u, 0x3ffe, 0x8bda7adfu, 0x9a3a5219u}, /* tan 0.5 */
    {0x3ff00000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffe, 0xd76aa478u, 0x48677021u}, /* sin 1.0 */
    {0x3ff00000u, 0x00000000u, 0x00000000u, 0x00000001u, 0x3ffe, 0x8a51407du, 0xa8345c92u}, /* cos 1.0 */
    {0x3ff00000u, 0x00000000u, 0x00000000u, 0x00000002u, 0x3fff, 0xc75922e5u, 0xf71d2dc5u}, /* tan 1.0 */
    {0x40000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffe, 0xe8c7b756u, 0x8da22efdu}, /* sin 2.0 */
    {0x40000000u, 0x00000000u, 0x00000000u, 0x00000001u, 0xbffd, 0xd51132bau, 0x9b902522u}, /* cos 2.0 */
    {0x40000000u, 0x00000000u, 0x00000000u, 0x00000002u, 0xc000, 0x8bd7b170u, 0x4a87c1dbu}, /* tan 2.0 */
    {0x40080000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffc, 0x9081c36du, 0xb6aada79u}, /* sin 3.0 */
    {0x40080000u, 0x00000000u, 0x00000000u, 0x00000001u, 0xbffe, 0xfd7025f4u, 0x2f2e9308u}, /* cos 3.0 */
    {0x40080000u, 0x00000000u, 0x00000000u, 0x00000002u, 0xbffc, 0x91f7b892u, 0xa5c37866u}, /* tan 3.0 */
    {0xbff40000u, 0x00000000u, 0x00000000u, 0x00000000u, 0xbffe, 0xf2f0a7f0u, 0x8a0c60f9u}, /* sin -1.25 */
    {0xbff40000u, 0x00000000u, 0x00000000u, 0x00000001u, 0x3ffd, 0xa171eec4u, 0x5eca8ecbu}, /* cos -1.25 */
    {0xbff40000u, 0x00000000u, 0x00000000u, 0x00000002u, 0xc000, 0xc09cca1fu, 0x118d40a8u}, /* tan -1.25 */
    {0x40240000u, 0x00000000u, 0x00000000u, 0x00000000u, 0xbffe, 0x8b44f7afu, 0x9a7a92ceu}, /* sin 10.0 */
    {0x40240000u, 0x00000000u, 0x00000000u, 0x00000001u, 0xbffe, 0xd6cd6448u, 0x6358f905u}, /* cos 10.0 */
    {0x40240000u, 0x00000000u, 0x00000000u, 0x00000002u, 0x3ffe, 0xa5faf9a5u, 0xf1bc12f0u}, /* tan 10.0 */
    {0x40590000u, 0x00000000u, 0x00000000u, 0x00000000u, 0xbffe, 0x81a12dbcu, 0x626dc038u}, /* sin 100.0 */
    {0x40590000u, 0x00000000u, 0x00000000u, 0x00000001u, 0x3ffe, 0xdcc0edfbu, 0x32fefb20u}, /* cos 100.0 */
    {0x40590000u, 0x00000000u, 0x00000000u, 0x00000002u, 0xbffe, 0x9653a6b1u, 0x5ae9bd7du}, /* tan 100.0 */
    {0x40f86a00u, 0x00000000u, 0x00000000u, 0x00000000u, 0x3ffa, 0x926d54e2u, 0x93f4b1c7u}, /* sin 100000.0 */
    {0x40f86a00u, 0x00000000u, 0x00000000u, 0x00000001u, 0xbffe, 0xffd61c20u, 0xd9ed39b1u}, /* cos 100000.0 */
    {0x40f86a00u, 0x00000000u, 0x00000000u, 0x00000002u, 0xbffa, 0x92854ea8u, 0x1989e47eu}, /* tan 100000.0 */
    {0x3f50624du, 0xd2f1a9fcu, 0x00000000u, 0x00000000u, 0x3ff5, 0x83126d29u, 0x0c531036u}, /* sin 0.001 */
    {0x3f50624du, 0xd2f1a9fcu, 0x00000000u, 0x00000001u, 0x3ffe, 0xfffff79cu, 0x843b5f70u}, /* cos 0.001 */
    {0x3f50624du, 0xd2f1a9fcu, 0x00000000u, 0x00000002u, 0x3ff5, 0x83127174u, 0x8f5f1d9bu}, /* tan 0.001 */
};

/* |got - want| in units of the last place of want (both finite, same sign); large on mismatch */
static uint32_t ulps(const f80_t *g, uint16_t se, uint32_t hi, uint32_t lo)
{
    if ((g->se ^ se) & 0x8000) return 0xffffffff;
    int eg = g->se & 0x7fff, ew = se & 0x7fff;
    if (eg - ew > 1 || ew - eg > 1) return 0xffffffff;
    int base = eg < ew ? eg : ew;
    uint64_t kg = ((uint64_t)(eg - base) << 63) | (((uint64_t)g->hi << 32 | g->lo) & 0x7fffffffffffffffull);
    uint64_t kw = ((uint64_t)(ew - base) << 63) | (((uint64_t)hi << 32 | lo) & 0x7fffffffffffffffull);
    uint64_t d = kg > kw ? kg - kw : kw - kg;
    return d >> 32 ? 0xffffffff : (uint32_t)d;
}

static void set_dbl(uint32_t hi, uint32_t lo) { F64 = (uint64_t)hi << 32 | lo; }

static void check_trans(const char *name, const struct tref *t, uint32_t tol, int i)
{
    uint32_t d = ulps(&R, t->se, t->hi, t->lo);
    grp_check(d <= tol && !(SW & SW_C2), "%s #%d: got %04x:%08x%08x want %04x:%08x%08x (%u ulps) sw %04x", name, i, R.se, R.hi,
              R.lo, t->se, t->hi, t->lo, d, SW);
    if (verbose) printf("%s %d %04x %08x %08x ulps %u\n", name, i, R.se, R.hi, R.lo, d);
}

static void test_transcendental(void)
{
    grp_begin();
    CW = 0x037f;
    for (unsigned i = 0; i < ARRAY_SIZE(T_F2XM1); i++) {
        set_dbl(T_F2XM1[i].xhi, T_F2XM1[i].xlo);
        asm volatile(PRE "fldl F64\n\tf2xm1\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        check_trans("f2xm1", &T_F2XM1[i], 2, i);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(T_FYL2X); i++) {
        set_dbl(T_FYL2X[i].yhi, T_FYL2X[i].ylo);
        asm volatile(PRE "fldl F64" ::: "memory");
        set_dbl(T_FYL2X[i].xhi, T_FYL2X[i].xlo);
        asm volatile("fldl F64\n\tfyl2x\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        check_trans("fyl2x", &T_FYL2X[i], 2, i);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(T_FYL2XP1); i++) {
        set_dbl(T_FYL2XP1[i].yhi, T_FYL2XP1[i].ylo);
        asm volatile(PRE "fldl F64" ::: "memory");
        set_dbl(T_FYL2XP1[i].xhi, T_FYL2XP1[i].xlo);
        asm volatile("fldl F64\n\tfyl2xp1\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        check_trans("fyl2xp1", &T_FYL2XP1[i], 2, i);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(T_FPATAN); i++) {
        set_dbl(T_FPATAN[i].yhi, T_FPATAN[i].ylo);
        asm volatile(PRE "fldl F64" ::: "memory");
        set_dbl(T_FPATAN[i].xhi, T_FPATAN[i].xlo);
        asm volatile("fldl F64\n\tfpatan\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
        check_trans("fpatan", &T_FPATAN[i], 2, i);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(T_TRIG); i++) {
        const struct tref *t = &T_TRIG[i];
        set_dbl(t->xhi, t->xlo);
        if (t->ylo == 0) {
            asm volatile(PRE "fldl F64\n\tfsin\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
            check_trans("fsin", t, 1u << 13, i);
            asm volatile(PRE "fldl F64\n\tfsincos\n\tfnstsw SW\n\tfstpt R2\n\tfstpt R\n\tfninit" ::: "memory");
            check_trans("fsincos (sin)", t, 1u << 13, i);
        } else if (t->ylo == 1) {
            asm volatile(PRE "fldl F64\n\tfcos\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
            check_trans("fcos", t, 1u << 13, i);
            asm volatile(PRE "fldl F64\n\tfsincos\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
            check_trans("fsincos (cos)", t, 1u << 13, i);
        } else {
            asm volatile(PRE "fldl F64\n\tfptan\n\tfnstsw SW\n\tfstpt R2\n\tfstpt R\n\tfninit" ::: "memory");
            check_trans("fptan", t, 1u << 13, i);
            grp_check(R2.se == 0x3fff && R2.hi == 0x80000000 && R2.lo == 0, "fptan pushes 1.0");
        }
    }
    /* out of range: |x| >= 2^63 sets C2 and leaves ST0 */
    set80(&A, 0x403f, 0x80000000, 0);
    asm volatile(PRE "fldt A\n\tfsin\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
    grp_check((SW & SW_C2) && R.se == 0x403f && R.hi == 0x80000000 && R.lo == 0, "fsin 2^64: C2 and unchanged");
    asm volatile(PRE "fldt A\n\tfptan\n\tfnstsw SW\n\tfstpt R\n\tfninit" ::: "memory");
    grp_check((SW & SW_C2) && (SW & 0x3800) == 0x3800 && R.se == 0x403f, "fptan 2^64: C2, nothing pushed");
    grp_end("f2xm1 fyl2x fyl2xp1 fpatan fsin fcos fsincos fptan (tolerance)");
}

/* ---------------- main ---------------- */

int main(uint32_t magic, uint32_t info)
{
    const struct mb_info *mbi = (const struct mb_info *)info;
    if (magic == MB_BOOT_MAGIC && (mbi->flags & 4) && mbi->cmdline) verbose = has_word((const char *)mbi->cmdline, "verbose");
    /* Enable the FPU as a kernel does: CR0.EM = 0, MP = NE = 1, TS = 0; CR4.OSFXSR | OSXMMEXCPT */
    uint32_t cr0 = read_cr0(), cr4;
    write_cr0((cr0 & ~0xcu) | 0x22);
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= 0x600;
    asm volatile("mov %0, %%cr4" :: "r"(cr4));
    asm volatile("fninit");

    t_begin("fpu");
    rng_seed(0x87878787);
    test_rounding();
    test_arith(0);
    test_arith(1);
    test_memarith();
    test_unary();
    test_fprem();
    test_loads();
    test_stores();
    test_compare();
    test_fcmov();
    test_consts();
    test_stack_env();
    test_fxsave();
    test_exceptions();
    test_transcendental();
    t_end();
}
