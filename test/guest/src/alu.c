/*
 * alu: add adc sub sbb and or xor cmp test inc dec neg not, 8/16/32-bit,
 * register/register, memory destination, memory source, high-byte
 * registers (ah..bh), immediate forms (short accumulator form, imm8
 * sign-extended, full immediates, memory destination).
 *
 * Every result and the arithmetic flags (OF SF ZF AF PF CF; AF is masked
 * for the logic ops where it is undefined) are checked against a C model;
 * the bits of the destination register outside the operand size must be
 * preserved.  A hash of results and flags is printed per group.
 */
#include "rt.h"

enum { ADD, ADC, SUB, SBB, AND, OR, XOR, CMP, TEST, NBIN };
static const char *const bin_names[NBIN] = {"add", "adc", "sub", "sbb", "and", "or", "xor", "cmp", "test"};
enum { INC, DEC, NEG, NOT, NUN };
static const char *const un_names[NUN] = {"inc", "dec", "neg", "not"};

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

/* C model: returns flags (all six); *res = destination after the op; *mask = defined flags */
static uint32_t ref_bin(int op, int bits, uint32_t a, uint32_t b, uint32_t fin, uint32_t *res, uint32_t *mask)
{
    uint32_t m = size_mask(bits), sign = 1u << (bits - 1);
    a &= m;
    b &= m;
    uint32_t c = fin & FL_CF ? 1 : 0;
    uint32_t r, f = 0;
    uint64_t wide;
    *mask = FL_ARITH;
    switch (op) {
    case ADC:
    case ADD:
        if (op == ADD)
            c = 0;
        wide = (uint64_t)a + b + c;
        r = (uint32_t)wide & m;
        if (wide > m)
            f |= FL_CF;
        if ((a ^ b ^ r) & 0x10)
            f |= FL_AF;
        if ((a ^ r) & (b ^ r) & sign)
            f |= FL_OF;
        break;
    case SUB:
    case SBB:
    case CMP:
        if (op != SBB)
            c = 0;
        r = (a - b - c) & m;
        if ((uint64_t)a < (uint64_t)b + c)
            f |= FL_CF;
        if ((a ^ b ^ r) & 0x10)
            f |= FL_AF;
        if ((a ^ b) & (a ^ r) & sign)
            f |= FL_OF;
        break;
    case AND:
    case TEST:
        r = a & b;
        *mask = FL_ARITH & ~FL_AF;
        break;
    case OR:
        r = a | b;
        *mask = FL_ARITH & ~FL_AF;
        break;
    default: /* XOR */
        r = a ^ b;
        *mask = FL_ARITH & ~FL_AF;
        break;
    }
    f |= szp(r, bits);
    *res = (op == CMP || op == TEST) ? a : r;
    return f;
}

static uint32_t ref_un(int op, int bits, uint32_t a, uint32_t fin, uint32_t *res)
{
    uint32_t m = size_mask(bits), sign = 1u << (bits - 1);
    uint32_t r, f;
    a &= m;
    switch (op) {
    case INC:
        r = (a + 1) & m;
        f = fin & FL_CF;
        if (r == sign)
            f |= FL_OF;
        if ((a & 0xf) == 0xf)
            f |= FL_AF;
        f |= szp(r, bits);
        break;
    case DEC:
        r = (a - 1) & m;
        f = fin & FL_CF;
        if (a == sign)
            f |= FL_OF;
        if ((a & 0xf) == 0)
            f |= FL_AF;
        f |= szp(r, bits);
        break;
    case NEG:
        r = (0 - a) & m;
        f = a ? FL_CF : 0;
        if (a == sign)
            f |= FL_OF;
        if (a & 0xf)
            f |= FL_AF;
        f |= szp(r, bits);
        break;
    default: /* NOT */
        r = ~a & m;
        f = fin & FL_ARITH;
        break;
    }
    *res = r;
    return f;
}

#define FIN "pushl %[fi]\n\tpopfl\n\t"
#define FOUT "\n\tpushfl\n\tpopl %[fo]"

/*
 * forms: 0 reg,reg  1 mem dest  2 mem source  3 high-byte regs (8-bit only;
 * operands already in bits 8..15)
 */
