/*
 * bitops: bt bts btr btc (register and immediate bit offsets, register and
 * memory operands, 16/32-bit, memory bit offsets beyond the operand and
 * negative), bsf bsr (ZF on a zero source; the destination is only checked
 * for a non-zero source), bswap on every register, setcc and cmovcc for
 * all 16 conditions under all 32 combinations of OF SF ZF PF CF, lahf/sahf,
 * xlat.
 *
 * Defined flags: bt*: CF (and ZF unchanged); bsf/bsr: ZF.
 */
#include "rt.h"

#define FIN "pushl %[fi]\n\tpopfl\n\t"
#define FOUT "\n\tpushfl\n\tpopl %[fo]"

static const char *const bt_names[4] = {"bt", "bts", "btr", "btc"};

/* ---------------- bt* register forms ---------------- */
#define BT_RR(insn, sfx, mod)                                                                                      \
    asm volatile(FIN insn sfx " %" mod "[b], %" mod "[a]" FOUT : [a] "+r"(a), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi) \
                 : "cc")
#define BT_MR(insn, sfx, mod)                                                                                      \
    asm volatile(FIN insn sfx " %" mod "[b], (%[p])" FOUT                                                          \
                 : [fo] "=r"(fo)                                                                                   \
                 : [p] "r"(p), [b] "r"(b), [fi] "r"(fi)                                                            \
                 : "cc", "memory")

