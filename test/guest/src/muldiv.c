/*
 * muldiv: mul, imul (1-, 2- and 3-operand forms), div, idiv in 8/16/32-bit
 * with register and memory operands; #DE on divide by zero and on quotient
 * overflow (vector 0, saved EIP = the div instruction, registers unchanged,
 * execution resumes after it).
 *
 * Flags: only CF and OF are defined after mul/imul; none after div/idiv.
 */
#include "rt.h"

#define FIN "pushl %[fi]\n\tpopfl\n\t"
#define FOUT "\n\tpushfl\n\tpopl %[fo]"
#define MULFL (FL_CF | FL_OF)

static inline uint32_t size_mask(int bits) { return bits == 32 ? 0xffffffffu : (1u << bits) - 1; }
static inline int32_t sext(uint32_t v, int bits) { return bits == 32 ? (int32_t)v : (int32_t)(v << (32 - bits)) >> (32 - bits); }

/* ---------------- one-operand mul / imul / div / idiv ---------------- */
/* op: 0 mul 1 imul 2 div 3 idiv; form 0 reg 1 mem; eax/edx in-out; returns flags */
#define ONE(insn, sfx, mod)                                                                                        \
    if (form == 0)                                                                                                 \
        asm volatile(FIN FAULT_SETUP insn sfx " %" mod "[s]" FAULT_DONE FOUT                                       \
                     : "+a"(*eax), "+d"(*edx), [fo] "=r"(fo)                                                       \
                     : [s] "b"(src), [fi] "r"(fi)                                                                  \
                     : "cc", "memory");                                                                            \
    else                                                                                                           \
        asm volatile(FIN FAULT_SETUP insn sfx " %[s]" FAULT_DONE FOUT                                              \
                     : "+a"(*eax), "+d"(*edx), [fo] "=r"(fo)                                                       \
                     : [s] "m"(src), [fi] "r"(fi)                                                                  \
                     : "cc", "memory");

#define ONE_SIZES(insn)                                                                                            \
    if (bits == 8) {                                                                                               \
        ONE(insn, "b", "b")                                                                                        \
    } else if (bits == 16) {                                                                                       \
        ONE(insn, "w", "w")                                                                                        \
    } else {                                                                                                       \
        ONE(insn, "l", "k")                                                                                        \
    }

static NOINLINE uint32_t exec_one(int op, int bits, int form, uint32_t *eax, uint32_t *edx, uint32_t src, uint32_t fi)
{
    uint32_t fo = 0;
    switch (op) {
    case 0:
        ONE_SIZES("mul") break;
    case 1:
        ONE_SIZES("imul") break;
    case 2:
        ONE_SIZES("div") break;
    default:
        ONE_SIZES("idiv") break;
    }
    return fo;
}