#define BIN_CASES(insn, sfx, mod, bits)                                                                            \
    case bits * 4 + 0:                                                                                             \
        asm volatile(FIN insn sfx " %" mod "[b], %" mod "[a]" FOUT                                                 \
                     : [a] "+q"(a), [fo] "=r"(fo)                                                                  \
                     : [b] "q"(b), [fi] "r"(fi)                                                                    \
                     : "cc");                                                                                      \
        break;                                                                                                     \
    case bits * 4 + 1:                                                                                             \
        asm volatile(FIN insn sfx " %" mod "[b], %[m]" FOUT : [m] "+m"(a), [fo] "=r"(fo) : [b] "q"(b), [fi] "r"(fi) \
                     : "cc");                                                                                      \
        break;                                                                                                     \
    case bits * 4 + 2:                                                                                             \
        asm volatile(FIN insn sfx " %[m], %" mod "[a]" FOUT : [a] "+q"(a), [fo] "=r"(fo) : [m] "m"(b), [fi] "r"(fi) \
                     : "cc");                                                                                      \
        break;

#define DEF_BIN(fn, insn)                                                                                          \
    static uint32_t fn(int bits, int form, uint32_t *pa, uint32_t b, uint32_t fi)                                  \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        switch (bits * 4 + form) {                                                                                 \
            BIN_CASES(insn, "b", "b", 8)                                                                           \
            BIN_CASES(insn, "w", "w", 16)                                                                          \
            BIN_CASES(insn, "l", "k", 32)                                                                          \
        case 8 * 4 + 3:                                                                                            \
            asm volatile(FIN insn "b %h[b], %h[a]" FOUT : [a] "+Q"(a), [fo] "=r"(fo) : [b] "Q"(b), [fi] "r"(fi)  \
                         : "cc");                                                                                  \
            break;                                                                                                 \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }

DEF_BIN(x_add, "add")
DEF_BIN(x_adc, "adc")
DEF_BIN(x_sub, "sub")
DEF_BIN(x_sbb, "sbb")
DEF_BIN(x_and, "and")
DEF_BIN(x_or, "or")
DEF_BIN(x_xor, "xor")
DEF_BIN(x_cmp, "cmp")
DEF_BIN(x_test, "test")

typedef uint32_t (*bin_fn)(int, int, uint32_t *, uint32_t, uint32_t);
static const bin_fn bin_exec[NBIN] = {x_add, x_adc, x_sub, x_sbb, x_and, x_or, x_xor, x_cmp, x_test};

/* unary: 0 reg, 1 mem, 3 high byte */
#define UN_CASES(insn, sfx, mod, bits)                                                                             \
    case bits * 4 + 0:                                                                                             \
        asm volatile(FIN insn sfx " %" mod "[a]" FOUT : [a] "+q"(a), [fo] "=r"(fo) : [fi] "r"(fi) : "cc");         \
        break;                                                                                                     \
    case bits * 4 + 1:                                                                                             \
        asm volatile(FIN insn sfx " %[m]" FOUT : [m] "+m"(a), [fo] "=r"(fo) : [fi] "r"(fi) : "cc");                \
        break;

#define DEF_UN(fn, insn)                                                                                           \
    static uint32_t fn(int bits, int form, uint32_t *pa, uint32_t fi)                                              \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        switch (bits * 4 + form) {                                                                                 \
            UN_CASES(insn, "b", "b", 8)                                                                            \
            UN_CASES(insn, "w", "w", 16)                                                                           \
            UN_CASES(insn, "l", "k", 32)                                                                           \
        case 8 * 4 + 3:                                                                                            \
            asm volatile(FIN insn "b %h[a]" FOUT : [a] "+Q"(a), [fo] "=r"(fo) : [fi] "r"(fi) : "cc");              \
            break;                                                                                                 \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }

DEF_UN(x_inc, "inc")
DEF_UN(x_dec, "dec")
DEF_UN(x_neg, "neg")
DEF_UN(x_not, "not")
typedef uint32_t (*un_fn)(int, int, uint32_t *, uint32_t);
static const un_fn un_exec[NUN] = {x_inc, x_dec, x_neg, x_not};

static const uint32_t edge[] = {
    0,          1,          2,          0x0f,       0x10,       0x7f,       0x80,       0x81,       0xff,
    0x100,      0x7fff,     0x8000,     0xffff,     0x10000,    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
    0xffffffff, 0x12345678, 0xdeadbeef,
};
#define NEDGE ARRAY_SIZE(edge)

static const int sizes[3] = {8, 16, 32};