/* form 0: reg,reg  1: mem,reg (p points at the operand, b is the bit offset) */
#define DEF_BT(fn, insn)                                                                                           \
    static NOINLINE uint32_t fn(int bits, int form, uint32_t *pa, void *p, uint32_t b, uint32_t fi)                \
    {                                                                                                              \
        uint32_t a = *pa, fo;                                                                                      \
        if (bits == 16) {                                                                                          \
            if (form == 0)                                                                                         \
                BT_RR(insn, "w", "w");                                                                             \
            else                                                                                                   \
                BT_MR(insn, "w", "w");                                                                             \
        } else {                                                                                                   \
            if (form == 0)                                                                                         \
                BT_RR(insn, "l", "k");                                                                             \
            else                                                                                                   \
                BT_MR(insn, "l", "k");                                                                             \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }
DEF_BT(x_bt, "bt")
DEF_BT(x_bts, "bts")
DEF_BT(x_btr, "btr")
DEF_BT(x_btc, "btc")
typedef uint32_t (*bt_fn)(int, int, uint32_t *, void *, uint32_t, uint32_t);
static const bt_fn bt_exec[4] = {x_bt, x_bts, x_btr, x_btc};

/* immediate forms: reg and mem, immediates 0 1 7 8 15 16 31 32 33 63 255 */
#define NBTI 11
static const uint32_t bt_imms[NBTI] = {0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 255};
#define BTI_ONE(insn, sfx, mod, idx, imm)                                                                          \
    case idx:                                                                                                      \
        if (form == 0)                                                                                             \
            asm volatile(FIN insn sfx " %[i], %" mod "[a]" FOUT : [a] "+r"(a), [fo] "=r"(fo) : [i] "i"(imm), [fi] "r"(fi) \
                         : "cc");                                                                                  \
        else                                                                                                       \
            asm volatile(FIN insn sfx " %[i], %[m]" FOUT : [m] "+m"(a), [fo] "=r"(fo) : [i] "i"(imm), [fi] "r"(fi) \
                         : "cc");                                                                                  \
        break;
#define BTI_ALL(insn, sfx, mod)                                                                                    \
    switch (idx) {                                                                                                 \
        BTI_ONE(insn, sfx, mod, 0, 0)                                                                              \
        BTI_ONE(insn, sfx, mod, 1, 1)                                                                              \
        BTI_ONE(insn, sfx, mod, 2, 7)                                                                              \
        BTI_ONE(insn, sfx, mod, 3, 8)                                                                              \
        BTI_ONE(insn, sfx, mod, 4, 15)                                                                             \
        BTI_ONE(insn, sfx, mod, 5, 16)                                                                             \
        BTI_ONE(insn, sfx, mod, 6, 31)                                                                             \
        BTI_ONE(insn, sfx, mod, 7, 32)                                                                             \
        BTI_ONE(insn, sfx, mod, 8, 33)                                                                             \
        BTI_ONE(insn, sfx, mod, 9, 63)                                                                             \
        BTI_ONE(insn, sfx, mod, 10, 255)                                                                           \
    }
#define DEF_BTI(fn, insn)                                                                                          \
    static NOINLINE uint32_t fn(int bits, int form, int idx, uint32_t *pa, uint32_t fi)                            \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        if (bits == 16) {                                                                                          \
            BTI_ALL(insn, "w", "w")                                                                                \
        } else {                                                                                                   \
            BTI_ALL(insn, "l", "k")                                                                                \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }
DEF_BTI(i_bt, "bt")
DEF_BTI(i_bts, "bts")
DEF_BTI(i_btr, "btr")
DEF_BTI(i_btc, "btc")
typedef uint32_t (*bti_fn)(int, int, int, uint32_t *, uint32_t);
static const bti_fn bti_exec[4] = {i_bt, i_bts, i_btr, i_btc};

static uint32_t bt_apply(int op, uint32_t v, uint32_t bit)
{
    switch (op) {
    case 1:
        return v | (1u << bit);
    case 2:
        return v & ~(1u << bit);
    case 3:
        return v ^ (1u << bit);
    }
    return v;
}

#define BTFL (FL_CF | FL_ZF)

static const uint32_t edge[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
    0xfffffffe, 0xffffffff, 0x12345678, 0xdeadbeef, 0x00f00000, 0x00010000,
};
#define NEDGE ARRAY_SIZE(edge)

static void test_bt_reg(void)
{
    for (int op = 0; op < 4; op++) {
        char label[32];
        grp_begin();
        for (int bits = 16; bits <= 32; bits += 16) {
            uint32_t m = bits == 16 ? 0xffff : 0xffffffff;
            for (unsigned i = 0; i < NEDGE; i++) {
                /* bit offsets: all of 0..40, and some negative/large ones */
                for (uint32_t k = 0; k < 48; k++) {
                    uint32_t off = k <= 40 ? k : (uint32_t[]){0xffffffff, 0xffffffe0, 0x80000000, 0x7fffffff, 0xffff, 0x10000, 0x1f1f, 100}[k - 41];
                    uint32_t a = edge[i], x = a ^ (bits == 16 ? 0xa5a50000 : 0);
                    uint32_t fin = FL_FIXED | ((i + k) & 1 ? FL_ARITH : 0);
                    uint32_t bit = off & (bits - 1);
                    uint32_t cf = (a >> bit) & 1;
                    uint32_t exp = (x & ~m) | (bt_apply(op, a, bit) & m);
                    uint32_t fo = bt_exec[op](bits, 0, &x, 0, off, fin);
                    grp_check(x == exp && (fo & BTFL) == ((fin & FL_ZF) | cf),
                              "%s%d reg a=%08x off=%08x: got %08x fl %03x exp %08x cf %u", bt_names[op], bits, a, off,
                              x, fo & BTFL, exp, cf);
                    grp_hash(x);
                    grp_hash(fo & BTFL);
                }
                for (int idx = 0; idx < NBTI; idx++)
                    for (int form = 0; form < 2; form++) {
                        uint32_t a = edge[i], x = a ^ (bits == 16 ? 0x5a5a0000 : 0);
                        uint32_t fin = FL_FIXED | ((i + idx + form) & 1 ? FL_ARITH : 0);
                        uint32_t bit = bt_imms[idx] & (bits - 1);
                        uint32_t cf = (a >> bit) & 1;
                        uint32_t exp = (x & ~m) | (bt_apply(op, a, bit) & m);
                        uint32_t fo = bti_exec[op](bits, form, idx, &x, fin);
                        grp_check(x == exp && (fo & BTFL) == ((fin & FL_ZF) | cf),
                                  "%s%d imm form %d a=%08x imm=%u: got %08x fl %03x exp %08x cf %u", bt_names[op],
                                  bits, form, a, bt_imms[idx], x, fo & BTFL, exp, cf);
                        grp_hash(x);
                        grp_hash(fo & BTFL);
                    }
            }
        }
        snprintf(label, sizeof label, "%s reg/imm", bt_names[op]);
        grp_end(label);
    }
}

/* memory operand with a register bit offset: the offset addresses bits anywhere (signed) */
static uint8_t bitbuf[512] ALIGNED(16);
static uint8_t refbuf[512];

static void test_bt_mem(void)
{
    static const int32_t offs[] = {0,    1,    7,    8,    15,   16,   31,   32,   33,   63,   64,   100,
                                   255,  256,  1000, 2047, -1,   -2,   -8,   -9,   -16,  -17,  -31,  -32,
                                   -33,  -64,  -65,  -100, -255, -256, -1000, -2048};
    for (int op = 0; op < 4; op++) {
        char label[32];
        grp_begin();
        for (int bits = 16; bits <= 32; bits += 16)
            for (unsigned k = 0; k < ARRAY_SIZE(offs) + 100; k++) {
                int32_t off = k < ARRAY_SIZE(offs) ? offs[k] : (int32_t)(rng() % 4096) - 2048;
                if (bits == 16 && (off < -2048 || off > 2047))
                    continue;
                for (unsigned i = 0; i < sizeof bitbuf; i++)
                    bitbuf[i] = refbuf[i] = (uint8_t)(i * 37 + k * 11 + op);
                uint8_t *base = bitbuf + 256;
                /* the bit lives at byte floor(off / 8), bit off & 7 */
                int32_t byte = off >> 3;
                uint32_t bit = off & 7;
                uint32_t cf = (refbuf[256 + byte] >> bit) & 1;
                refbuf[256 + byte] = (uint8_t)bt_apply(op, refbuf[256 + byte], bit);
                uint32_t fin = FL_FIXED | (k & 1 ? FL_ZF : 0);
                uint32_t dummy = 0;
                uint32_t b = bits == 16 ? ((uint32_t)off & 0xffff) | 0x12340000 : (uint32_t)off;
                uint32_t fo = bt_exec[op](bits, 1, &dummy, base, b, fin);
                grp_check(memcmp(bitbuf, refbuf, sizeof bitbuf) == 0 && (fo & BTFL) == ((fin & FL_ZF) | cf),
                          "%s%d mem off=%d: fl %03x exp cf %u, memory %s", bt_names[op], bits, off, fo & BTFL, cf,
                          memcmp(bitbuf, refbuf, sizeof bitbuf) ? "differs" : "ok");
                grp_hash(fo & FL_CF);
            }
        snprintf(label, sizeof label, "%s mem", bt_names[op]);
        grp_end(label);
    }
}

/* ---------------- bsf / bsr ---------------- */
static NOINLINE uint32_t x_bsf(int bits, int form, uint32_t *pd, uint32_t s, uint32_t fi)
{
    uint32_t d = *pd, fo;
    if (bits == 16) {
        if (form)
            asm volatile(FIN "bsfw %[s], %w[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "m"(s), [fi] "r"(fi) : "cc");
        else
            asm volatile(FIN "bsfw %w[s], %w[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "r"(s), [fi] "r"(fi) : "cc");
    } else {
        if (form)
            asm volatile(FIN "bsfl %[s], %k[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "m"(s), [fi] "r"(fi) : "cc");
        else
            asm volatile(FIN "bsfl %k[s], %k[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "r"(s), [fi] "r"(fi) : "cc");
    }
    *pd = d;
    return fo;
}
static NOINLINE uint32_t x_bsr(int bits, int form, uint32_t *pd, uint32_t s, uint32_t fi)
{
    uint32_t d = *pd, fo;
    if (bits == 16) {
        if (form)
            asm volatile(FIN "bsrw %[s], %w[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "m"(s), [fi] "r"(fi) : "cc");
        else
            asm volatile(FIN "bsrw %w[s], %w[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "r"(s), [fi] "r"(fi) : "cc");
    } else {
        if (form)
            asm volatile(FIN "bsrl %[s], %k[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "m"(s), [fi] "r"(fi) : "cc");
        else
            asm volatile(FIN "bsrl %k[s], %k[d]" FOUT : [d] "+r"(d), [fo] "=r"(fo) : [s] "r"(s), [fi] "r"(fi) : "cc");
    }
    *pd = d;
    return fo;
}

static void test_bsf_bsr(void)
{
    for (int rev = 0; rev < 2; rev++)
        for (int bits = 16; bits <= 32; bits += 16) {
            char label[32];
            uint32_t m = bits == 16 ? 0xffff : 0xffffffff;
            grp_begin();
            rng_seed(0xb5f + rev * 2 + bits);
            for (int n = 0; n < 400; n++) {
                uint32_t s;
                if (n < (int)NEDGE)
                    s = edge[n];
                else if (n < (int)NEDGE + 32)
                    s = 1u << (n - NEDGE);
                else if (n < (int)NEDGE + 64)
                    s = ~0u << (n - NEDGE - 32);
                else
                    s = rng() >> (rng() & 31);
                uint32_t v = s & m;
                int idx = -1;
                for (int b = 0; b < bits; b++)
                    if ((v >> b) & 1) {
                        if (!rev) {
                            idx = b;
                            break;
                        }
                        idx = b;
                    }
                for (int form = 0; form < 2; form++) {
                    uint32_t d = 0xcafe0000 | (n & 0xff), d0 = d;
                    uint32_t fin = FL_FIXED | (form ? FL_ARITH : 0);
                    uint32_t fo = (rev ? x_bsr : x_bsf)(bits, form, &d, s ^ (bits == 16 ? 0x55550000 : 0), fin);
                    if (v == 0) {
                        grp_check((fo & FL_ZF) && (bits == 32 || (d & ~m) == (d0 & ~m)),
                                  "%s%d src=0: ZF %u", rev ? "bsr" : "bsf", bits, !!(fo & FL_ZF));
                        grp_hash(fo & FL_ZF);
                    } else {
                        uint32_t exp = (d0 & ~m) | (uint32_t)idx;
                        grp_check(!(fo & FL_ZF) && d == exp, "%s%d src=%08x: got %08x ZF %u exp %08x",
                                  rev ? "bsr" : "bsf", bits, v, d, !!(fo & FL_ZF), exp);
                        grp_hash(d);
                        grp_hash(fo & FL_ZF);
                    }
                }
            }
            snprintf(label, sizeof label, "%s%d", rev ? "bsr" : "bsf", bits);
            grp_end(label);
        }
}

/* ---------------- bswap ---------------- */
static uint32_t swap32(uint32_t v) { return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24); }

static void test_bswap(void)
{
    grp_begin();
    rng_seed(0xb5a9);
    for (int n = 0; n < 64; n++) {
        uint32_t v = n < (int)NEDGE ? edge[n] : rng();
        static uint32_t bp; /* static: not addressed relative to %esp, which the asm moves */
        uint32_t a = v, b = v ^ 1, c = v ^ 2, d = v ^ 3, s = v ^ 4, di = v ^ 5;
        bp = v ^ 6;
        asm volatile("pushl %%ebp\n\tmovl %[bp], %%ebp\n\t"
                     "bswap %%eax\n\tbswap %%ebx\n\tbswap %%ecx\n\tbswap %%edx\n\t"
                     "bswap %%esi\n\tbswap %%edi\n\tbswap %%ebp\n\t"
                     "movl %%ebp, %[bp]\n\tpopl %%ebp"
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di), [bp] "+m"(bp));
        grp_check(a == swap32(v) && b == swap32(v ^ 1) && c == swap32(v ^ 2) && d == swap32(v ^ 3) &&
                      s == swap32(v ^ 4) && di == swap32(v ^ 5) && bp == swap32(v ^ 6),
                  "bswap %08x: %08x %08x %08x %08x %08x %08x %08x", v, a, b, c, d, s, di, bp);
        grp_hash(a);
    }
    grp_end("bswap");
}

/* ---------------- conditions ---------------- */
static int cond_true(int cc, uint32_t f)
{
    int cf = !!(f & FL_CF), zf = !!(f & FL_ZF), sf = !!(f & FL_SF), of = !!(f & FL_OF), pf = !!(f & FL_PF);
    int r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || (sf != of); break;
    }
    return (cc & 1) ? !r : r;
}

#define CC_LIST(X) X(0, "o") X(1, "no") X(2, "b") X(3, "ae") X(4, "e") X(5, "ne") X(6, "be") X(7, "a") \
    X(8, "s") X(9, "ns") X(10, "p") X(11, "np") X(12, "l") X(13, "ge") X(14, "le") X(15, "g")

/* setcc into a low byte register, a high byte register, and memory */
#define SET_ONE(n, cc)                                                                                             \
    case n:                                                                                                        \
        asm volatile("pushl %[fi]\n\tpopfl\n\tset" cc " %b[r]\n\tset" cc " %h[r]\n\tset" cc " %[m]"                \
                     : [r] "+Q"(r), [m] "+m"(mem)                                                                  \
                     : [fi] "r"(fi)                                                                                \
                     : "cc");                                                                                      \
        break;
static NOINLINE uint32_t x_setcc(int cc, uint32_t fi, uint32_t *pm)
{
    uint32_t r = 0x12345678, mem = *pm;
    switch (cc) { CC_LIST(SET_ONE) }
    *pm = mem;
    return r;
}

/* cmovcc 32-bit reg,reg and 16-bit reg,mem */
#define CMOV_ONE(n, cc)                                                                                            \
    case n:                                                                                                        \
        asm volatile("pushl %[fi]\n\tpopfl\n\tcmov" cc "l %[s], %[d]\n\tcmov" cc "w %[m], %w[d2]"                  \
                     : [d] "+r"(d), [d2] "+r"(d2)                                                                  \
                     : [s] "r"(s), [m] "m"(s2), [fi] "r"(fi)                                                       \
                     : "cc");                                                                                      \
        break;
static NOINLINE void x_cmov(int cc, uint32_t fi, uint32_t *pd, uint32_t s, uint32_t *pd2, uint32_t s2)
{
    uint32_t d = *pd, d2 = *pd2;
    switch (cc) { CC_LIST(CMOV_ONE) }
    *pd = d;
    *pd2 = d2;
}

/* conditional jumps too (short form), to cross-check setcc */
#define JCC_ONE(n, cc)                                                                                             \
    case n:                                                                                                        \
        asm volatile("pushl %[fi]\n\tpopfl\n\tmovl $0, %[t]\n\tj" cc " 1f\n\tjmp 2f\n1:\tmovl $1, %[t]\n2:"        \
                     : [t] "=r"(t)                                                                                 \
                     : [fi] "r"(fi)                                                                                \
                     : "cc");                                                                                      \
        break;
static NOINLINE uint32_t x_jcc(int cc, uint32_t fi)
{
    uint32_t t = 0;
    switch (cc) { CC_LIST(JCC_ONE) }
    return t;
}

static void test_conditions(void)
{
    static const uint32_t bitsv[5] = {FL_OF, FL_SF, FL_ZF, FL_PF, FL_CF};
    grp_begin();
    for (uint32_t combo = 0; combo < 32; combo++) {
        uint32_t f = FL_FIXED;
        for (int b = 0; b < 5; b++)
            if (combo & (1u << b))
                f |= bitsv[b];
        for (int cc = 0; cc < 16; cc++) {
            uint32_t exp = cond_true(cc, f);
            uint32_t mem = 0xaabbccdd;
            uint32_t r = x_setcc(cc, f, &mem);
            uint32_t er = 0x12340000 | (exp << 8) | exp;
            grp_check(r == er && mem == (0xaabbcc00 | exp), "set%d flags %03x: reg %08x mem %08x exp %u", cc, f, r,
                      mem, exp);
            uint32_t d = 0x11111111, d2 = 0x22222222;
            x_cmov(cc, f, &d, 0x33333333, &d2, 0x44444444);
            grp_check(d == (exp ? 0x33333333 : 0x11111111) && d2 == (exp ? 0x22224444 : 0x22222222),
                      "cmov%d flags %03x: %08x %08x exp %u", cc, f, d, d2, exp);
            grp_check(x_jcc(cc, f) == exp, "j%d flags %03x exp %u", cc, f, exp);
            grp_hash(r);
        }
    }
    grp_end("setcc/cmovcc/jcc");
}

/* ---------------- lahf / sahf ---------------- */
static void test_lahf_sahf(void)
{
    grp_begin();
    for (uint32_t v = 0; v < 256; v++) {
        /* sahf: SF ZF AF PF CF from AH; OF untouched */
        for (int of = 0; of < 2; of++) {
            uint32_t fi = FL_FIXED | (of ? FL_OF : 0) | (~v & 0xd5), fo;
            uint32_t ax = 0xdead0000 | (v << 8) | 0x5a;
            asm volatile("pushl %[fi]\n\tpopfl\n\tsahf\n\tpushfl\n\tpopl %[fo]" : [fo] "=r"(fo) : "a"(ax), [fi] "r"(fi) : "cc");
            uint32_t exp = FL_FIXED | (of ? FL_OF : 0) | (v & 0xd5);
            grp_check((fo & (FL_ARITH | FL_FIXED)) == exp, "sahf ah=%02x of=%d: %03x exp %03x", v, of, fo & FL_ARITH, exp);
        }
        /* lahf: AH = SF ZF 0 AF 0 PF 1 CF */
        uint32_t fi = FL_FIXED | (v & 0xd5) | ((v & 0x20) ? FL_OF : 0);
        uint32_t ax = 0x87654321;
        asm volatile("pushl %[fi]\n\tpopfl\n\tlahf" : "+a"(ax) : [fi] "r"(fi) : "cc");
        uint32_t exp = 0x87650021 | (((v & 0xd5) | 2) << 8);
        grp_check(ax == exp, "lahf flags %03x: eax %08x exp %08x", fi, ax, exp);
        grp_hash(ax);
    }
    grp_end("lahf/sahf");
}

/* ---------------- xlat ---------------- */
static uint8_t xtab[256];
static void test_xlat(void)
{
    grp_begin();
    for (int i = 0; i < 256; i++)
        xtab[i] = (uint8_t)(i * 7 + 3);
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t a = 0xabcdef00 | i, b = (uint32_t)xtab;
        asm volatile("xlat" : "+a"(a) : "b"(b) : "memory");
        grp_check(a == (0xabcdef00 | (uint8_t)(i * 7 + 3)), "xlat al=%02x: %08x", i, a);
        grp_hash(a);
    }
    /* with a segment override (same flat base) */
    uint32_t a = 0x10, b = (uint32_t)xtab;
    asm volatile("xlat %%es:(%%ebx)" : "+a"(a) : "b"(b) : "memory");
    grp_check(a == (uint8_t)(0x10 * 7 + 3), "xlat es: %08x", a);
    grp_end("xlat");
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("bitops");
    rng_seed(0xb17);
    test_bt_reg();
    test_bt_mem();
    test_bsf_bsr();
    test_bswap();
    test_conditions();
    test_lahf_sahf();
    test_xlat();
    t_end();
}
