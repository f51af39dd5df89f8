/*
 * shift: shl shr sar rol ror rcl rcr (8/16/32-bit) and shld shrd (16/32),
 * count in CL and immediate (incl. the short "by 1" encoding and the
 * explicit imm8 = 1 encoding), register and memory destinations.
 *
 * Counts 0 1 2 7 8 9 15 16 17 31 32 33 65 255 plus random counts; results
 * and flags are checked against a C model of the Intel SDM definitions.
 * Undefined flags are masked: AF after shifts, OF when count != 1, CF for
 * SHL/SHR when count >= operand size, all of shld/shrd 16-bit with
 * count > 16 (not checked at all).  Rotates must leave SF ZF AF PF alone.
 */
#include "rt.h"

enum { SHL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD, NOPS };
static const char *const names[NOPS] = {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd"};

static inline uint32_t size_mask(int bits) { return bits == 32 ? 0xffffffffu : (1u << bits) - 1; }

static uint32_t szp(uint32_t r, int bits)
{
    uint32_t f = 0;
    if (r == 0)
        f |= FL_ZF;
    if ((r >> (bits - 1)) & 1)
        f |= FL_SF;
    if (parity8(r))
        f |= FL_PF;
    return f;
}

/*
 * C model.  Returns the flags; *res the result; *mask the defined flags
 * (compared against the CPU); returns with *mask = 0xffffffff and
 * *res_defined = 0 when the whole result is undefined.
 */
static uint32_t ref_shift(int op, int bits, uint32_t a, uint32_t b, uint32_t count, uint32_t fin, uint32_t *res,
                          uint32_t *mask, int *res_defined)
{
    uint32_t m = size_mask(bits);
    uint32_t cnt = count & 0x1f;
    uint32_t msb = bits - 1;
    uint32_t r = 0, cf = 0, of = 0, f;
    a &= m;
    b &= m;
    *res_defined = 1;
    if (cnt == 0) {
        *res = a;
        *mask = FL_ARITH;
        return fin & FL_ARITH;
    }
    switch (op) {
    case SHL:
        r = cnt >= (uint32_t)bits ? 0 : (a << cnt) & m;
        cf = cnt <= (uint32_t)bits ? (uint32_t)(((uint64_t)a >> (bits - cnt)) & 1) : 0;
        of = ((r >> msb) & 1) ^ cf;
        *mask = FL_SF | FL_ZF | FL_PF | (cnt < (uint32_t)bits ? FL_CF : 0) | (cnt == 1 ? FL_OF : 0);
        break;
    case SHR:
        r = cnt >= (uint32_t)bits ? 0 : a >> cnt;
        cf = cnt <= (uint32_t)bits ? (a >> (cnt - 1)) & 1 : 0;
        of = (a >> msb) & 1;
        *mask = FL_SF | FL_ZF | FL_PF | (cnt < (uint32_t)bits ? FL_CF : 0) | (cnt == 1 ? FL_OF : 0);
        break;
    case SAR: {
        int32_t sa = (int32_t)(a << (32 - bits)) >> (32 - bits);
        r = (uint32_t)(sa >> cnt) & m;
        cf = (uint32_t)(sa >> (cnt - 1)) & 1;
        of = 0;
        *mask = FL_SF | FL_ZF | FL_PF | FL_CF | (cnt == 1 ? FL_OF : 0);
        break;
    }
    case ROL:
    case ROR: {
        uint32_t rc = cnt % bits;
        if (op == ROL)
            r = rc ? ((a << rc) | (a >> (bits - rc))) & m : a;
        else
            r = rc ? ((a >> rc) | (a << (bits - rc))) & m : a;
        if (op == ROL) {
            cf = r & 1;
            of = ((r >> msb) & 1) ^ cf;
        } else {
            cf = (r >> msb) & 1;
            of = cf ^ ((r >> (msb - 1)) & 1);
        }
        *res = r;
        *mask = FL_ARITH & ~(cnt == 1 ? 0 : FL_OF);
        return (fin & (FL_SF | FL_ZF | FL_AF | FL_PF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
    }
    case RCL:
    case RCR: {
        uint32_t rc = bits == 8 ? cnt % 9 : bits == 16 ? cnt % 17 : cnt;
        uint64_t v = ((uint64_t)(fin & FL_CF ? 1 : 0) << bits) | a; /* carry above the msb */
        uint64_t vm = ((uint64_t)1 << (bits + 1)) - 1;
        for (uint32_t i = 0; i < rc; i++) {
            if (op == RCL)
                v = ((v << 1) | (v >> bits)) & vm;
            else
                v = ((v >> 1) | ((v & 1) << bits)) & vm;
        }
        r = (uint32_t)v & m;
        cf = (uint32_t)(v >> bits) & 1;
        if (op == RCL)
            of = ((r >> msb) & 1) ^ cf;
        else
            of = ((a >> msb) & 1) ^ (fin & FL_CF ? 1 : 0);
        *res = r;
        *mask = FL_ARITH & ~(cnt == 1 ? 0 : FL_OF);
        return (fin & (FL_SF | FL_ZF | FL_AF | FL_PF)) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
    }
    case SHLD:
    case SHRD:
        if (cnt > (uint32_t)bits) {
            *res_defined = 0;
            *mask = 0;
            *res = 0;
            return 0;
        }
        if (op == SHLD) {
            r = (uint32_t)((((uint64_t)a << cnt) | ((uint64_t)b >> (bits - cnt))) & m);
            cf = (uint32_t)((a >> (bits - cnt)) & 1);
        } else {
            r = (uint32_t)((((uint64_t)a >> cnt) | ((uint64_t)b << (bits - cnt))) & m);
            cf = (a >> (cnt - 1)) & 1;
        }
        of = ((r ^ a) >> msb) & 1;
        *mask = FL_SF | FL_ZF | FL_PF | FL_CF | (cnt == 1 ? FL_OF : 0);
        break;
    }
    f = szp(r, bits) | (cf ? FL_CF : 0) | (of ? FL_OF : 0);
    *res = r;
    return f;
}

#define FIN "pushl %[fi]\n\tpopfl\n\t"
#define FOUT "\n\tpushfl\n\tpopl %[fo]"

/* ---- count in CL: form 0 reg, 1 mem ---- */
#define CL_CASES(insn, sfx, mod, bits)                                                                             \
    case bits * 2 + 0:                                                                                             \
        asm volatile(FIN insn sfx " %%cl, %" mod "[a]" FOUT : [a] "+q"(a), [fo] "=r"(fo) : "c"(c), [fi] "r"(fi)    \
                     : "cc");                                                                                      \
        break;                                                                                                     \
    case bits * 2 + 1:                                                                                             \
        asm volatile(FIN insn sfx " %%cl, %[m]" FOUT : [m] "+m"(a), [fo] "=r"(fo) : "c"(c), [fi] "r"(fi) : "cc");  \
        break;

#define DEF_CL(fn, insn)                                                                                           \
    static uint32_t fn(int bits, int form, uint32_t *pa, uint32_t c, uint32_t fi)                                  \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        switch (bits * 2 + form) {                                                                                 \
            CL_CASES(insn, "b", "b", 8)                                                                            \
            CL_CASES(insn, "w", "w", 16)                                                                           \
            CL_CASES(insn, "l", "k", 32)                                                                           \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }

DEF_CL(c_shl, "shl")
DEF_CL(c_shr, "shr")
DEF_CL(c_sar, "sar")
DEF_CL(c_rol, "rol")
DEF_CL(c_ror, "ror")
DEF_CL(c_rcl, "rcl")
DEF_CL(c_rcr, "rcr")

/* shld/shrd with CL */
#define DCL_CASES(insn, sfx, mod, bits)                                                                            \
    case bits * 2 + 0:                                                                                             \
        asm volatile(FIN insn sfx " %%cl, %" mod "[b], %" mod "[a]" FOUT                                           \
                     : [a] "+q"(a), [fo] "=r"(fo)                                                                  \
                     : [b] "r"(b), "c"(c), [fi] "r"(fi)                                                            \
                     : "cc");                                                                                      \
        break;                                                                                                     \
    case bits * 2 + 1:                                                                                             \
        asm volatile(FIN insn sfx " %%cl, %" mod "[b], %[m]" FOUT                                                  \
                     : [m] "+m"(a), [fo] "=r"(fo)                                                                  \
                     : [b] "r"(b), "c"(c), [fi] "r"(fi)                                                            \
                     : "cc");                                                                                      \
        break;

#define DEF_DCL(fn, insn)                                                                                          \
    static uint32_t fn(int bits, int form, uint32_t *pa, uint32_t b, uint32_t c, uint32_t fi)                      \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        switch (bits * 2 + form) {                                                                                 \
            DCL_CASES(insn, "w", "w", 16)                                                                          \
            DCL_CASES(insn, "l", "k", 32)                                                                          \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }
DEF_DCL(c_shld, "shld")
DEF_DCL(c_shrd, "shrd")

/* ---- immediate counts ---- */
#define NCNT 14
static const uint32_t imm_counts[NCNT] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 65, 255};
#define CNT_LIST(X, a1, a2, a3, a4)                                                                                \
    X(a1, a2, a3, a4, 0, 0)                                                                                        \
    X(a1, a2, a3, a4, 1, 1)                                                                                        \
    X(a1, a2, a3, a4, 2, 2)                                                                                        \
    X(a1, a2, a3, a4, 3, 7)                                                                                        \
    X(a1, a2, a3, a4, 4, 8)                                                                                        \
    X(a1, a2, a3, a4, 5, 9)                                                                                        \
    X(a1, a2, a3, a4, 6, 15)                                                                                       \
    X(a1, a2, a3, a4, 7, 16)                                                                                       \
    X(a1, a2, a3, a4, 8, 17)                                                                                       \
    X(a1, a2, a3, a4, 9, 31)                                                                                       \
    X(a1, a2, a3, a4, 10, 32)                                                                                      \
    X(a1, a2, a3, a4, 11, 33)                                                                                      \
    X(a1, a2, a3, a4, 12, 65)                                                                                      \
    X(a1, a2, a3, a4, 13, 255)

#define IMM_R(insn, sfx, mod, unused, idx, cntv)                                                                      \
    case idx:                                                                                                      \
        asm volatile(FIN insn sfx " %[n], %" mod "[a]" FOUT : [a] "+q"(a), [fo] "=r"(fo) : [n] "i"(cntv), [fi] "r"(fi) \
                     : "cc");                                                                                      \
        break;
#define IMM_M(insn, sfx, mod, unused, idx, cntv)                                                                      \
    case idx:                                                                                                      \
        asm volatile(FIN insn sfx " %[n], %[m]" FOUT : [m] "+m"(a), [fo] "=r"(fo) : [n] "i"(cntv), [fi] "r"(fi)       \
                     : "cc");                                                                                      \
        break;

/* form 0 reg, 1 mem, 2 explicit C0/C1 imm8 encoding with count 1 (idx ignored) */
#define DEF_IMM(fn, insn, ext)                                                                                     \
    static uint32_t fn(int bits, int form, int idx, uint32_t *pa, uint32_t fi)                                     \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        switch (bits * 4 + form) {                                                                                 \
        case 8 * 4 + 0:                                                                                            \
            switch (idx) { CNT_LIST(IMM_R, insn, "b", "b", 0) }                                                    \
            break;                                                                                                 \
        case 8 * 4 + 1:                                                                                            \
            switch (idx) { CNT_LIST(IMM_M, insn, "b", "b", 0) }                                                    \
            break;                                                                                                 \
        case 16 * 4 + 0:                                                                                           \
            switch (idx) { CNT_LIST(IMM_R, insn, "w", "w", 0) }                                                    \
            break;                                                                                                 \
        case 16 * 4 + 1:                                                                                           \
            switch (idx) { CNT_LIST(IMM_M, insn, "w", "w", 0) }                                                    \
            break;                                                                                                 \
        case 32 * 4 + 0:                                                                                           \
            switch (idx) { CNT_LIST(IMM_R, insn, "l", "k", 0) }                                                    \
            break;                                                                                                 \
        case 32 * 4 + 1:                                                                                           \
            switch (idx) { CNT_LIST(IMM_M, insn, "l", "k", 0) }                                                    \
            break;                                                                                                 \
        case 8 * 4 + 2:                                                                                            \
            asm volatile(FIN ".byte 0xc0, 0xc0 + 8 * " #ext ", 1" FOUT : "+a"(a), [fo] "=r"(fo) : [fi] "r"(fi)     \
                         : "cc");                                                                                  \
            break;                                                                                                 \
        case 16 * 4 + 2:                                                                                           \
            asm volatile(FIN ".byte 0x66, 0xc1, 0xc0 + 8 * " #ext ", 1" FOUT : "+a"(a), [fo] "=r"(fo)              \
                         : [fi] "r"(fi)                                                                            \
                         : "cc");                                                                                  \
            break;                                                                                                 \
        case 32 * 4 + 2:                                                                                           \
            asm volatile(FIN ".byte 0xc1, 0xc0 + 8 * " #ext ", 1" FOUT : "+a"(a), [fo] "=r"(fo) : [fi] "r"(fi)     \
                         : "cc");                                                                                  \
            break;                                                                                                 \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }

DEF_IMM(i_shl, "shl", 4)
DEF_IMM(i_shr, "shr", 5)
DEF_IMM(i_sar, "sar", 7)
DEF_IMM(i_rol, "rol", 0)
DEF_IMM(i_ror, "ror", 1)
DEF_IMM(i_rcl, "rcl", 2)
DEF_IMM(i_rcr, "rcr", 3)

#define DIMM_R(insn, sfx, mod, unused, idx, cntv)                                                                     \
    case idx:                                                                                                      \
        asm volatile(FIN insn sfx " %[n], %" mod "[b], %" mod "[a]" FOUT                                           \
                     : [a] "+q"(a), [fo] "=r"(fo)                                                                  \
                     : [b] "r"(b), [n] "i"(cntv), [fi] "r"(fi)                                                        \
                     : "cc");                                                                                      \
        break;
#define DIMM_M(insn, sfx, mod, unused, idx, cntv)                                                                     \
    case idx:                                                                                                      \
        asm volatile(FIN insn sfx " %[n], %" mod "[b], %[m]" FOUT                                                  \
                     : [m] "+m"(a), [fo] "=r"(fo)                                                                  \
                     : [b] "r"(b), [n] "i"(cntv), [fi] "r"(fi)                                                        \
                     : "cc");                                                                                      \
        break;
#define DEF_DIMM(fn, insn)                                                                                         \
    static uint32_t fn(int bits, int form, int idx, uint32_t *pa, uint32_t b, uint32_t fi)                         \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        switch (bits * 4 + form) {                                                                                 \
        case 16 * 4 + 0:                                                                                           \
            switch (idx) { CNT_LIST(DIMM_R, insn, "w", "w", 0) }                                                   \
            break;                                                                                                 \
        case 16 * 4 + 1:                                                                                           \
            switch (idx) { CNT_LIST(DIMM_M, insn, "w", "w", 0) }                                                   \
            break;                                                                                                 \
        case 32 * 4 + 0:                                                                                           \
            switch (idx) { CNT_LIST(DIMM_R, insn, "l", "k", 0) }                                                   \
            break;                                                                                                 \
        case 32 * 4 + 1:                                                                                           \
            switch (idx) { CNT_LIST(DIMM_M, insn, "l", "k", 0) }                                                   \
            break;                                                                                                 \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }
DEF_DIMM(i_shld, "shld")
DEF_DIMM(i_shrd, "shrd")

typedef uint32_t (*cl_fn)(int, int, uint32_t *, uint32_t, uint32_t);
typedef uint32_t (*imm_fn)(int, int, int, uint32_t *, uint32_t);
static const cl_fn cl_exec[7] = {c_shl, c_shr, c_sar, c_rol, c_ror, c_rcl, c_rcr};
static const imm_fn imm_exec[7] = {i_shl, i_shr, i_sar, i_rol, i_ror, i_rcl, i_rcr};

static const uint32_t edge[] = {
    0, 1, 2, 0x40, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x4000, 0x7fff, 0x8000, 0x8001, 0xffff,
    0x10000, 0x40000000, 0x7fffffff, 0x80000000, 0x80000001, 0xc0000000, 0xfffffffe, 0xffffffff,
    0x12345678, 0x9abcdef0, 0xa5a5a5a5, 0x5a5a5a5a,
};
#define NEDGE ARRAY_SIZE(edge)

/*
 * Run one case in every form available for (op, count):
 * CL reg/mem always; immediate reg/mem when count is one of imm_counts
 * (idx >= 0); the explicit imm8=1 encoding when count == 1.
 */
static void run(int op, int bits, uint32_t a, uint32_t b, uint32_t count, int idx, uint32_t fin)
{
    uint32_t m = size_mask(bits), res, fmask;
    int defined;
    uint32_t ef = ref_shift(op, bits, a, b, count, fin, &res, &fmask, &defined);
    uint32_t junk = 0x9e3779b9 ^ (a * 5) ^ count;
    for (int form = 0; form < 5; form++) {
        uint32_t x = (junk & ~m) | (a & m), fo;
        if (form >= 2 && idx < 0)
            continue;
        if (form == 4 && (count != 1 || op >= SHLD))
            continue;
        if (op >= SHLD) {
            if (form < 2)
                fo = (op == SHLD ? c_shld : c_shrd)(bits, form, &x, b & m, count, fin);
            else
                fo = (op == SHLD ? i_shld : i_shrd)(bits, form - 2, idx, &x, b & m, fin);
        } else {
            if (form < 2)
                fo = cl_exec[op](bits, form, &x, count, fin);
            else if (form < 4)
                fo = imm_exec[op](bits, form - 2, idx, &x, fin);
            else
                fo = imm_exec[op](bits, 2, 0, &x, fin);
        }
        uint32_t got = x & m;
        if (!defined) {
            /* 16-bit shld/shrd with count > 16: only the upper half of the register is defined */
            grp_check((x & ~m) == (junk & ~m), "%s%d form %d upper bits clobbered a=%08x count=%u: %08x", names[op],
                      bits, form, a & m, count, x);
            continue;
        }
        grp_check(got == res && (fo & fmask) == (ef & fmask) && (fo & ~FL_ARITH) == FL_FIXED &&
                      (x & ~m) == (junk & ~m),
                  "%s%d form %d a=%08x b=%08x count=%u fin=%03x: got %08x fl %03x (x=%08x) exp %08x fl %03x",
                  names[op], bits, form, a & m, b & m, count, fin, got, fo & fmask, x, res, ef & fmask);
        if (form == 0) {
            grp_hash(got);
            grp_hash(fo & fmask);
        }
    }
}

static const uint32_t fins[4] = {FL_FIXED, FL_FIXED | FL_CF, FL_FIXED | (FL_ARITH & ~FL_CF), FL_FIXED | FL_ARITH};

int main(uint32_t magic, uint32_t mbi)
{
    static const int sizes[3] = {8, 16, 32};
    char label[32];
    t_begin("shift");
    for (int op = 0; op < NOPS; op++) {
        for (int s = 0; s < 3; s++) {
            int bits = sizes[s];
            if (op >= SHLD && bits == 8)
                continue;
            grp_begin();
            for (unsigned i = 0; i < NEDGE; i++)
                for (int ci = 0; ci < NCNT; ci++)
                    for (int k = 0; k < 4; k++) {
                        if (op < RCL && (k == 1 || k == 2))
                            continue;
                        uint32_t b = edge[(i * 7 + ci) % NEDGE];
                        run(op, bits, edge[i], b, imm_counts[ci], ci, fins[k]);
                    }
            /* every count 0..40 with CL */
            for (unsigned i = 0; i < NEDGE; i += 3)
                for (uint32_t c = 0; c <= 40; c++)
                    run(op, bits, edge[i], edge[(i + c) % NEDGE], c, -1, fins[(i + c) & 3]);
            rng_seed(0xbeef + op * 31 + bits);
            for (int n = 0; n < 300; n++) {
                uint32_t a = rng_operand(), b = rng_operand();
                uint32_t c = rng() & 0xff;
                if (n & 1)
                    c &= 0x3f;
                run(op, bits, a, b, c, -1, FL_FIXED | (rng() & FL_ARITH));
            }
            snprintf(label, sizeof label, "%s%d", names[op], bits);
            grp_end(label);
        }
    }

    /* spot checks */
    {
        uint32_t x = 0x80000000, f;
        f = c_shl(32, 0, &x, 1, FL_FIXED);
        t_eq("shl 0x80000000,1 result", x, 0);
        t_eq("shl 0x80000000,1 flags", f & (FL_CF | FL_OF | FL_ZF | FL_SF | FL_PF), FL_CF | FL_OF | FL_ZF | FL_PF);
        x = 0x81;
        f = c_rcr(8, 0, &x, 1, FL_FIXED | FL_CF);
        t_eq("rcr8 0x81,1 cf=1 result", x & 0xff, 0xc0);
        t_eq("rcr8 0x81,1 cf=1 flags", f & (FL_CF | FL_OF), FL_CF);
        x = 0x12345678;
        f = c_rol(32, 0, &x, 32, FL_FIXED | FL_ZF);
        t_eq("rol32 count 32 is a no-op", x, 0x12345678);
        t_eq("rol32 count 32 leaves flags", f & FL_ARITH, FL_ZF);
        x = 0x1;
        f = c_rol(8, 0, &x, 8, FL_FIXED);
        t_eq("rol8 count 8 result", x & 0xff, 1);
        t_eq("rol8 count 8 sets CF from bit 0", f & FL_CF, FL_CF);
        x = 0x1234;
        f = c_shld(16, 0, &x, 0xabcd, 16, FL_FIXED);
        t_eq("shld16 count 16 result", x & 0xffff, 0xabcd);
        x = 0xffffff80;
        f = c_sar(8, 0, &x, 9, FL_FIXED);
        t_eq("sar8 0x80 count 9", x, 0xffffffff);
        t_eq("sar8 0x80 count 9 CF", f & FL_CF, FL_CF);
    }
    t_end();
}