/* one binary op on all forms of one size; returns nothing, records checks */
static void run_bin(int op, int bits, uint32_t a, uint32_t b, uint32_t fin)
{
    uint32_t m = size_mask(bits), res, fmask;
    uint32_t ef = ref_bin(op, bits, a, b, fin, &res, &fmask);
    uint32_t junk = 0xa5c3e1f7 ^ (a << 3) ^ b;
    int nforms = bits == 8 ? 4 : 3;
    for (int form = 0; form < nforms; form++) {
        uint32_t x, y, got, keep, shift = form == 3 ? 8 : 0;
        keep = ~(m << shift);
        x = (junk & keep) | ((a & m) << shift);
        y = (~junk & ~(m << shift)) | ((b & m) << shift);
        uint32_t fo = bin_exec[op](bits, form, &x, y, fin);
        got = (x >> shift) & m;
        grp_check(got == res && (fo & fmask) == (ef & fmask) && (fo & ~FL_ARITH) == FL_FIXED &&
                      (x & keep) == (junk & keep),
                  "%s%d form %d a=%08x b=%08x fin=%03x: got %08x fl %03x (x=%08x) exp %08x fl %03x", bin_names[op],
                  bits, form, a & m, b & m, fin, got, fo & fmask, x, res, ef & fmask);
        if (form == 0) {
            grp_hash(got);
            grp_hash(fo & fmask);
        }
    }
}

static void run_un(int op, int bits, uint32_t a, uint32_t fin)
{
    uint32_t m = size_mask(bits), res;
    uint32_t ef = ref_un(op, bits, a, fin, &res);
    uint32_t junk = 0x5a3c1e7f ^ (a * 3);
    for (int form = 0; form < 4; form++) {
        if (form == 2 || (form == 3 && bits != 8))
            continue;
        uint32_t shift = form == 3 ? 8 : 0, keep = ~(m << shift);
        uint32_t x = (junk & keep) | ((a & m) << shift);
        uint32_t fo = un_exec[op](bits, form, &x, fin);
        uint32_t got = (x >> shift) & m;
        grp_check(got == res && (fo & FL_ARITH) == ef && (fo & ~FL_ARITH) == FL_FIXED && (x & keep) == (junk & keep),
                  "%s%d form %d a=%08x fin=%03x: got %08x fl %03x exp %08x fl %03x", un_names[op], bits, form, a & m,
                  fin, got, fo & FL_ARITH, res, ef);
        if (form == 0) {
            grp_hash(got);
            grp_hash(fo & FL_ARITH);
        }
    }
}

/* ---- immediate forms ---- */

#define IMM_LIST(X, insn, sfx, mod, cons, msk)                                                                     \
    X(insn, sfx, mod, cons, 0, 0 & (msk))                                                                          \
    X(insn, sfx, mod, cons, 1, 1 & (msk))                                                                          \
    X(insn, sfx, mod, cons, 2, 0x7f & (msk))                                                                       \
    X(insn, sfx, mod, cons, 3, 0x80 & (msk))                                                                       \
    X(insn, sfx, mod, cons, 4, 0xffffff80 & (msk))                                                                 \
    X(insn, sfx, mod, cons, 5, 0xffffffff & (msk))                                                                 \
    X(insn, sfx, mod, cons, 6, 0x7fffffff & (msk))                                                                 \
    X(insn, sfx, mod, cons, 7, 0x80000000 & (msk))                                                                 \
    X(insn, sfx, mod, cons, 8, 0x12345678 & (msk))
#define NIMM 9
static const uint32_t imm_values[NIMM] = {0, 1, 0x7f, 0x80, 0xffffff80, 0xffffffff, 0x7fffffff, 0x80000000, 0x12345678};

#define IMM_REG(insn, sfx, mod, cons, idx, imm)                                                                    \
    case idx:                                                                                                      \
        asm volatile(FIN insn sfx " %[i], %" mod "[a]" FOUT : [a] "+" cons(a), [fo] "=r"(fo) : [i] "i"(imm), [fi] "r"(fi) \
                     : "cc");                                                                                      \
        break;
#define IMM_MEM(insn, sfx, mod, cons, idx, imm)                                                                    \
    case idx:                                                                                                      \
        asm volatile(FIN insn sfx " %[i], %[m]" FOUT : [m] "+m"(a), [fo] "=r"(fo) : [i] "i"(imm), [fi] "r"(fi)     \
                     : "cc");                                                                                      \
        break;