/* C model.  Returns 1 if #DE is expected. */
static int ref_one(int op, int bits, uint32_t *eax, uint32_t *edx, uint32_t src, uint32_t *flags)
{
    uint32_t m = size_mask(bits);
    uint32_t a = *eax, d = *edx, s = src & m;
    *flags = 0;
    if (op == 0 || op == 1) {
        if (bits == 8) {
            uint32_t p = op == 0 ? (a & 0xff) * s : (uint32_t)(sext(a, 8) * sext(s, 8)) & 0xffff;
            *eax = (a & 0xffff0000) | p;
            if (op == 0 ? (p >> 8) != 0 : sext(p, 16) != sext(p, 8))
                *flags = MULFL;
        } else if (bits == 16) {
            uint32_t p = op == 0 ? (a & 0xffff) * s : (uint32_t)(sext(a, 16) * sext(s, 16));
            *eax = (a & 0xffff0000) | (p & 0xffff);
            *edx = (d & 0xffff0000) | (p >> 16);
            if (op == 0 ? (p >> 16) != 0 : sext(p, 32) != sext(p, 16))
                *flags = MULFL;
        } else {
            uint64_t p = op == 0 ? (uint64_t)a * s : (uint64_t)((int64_t)(int32_t)a * (int32_t)s);
            *eax = (uint32_t)p;
            *edx = (uint32_t)(p >> 32);
            if (op == 0 ? (p >> 32) != 0 : (int64_t)p != (int64_t)(int32_t)(uint32_t)p)
                *flags = MULFL;
        }
        return 0;
    }
    if (s == 0)
        return 1;
    if (op == 2) {
        uint64_t n;
        if (bits == 8)
            n = a & 0xffff;
        else if (bits == 16)
            n = ((d & 0xffff) << 16) | (a & 0xffff);
        else
            n = ((uint64_t)d << 32) | a;
        uint64_t q = n / s, r = n % s;
        if (q > m)
            return 1;
        if (bits == 8) {
            *eax = (a & 0xffff0000) | ((uint32_t)r << 8) | (uint32_t)q;
        } else {
            *eax = (a & ~m) | (uint32_t)q;
            *edx = (d & ~m) | (uint32_t)r;
        }
        return 0;
    }
    /* idiv */
    int64_t n;
    int32_t ds = sext(s, bits);
    if (bits == 8)
        n = (int16_t)(a & 0xffff);
    else if (bits == 16)
        n = (int32_t)(((d & 0xffff) << 16) | (a & 0xffff));
    else
        n = (int64_t)(((uint64_t)d << 32) | a);
    if (ds == -1 && n == (int64_t)0x8000000000000000ull)
        return 1;
    int64_t q = n / ds, r = n % ds;
    int64_t lo = -((int64_t)1 << (bits - 1)), hi = ((int64_t)1 << (bits - 1)) - 1;
    if (q < lo || q > hi)
        return 1;
    if (bits == 8) {
        *eax = (a & 0xffff0000) | (((uint32_t)r & 0xff) << 8) | ((uint32_t)q & 0xff);
    } else {
        *eax = (a & ~m) | ((uint32_t)q & m);
        *edx = (d & ~m) | ((uint32_t)r & m);
    }
    return 0;
}

void de_handler(struct regs *r);
extern volatile uint32_t de_seen_eip, de_seen_vec;

static const char *const one_names[4] = {"mul", "imul", "div", "idiv"};

static void run_one(int op, int bits, uint32_t a, uint32_t d, uint32_t s)
{
    if (op == 3 && bits == 32 && d == 0x80000000 && a == 0 && s == 0xffffffff)
        return; /* crashes QEMU 7.2 (host SIGFPE), see below */
    for (int form = 0; form < 2; form++) {
        uint32_t ea = a, ed = d, ra = a, rd = d, ef, fo;
        uint32_t fin = FL_FIXED | (form ? FL_ARITH : 0);
        int de = ref_one(op, bits, &ra, &rd, s, &ef);
        uint32_t before = fault_count;
        fo = exec_one(op, bits, form, &ea, &ed, s, fin);
        int got_de = fault_count != before;
        uint32_t fmask = op < 2 ? MULFL : 0;
        if (de) {
            ra = a;
            rd = d;
        }
        grp_check(got_de == de && ea == ra && ed == rd && (fo & fmask) == (ef & fmask) &&
                      (!got_de || (fault_vector == 0 && fault_eip == fault_ip)),
                  "%s%d form %d edx:eax=%08x:%08x src=%08x: got %08x:%08x fl %03x de %d exp %08x:%08x fl %03x de %d",
                  one_names[op], bits, form, d, a, s, ed, ea, fo & fmask, got_de, rd, ra, ef & fmask, de);
        if (form == 0) {
            grp_hash(ea);
            grp_hash(ed);
            grp_hash(fo & fmask);
            grp_hash(got_de);
        }
    }
}

/* ---------------- imul 2- and 3-operand forms ---------------- */
static uint32_t ref_imul2(int bits, uint32_t a, uint32_t b, uint32_t *res)
{
    int64_t p = (int64_t)sext(a, bits) * sext(b, bits);
    uint32_t m = size_mask(bits);
    *res = (a & ~m) | ((uint32_t)p & m);
    return p != sext((uint32_t)p & m, bits) ? MULFL : 0;
}