/* form: 0 accumulator (short encoding), 1 other register, 2 memory */
#define DEF_IMM(fn, insn)                                                                                          \
    static uint32_t fn(int bits, int form, int idx, uint32_t *pa, uint32_t fi)                                     \
    {                                                                                                              \
        uint32_t a = *pa, fo = 0;                                                                                  \
        switch (bits * 4 + form) {                                                                                 \
        case 8 * 4 + 0:                                                                                            \
            switch (idx) { IMM_LIST(IMM_REG, insn, "b", "b", "a", 0xff) }                                          \
            break;                                                                                                 \
        case 8 * 4 + 1:                                                                                            \
            switch (idx) { IMM_LIST(IMM_REG, insn, "b", "b", "c", 0xff) }                                          \
            break;                                                                                                 \
        case 8 * 4 + 2:                                                                                            \
            switch (idx) { IMM_LIST(IMM_MEM, insn, "b", "b", "m", 0xff) }                                          \
            break;                                                                                                 \
        case 16 * 4 + 0:                                                                                           \
            switch (idx) { IMM_LIST(IMM_REG, insn, "w", "w", "a", 0xffff) }                                        \
            break;                                                                                                 \
        case 16 * 4 + 1:                                                                                           \
            switch (idx) { IMM_LIST(IMM_REG, insn, "w", "w", "d", 0xffff) }                                        \
            break;                                                                                                 \
        case 16 * 4 + 2:                                                                                           \
            switch (idx) { IMM_LIST(IMM_MEM, insn, "w", "w", "m", 0xffff) }                                        \
            break;                                                                                                 \
        case 32 * 4 + 0:                                                                                           \
            switch (idx) { IMM_LIST(IMM_REG, insn, "l", "k", "a", 0xffffffff) }                                    \
            break;                                                                                                 \
        case 32 * 4 + 1:                                                                                           \
            switch (idx) { IMM_LIST(IMM_REG, insn, "l", "k", "S", 0xffffffff) }                                    \
            break;                                                                                                 \
        case 32 * 4 + 2:                                                                                           \
            switch (idx) { IMM_LIST(IMM_MEM, insn, "l", "k", "m", 0xffffffff) }                                    \
            break;                                                                                                 \
        }                                                                                                          \
        *pa = a;                                                                                                   \
        return fo;                                                                                                 \
    }

DEF_IMM(i_add, "add")
DEF_IMM(i_adc, "adc")
DEF_IMM(i_sub, "sub")
DEF_IMM(i_sbb, "sbb")
DEF_IMM(i_and, "and")
DEF_IMM(i_or, "or")
DEF_IMM(i_xor, "xor")
DEF_IMM(i_cmp, "cmp")
DEF_IMM(i_test, "test")
typedef uint32_t (*imm_fn)(int, int, int, uint32_t *, uint32_t);
static const imm_fn imm_exec[NBIN] = {i_add, i_adc, i_sub, i_sbb, i_and, i_or, i_xor, i_cmp, i_test};

static void run_imm(int op, int bits, int idx, uint32_t a, uint32_t fin)
{
    uint32_t m = size_mask(bits), res, fmask;
    uint32_t b = imm_values[idx] & m;
    uint32_t ef = ref_bin(op, bits, a, b, fin, &res, &fmask);
    uint32_t junk = 0x3c5a7e1f ^ a;
    for (int form = 0; form < 3; form++) {
        uint32_t x = (junk & ~m) | (a & m);
        uint32_t fo = imm_exec[op](bits, form, idx, &x, fin);
        uint32_t got = x & m;
        grp_check(got == res && (fo & fmask) == (ef & fmask) && (fo & ~FL_ARITH) == FL_FIXED &&
                      (x & ~m) == (junk & ~m),
                  "%s%d imm form %d a=%08x imm=%08x fin=%03x: got %08x fl %03x (x=%08x) exp %08x fl %03x",
                  bin_names[op], bits, form, a & m, b, fin, got, fo & fmask, x, res, ef & fmask);
        if (form == 0) {
            grp_hash(got);
            grp_hash(fo & fmask);
        }
    }
}

/*
 * CF across a block boundary: a flag-setting op, setc and setbe (the op known when the block
 * is translated), a jump to the next instruction (which ends the emulator's translation block,
 * so the next one starts with the last op known only at run time), setc again, then inc (keeps
 * CF) and adc $0 (adds CF). The C model gives CF and ZF of the first op.
 */
#define XTB(name, first)                                                                                         \
    static uint32_t name(uint32_t a, uint32_t b, uint32_t fi, uint32_t *c, uint32_t *d, uint32_t *e)             \
    {                                                                                                            \
        uint32_t fo, x = a;                                                                                      \
        uint8_t s1, s2, s3;                                                                                      \
        asm volatile(FIN first "\n\tsetc %[s1]\n\tsetbe %[s2]\n\tjmp 1f\n1:\tsetc %[s3]\n\tincl %[c]"              \
                               "\n\tjmp 2f\n2:\tadcl $0, %[d]" FOUT                                              \
                     : [x] "+q"(x), [c] "+r"(*c), [d] "+r"(*d), [fo] "=r"(fo), [s1] "=m"(s1), [s2] "=m"(s2),      \
                       [s3] "=m"(s3)                                                                             \
                     : [b] "q"(b), [fi] "r"(fi)                                                                 \
                     : "cc");                                                                                   \
        *e = s1 | s2 << 1 | s3 << 2;                                                                             \
        return fo;                                                                                               \
    }
XTB(xtb_cmpl, "cmpl %[b], %[x]")
XTB(xtb_addl, "addl %[b], %[x]")
XTB(xtb_testl, "testl %[b], %[x]")
XTB(xtb_incl, "incl %[x]")
XTB(xtb_decl, "decl %[x]")
XTB(xtb_shll, "shll $1, %[x]")
XTB(xtb_subb, "subb %b[b], %b[x]")
XTB(xtb_addw, "addw %w[b], %w[x]")
XTB(xtb_adcl, "adcl %[b], %[x]")
XTB(xtb_sbbl, "sbbl %[b], %[x]")
XTB(xtb_sbbb, "sbbb %b[b], %b[x]")
typedef uint32_t (*xtb_fn)(uint32_t, uint32_t, uint32_t, uint32_t *, uint32_t *, uint32_t *);
static const xtb_fn xtb_exec[] = {xtb_cmpl, xtb_addl, xtb_testl, xtb_incl, xtb_decl, xtb_shll,
                                  xtb_subb, xtb_addw, xtb_adcl, xtb_sbbl, xtb_sbbb};
#define NXTB ARRAY_SIZE(xtb_exec)

/* CF (bit 0) and ZF (bit 1) left by op `op` of xtb_exec on a, b with flags fi in */
static uint32_t xtb_flags(int op, uint32_t a, uint32_t b, uint32_t fi)
{
    uint64_t cin = fi & FL_CF, wide;
    uint32_t cf, r;
    switch (op) {
    case 0: cf = a < b; r = a - b; break;
    case 1: r = a + b; cf = r < a; break;
    case 2: cf = 0; r = a & b; break;
    case 3: cf = cin; r = a + 1; break;
    case 4: cf = cin; r = a - 1; break;
    case 5: cf = a >> 31; r = a << 1; break;
    case 6: cf = (a & 0xff) < (b & 0xff); r = (a - b) & 0xff; break;
    case 7: cf = (a & 0xffff) + (b & 0xffff) > 0xffff; r = (a + b) & 0xffff; break;
    case 8: wide = (uint64_t)a + b + cin; cf = wide >> 32; r = (uint32_t)wide; break;
    case 9: cf = (uint64_t)b + cin > a; r = a - b - (uint32_t)cin; break;
    default: cf = (b & 0xff) + cin > (a & 0xff); r = (a - b - (uint32_t)cin) & 0xff; break;
    }
    return cf | (r == 0) << 1;
}

static void run_xtb(int op, uint32_t a, uint32_t b, uint32_t fi)
{
    uint32_t c = a ^ b, d = b, e, fl = xtb_flags(op, a, b, fi), cf = fl & 1, zf = fl >> 1;
    uint32_t fo = xtb_exec[op](a, b, fi, &c, &d, &e);
    /* setc, setbe, setc after the jump; inc keeps CF; adc $0 adds it, its CF only if d wrapped */
    uint32_t want_e = cf | (cf | zf) << 1 | cf << 2, want_d = b + cf, want_cf = cf && want_d == 0;
    grp_check(e == want_e && c == (a ^ b) + 1 && d == want_d && (fo & FL_CF) == want_cf,
              "xtb op %d a=%08x b=%08x fi=%x: set=%x c=%08x d=%08x cf=%u", op, a, b, fi, e, c, d, fo & FL_CF);
    grp_hash(e);
    grp_hash(d);
    grp_hash(fo & FL_CF);
}