static NOINLINE uint32_t exec_imul2(int bits, int form, uint32_t *pa, uint32_t b, uint32_t fi)
{
    uint32_t a = *pa, fo;
    if (bits == 16) {
        if (form == 0)
            asm volatile(FIN "imulw %w[b], %w[a]" FOUT : [a] "+r"(a), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi) : "cc");
        else
            asm volatile(FIN "imulw %[b], %w[a]" FOUT : [a] "+r"(a), [fo] "=r"(fo) : [b] "m"(b), [fi] "r"(fi) : "cc");
    } else {
        if (form == 0)
            asm volatile(FIN "imull %k[b], %k[a]" FOUT : [a] "+r"(a), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi) : "cc");
        else
            asm volatile(FIN "imull %[b], %k[a]" FOUT : [a] "+r"(a), [fo] "=r"(fo) : [b] "m"(b), [fi] "r"(fi) : "cc");
    }
    *pa = a;
    return fo;
}

#define NIMM 8
static const uint32_t imms[NIMM] = {0, 1, 0xffffffff, 0x7f, 0xffffff80, 0x1234, 0x7fffffff, 0x80000000};
#define IMM3(sfx, mod, idx, imm)                                                                                   \
    case idx:                                                                                                      \
        if (form == 0)                                                                                             \
            asm volatile(FIN "imul" sfx " %[i], %" mod "[b], %" mod "[d]" FOUT                                     \
                         : [d] "=&r"(d), [fo] "=r"(fo)                                                             \
                         : [b] "r"(b), [i] "i"(imm), [fi] "r"(fi), "0"(d)                                          \
                         : "cc");                                                                                  \
        else                                                                                                       \
            asm volatile(FIN "imul" sfx " %[i], %[b], %" mod "[d]" FOUT                                            \
                         : [d] "=&r"(d), [fo] "=r"(fo)                                                             \
                         : [b] "m"(b), [i] "i"(imm), [fi] "r"(fi), "0"(d)                                          \
                         : "cc");                                                                                  \
        break;

static NOINLINE uint32_t exec_imul3(int bits, int form, int idx, uint32_t *pd, uint32_t b, uint32_t fi)
{
    uint32_t d = *pd, fo = 0;
    if (bits == 16) {
        switch (idx) {
            IMM3("w", "w", 0, 0)
            IMM3("w", "w", 1, 1)
            IMM3("w", "w", 2, 0xffff)
            IMM3("w", "w", 3, 0x7f)
            IMM3("w", "w", 4, 0xff80)
            IMM3("w", "w", 5, 0x1234)
            IMM3("w", "w", 6, 0xffff)
            IMM3("w", "w", 7, 0x8000)
        }
    } else {
        switch (idx) {
            IMM3("l", "k", 0, 0)
            IMM3("l", "k", 1, 1)
            IMM3("l", "k", 2, 0xffffffff)
            IMM3("l", "k", 3, 0x7f)
            IMM3("l", "k", 4, 0xffffff80)
            IMM3("l", "k", 5, 0x1234)
            IMM3("l", "k", 6, 0x7fffffff)
            IMM3("l", "k", 7, 0x80000000)
        }
    }
    *pd = d;
    return fo;
}
static const uint32_t imms16[NIMM] = {0, 1, 0xffff, 0x7f, 0xff80, 0x1234, 0xffff, 0x8000};

static const uint32_t edge[] = {
    0,          1,          2,          3,          7,          0x7f,       0x80,       0x81,
    0xff,       0x100,      0x7fff,     0x8000,     0xffff,     0x10000,    0x7fffffff, 0x80000000,
    0x80000001, 0xfffffffe, 0xffffffff, 0x12345678, 0xdeadbeef, 0x0000ff00, 0xffff8000, 0xffffff80,
};
#define NEDGE ARRAY_SIZE(edge)