/* flags inputs: everything clear / everything set, with CF 0 and 1 */
static const uint32_t fins[4] = {FL_FIXED, FL_FIXED | FL_CF, FL_FIXED | (FL_ARITH & ~FL_CF), FL_FIXED | FL_ARITH};

int main(uint32_t magic, uint32_t mbi)
{
    char label[40];
    t_begin("alu");

    for (int op = 0; op < NBIN; op++) {
        for (int s = 0; s < 3; s++) {
            int bits = sizes[s];
            grp_begin();
            for (unsigned i = 0; i < NEDGE; i++)
                for (unsigned j = 0; j < NEDGE; j++)
                    for (int k = 0; k < 4; k++) {
                        /* with CF in and out for adc/sbb; all-clear and all-set flags otherwise */
                        if ((op != ADC && op != SBB) && (k == 1 || k == 2))
                            continue;
                        run_bin(op, bits, edge[i], edge[j], fins[k]);
                    }
            rng_seed(0x1234 + op * 77 + bits);
            for (int n = 0; n < 300; n++) {
                uint32_t a = rng_operand(), b = rng_operand();
                uint32_t fin = FL_FIXED | (rng() & FL_ARITH);
                run_bin(op, bits, a, b, fin);
            }
            snprintf(label, sizeof label, "%s%d", bin_names[op], bits);
            grp_end(label);
        }
    }

    for (int op = 0; op < NBIN; op++) {
        grp_begin();
        for (int s = 0; s < 3; s++)
            for (int idx = 0; idx < NIMM; idx++) {
                for (unsigned i = 0; i < NEDGE; i++)
                    for (int k = 0; k < 4; k++)
                        run_imm(op, sizes[s], idx, edge[i], fins[k]);
                rng_seed(0x777 + op * 13 + idx);
                for (int n = 0; n < 20; n++)
                    run_imm(op, sizes[s], idx, rng_operand(), FL_FIXED | (rng() & FL_ARITH));
            }
        snprintf(label, sizeof label, "%s imm", bin_names[op]);
        grp_end(label);
    }

    for (int op = 0; op < NUN; op++) {
        for (int s = 0; s < 3; s++) {
            int bits = sizes[s];
            grp_begin();
            for (unsigned i = 0; i < NEDGE; i++)
                for (int k = 0; k < 4; k++)
                    run_un(op, bits, edge[i], fins[k]);
            rng_seed(0x4321 + op * 5 + bits);
            for (int n = 0; n < 300; n++)
                run_un(op, bits, rng_operand(), FL_FIXED | (rng() & FL_ARITH));
            snprintf(label, sizeof label, "%s%d", un_names[op], bits);
            grp_end(label);
        }
    }

    grp_begin();
    for (unsigned op = 0; op < NXTB; op++)
        for (unsigned i = 0; i < NEDGE; i++)
            for (unsigned j = 0; j < NEDGE; j++)
                for (int k = 0; k < 2; k++)
                    run_xtb(op, edge[i], edge[j], fins[k]);
    grp_end("carry across blocks");

    /* a few spot checks with explicit expected values */
    {
        uint32_t a = 0xffffffff, f;
        f = x_add(32, 0, &a, 1, FL_FIXED);
        t_eq("add 0xffffffff+1 result", a, 0);
        t_eq("add 0xffffffff+1 flags", f & FL_ARITH, FL_CF | FL_ZF | FL_PF | FL_AF);
        a = 0x7fffffff;
        f = x_add(32, 0, &a, 1, FL_FIXED);
        t_eq("add 0x7fffffff+1 flags", f & FL_ARITH, FL_OF | FL_SF | FL_AF | FL_PF);
        a = 0;
        f = x_sbb(32, 0, &a, 0, FL_FIXED | FL_CF);
        t_eq("sbb 0-0-1 result", a, 0xffffffff);
        t_eq("sbb 0-0-1 flags", f & FL_ARITH, FL_CF | FL_SF | FL_AF | FL_PF);
        a = 0x80;
        f = x_neg(8, 0, &a, FL_FIXED);
        t_eq("neg8 0x80 flags", f & FL_ARITH, FL_CF | FL_OF | FL_SF);
        a = 0xffffffff;
        f = x_adc(32, 0, &a, 0xffffffff, FL_FIXED | FL_CF);
        t_eq("adc -1+-1+1 result", a, 0xffffffff);
        t_eq("adc -1+-1+1 flags", f & FL_ARITH, FL_CF | FL_SF | FL_AF | FL_PF);
    }
    t_end();
}