int main(uint32_t magic, uint32_t mbi)
{
    static const int sizes[3] = {8, 16, 32};
    char label[48];
    t_begin("muldiv");

    for (int op = 0; op < 4; op++)
        for (int s = 0; s < 3; s++) {
            int bits = sizes[s];
            grp_begin();
            for (unsigned i = 0; i < NEDGE; i++)
                for (unsigned j = 0; j < NEDGE; j++) {
                    uint32_t a = edge[i], src = edge[j];
                    /* high half: 0, the sign extension of the low half, small, and an arbitrary value */
                    uint32_t his[4] = {0, sext(a, bits) < 0 ? 0xffffffff : 0, 1, edge[(i + j) % NEDGE]};
                    for (int h = 0; h < 4; h++) {
                        uint32_t d = his[h], aa = a;
                        if (bits == 8)
                            aa = (a & 0xff) | ((his[h] & 0xff) << 8) | (0x5a5a0000);
                        run_one(op, bits, aa, d ^ (bits == 8 ? 0x3c3c3c3c : 0), src);
                    }
                }
            rng_seed(0x5555 + op * 3 + bits);
            for (int n = 0; n < 300; n++) {
                uint32_t a = rng_operand(), d = rng_operand(), src = rng_operand();
                /* make most divisions valid: high half below the divisor */
                if ((n & 1) && op >= 2) {
                    uint32_t m = size_mask(bits);
                    uint32_t sm = src & m ? src & m : 1;
                    if (bits == 8)
                        a = (a & 0xffff00ff) | (((a >> 8) % sm) << 8);
                    else
                        d = (d & ~m) | ((d & m) % sm);
                }
                run_one(op, bits, a, d, src);
            }
            snprintf(label, sizeof label, "%s%d", one_names[op], bits);
            grp_end(label);
        }

    /* imul r, r/m */
    for (int bits = 16; bits <= 32; bits += 16) {
        grp_begin();
        for (unsigned i = 0; i < NEDGE; i++)
            for (unsigned j = 0; j < NEDGE; j++)
                for (int form = 0; form < 2; form++) {
                    uint32_t a = edge[i] ^ (bits == 16 ? 0xa5a50000 : 0), b = edge[j], res;
                    uint32_t ef = ref_imul2(bits, a, b, &res), x = a;
                    uint32_t fo = exec_imul2(bits, form, &x, b, FL_FIXED | (form ? FL_ARITH : 0));
                    grp_check(x == res && (fo & MULFL) == ef, "imul2 %d form %d %08x*%08x: got %08x fl %03x exp %08x fl %03x",
                              bits, form, a, b, x, fo & MULFL, res, ef);
                    grp_hash(x);
                    grp_hash(fo & MULFL);
                }
        rng_seed(0x999 + bits);
        for (int n = 0; n < 300; n++) {
            uint32_t a = rng_operand(), b = rng_operand(), res;
            uint32_t ef = ref_imul2(bits, a, b, &res), x = a;
            uint32_t fo = exec_imul2(bits, n & 1, &x, b, FL_FIXED | (rng() & FL_ARITH));
            grp_check(x == res && (fo & MULFL) == ef, "imul2 %d %08x*%08x: got %08x fl %03x exp %08x fl %03x", bits, a,
                      b, x, fo & MULFL, res, ef);
            grp_hash(x);
            grp_hash(fo & MULFL);
        }
        snprintf(label, sizeof label, "imul%d r,r/m", bits);
        grp_end(label);
    }

    /* imul r, r/m, imm */
    for (int bits = 16; bits <= 32; bits += 16) {
        grp_begin();
        for (int idx = 0; idx < NIMM; idx++)
            for (unsigned i = 0; i < NEDGE; i++)
                for (int form = 0; form < 2; form++) {
                    uint32_t imm = bits == 16 ? imms16[idx] : imms[idx];
                    uint32_t b = edge[i], d0 = 0xc3c3c3c3 ^ b, res;
                    uint32_t ef = ref_imul2(bits, b, imm, &res);
                    uint32_t m = size_mask(bits);
                    res = (d0 & ~m) | (res & m); /* destination upper bits preserved (16-bit) */
                    uint32_t x = d0;
                    uint32_t fo = exec_imul3(bits, form, idx, &x, b, FL_FIXED | (form ? FL_ARITH : 0));
                    grp_check(x == res && (fo & MULFL) == ef,
                              "imul3 %d form %d %08x*%08x: got %08x fl %03x exp %08x fl %03x", bits, form, b, imm, x,
                              fo & MULFL, res, ef);
                    grp_hash(x);
                    grp_hash(fo & MULFL);
                }
        snprintf(label, sizeof label, "imul%d r,r/m,imm", bits);
        grp_end(label);
    }

    /* explicit #DE cases */
    {
        static const struct {
            const char *name;
            int op, bits;
            uint32_t eax, edx, src;
        } de[] = {
            {"div8 by zero", 2, 8, 0x1234, 0, 0},
            {"div16 by zero", 2, 16, 0x1234, 0, 0},
            {"div32 by zero", 2, 32, 0x1234, 0, 0},
            {"idiv32 by zero", 3, 32, 0, 0, 0},
            {"div8 overflow 0x100/1", 2, 8, 0x100, 0, 1},
            {"div16 overflow", 2, 16, 0, 1, 1},
            {"div32 overflow 2^32/1", 2, 32, 0, 1, 1},
            {"div32 overflow edx=divisor", 2, 32, 0, 7, 7},
            {"idiv8 -128/-1", 3, 8, 0xff80, 0, 0xff},
            {"idiv8 -32768/-1", 3, 8, 0x8000, 0, 0xff},
            {"idiv16 -32768/-1", 3, 16, 0x8000, 0xffff, 0xffff},
            {"idiv32 0x80000000/-1", 3, 32, 0x80000000, 0xffffffff, 0xffffffff},
            {"idiv32 2^31/1", 3, 32, 0x80000000, 0, 1},
            /* not tested: idiv32 with EDX:EAX = -2^63 and divisor -1 kills QEMU 7.2
               (host SIGFPE in helper_idivl), so QEMU cannot provide a reference */
        };
        for (unsigned i = 0; i < ARRAY_SIZE(de); i++)
            for (int form = 0; form < 2; form++) {
                uint32_t a = de[i].eax, d = de[i].edx;
                fault_reset();
                fault_count = 0;
                exec_one(de[i].op, de[i].bits, form, &a, &d, de[i].src, FL_FIXED);
                snprintf(label, sizeof label, "%s%s", de[i].name, form ? " (mem)" : "");
                t_ok(label, fault_count == 1 && fault_vector == 0 && fault_eip == fault_ip && fault_err == 0 &&
                                a == de[i].eax && d == de[i].edx);
            }
        /* the largest valid results right next to the overflow */
        fault_count = 0;
        uint32_t a = 0xff80, d = 0;
        exec_one(3, 8, 0, &a, &d, 2, FL_FIXED); /* -128 / 2 = -64 */
        t_eq("idiv8 -128/2", a & 0xffff, 0x00c0);
        a = 0xff00;
        exec_one(3, 8, 0, &a, &d, 2, FL_FIXED); /* -256 / 2 = -128 fits */
        t_eq("idiv8 -256/2 = -128", a & 0xffff, 0x0080);
        a = 0xfffffffe, d = 0xfffffffe;
        exec_one(2, 32, 0, &a, &d, 0xffffffff, FL_FIXED);
        t_eq("div32 max quotient", a, 0xffffffff);
        t_eq("div32 max quotient rem", d, 0xfffffffd);
        a = 7, d = 0;
        exec_one(3, 32, 1, &a, &d, (uint32_t)-2, FL_FIXED);
        t_eq("idiv32 7/-2 quotient", a, (uint32_t)-3);
        t_eq("idiv32 7/-2 remainder", d, 1);
        a = (uint32_t)-7, d = 0xffffffff;
        exec_one(3, 32, 1, &a, &d, 2, FL_FIXED);
        t_eq("idiv32 -7/2 quotient", a, (uint32_t)-3);
        t_eq("idiv32 -7/2 remainder", d, (uint32_t)-1);
        t_eq("faults after the #DE tests", fault_count, 0);
    }
    /* #DE through a C handler that checks the frame and skips the 2-byte div */
    {
        extern char de_div_insn[];
        set_handler(0, de_handler);
        uint32_t eax = 0x11, ecx = 0, edx = 0;
        asm volatile(".globl de_div_insn\nde_div_insn: divl %%ecx\n\tmovl $0x77, %%ecx"
                     : "+a"(eax), "+c"(ecx), "+d"(edx)
                     :
                     : "cc", "memory");
        set_handler(0, 0);
        t_eq("#DE handler saw vector 0", de_seen_vec, 0);
        t_eq("#DE handler saw eip of div", de_seen_eip, (uint32_t)de_div_insn);
        t_eq("#DE resumed after div", ecx, 0x77);
        t_eq("#DE eax unchanged", eax, 0x11);
    }
    t_end();
}

volatile uint32_t de_seen_eip = 1, de_seen_vec = 1;
void de_handler(struct regs *r)
{
    de_seen_eip = r->eip;
    de_seen_vec = r->vector;
    r->eip += 2; /* divl %ecx = f7 f1 */
}
