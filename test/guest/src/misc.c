/*
 * misc: xadd, cmpxchg (8/16/32, equal and not equal), cmpxchg8b, xchg,
 * enter (levels 0 1 2 3) / leave, pusha/popa (32 and 16-bit), pushf/popf
 * (which bits change at CPL0), push/pop of segment registers, mov from/to
 * segment registers, cpuid, rdtsc, daa das aaa aas aam aad over all AL
 * values x AF x CF, cbw/cwde/cwd/cdq, movzx/movsx, lea with every
 * addressing form (SIB scales, no base, no index, disp8/disp32, 16-bit
 * addressing), 0x66 operand size mov/add/push/pop, 0x67 address size
 * mov/lea, loop/loope/loopne/jecxz (and the CX forms), nop forms.
 */
#include "rt.h"

#define FIN "pushl %[fi]\n\tpopfl\n\t"
#define FOUT "\n\tpushfl\n\tpopl %[fo]"

static inline uint32_t size_mask(int bits) { return bits == 32 ? 0xffffffffu : (1u << bits) - 1; }

static uint32_t szp(uint32_t r, int bits)
{
    uint32_t f = 0;
    r &= size_mask(bits);
    if (r == 0)
        f |= FL_ZF;
    if ((r >> (bits - 1)) & 1)
        f |= FL_SF;
    if (parity8(r))
        f |= FL_PF;
    return f;
}
static uint32_t add_flags(uint32_t a, uint32_t b, int bits)
{
    uint32_t m = size_mask(bits), sign = 1u << (bits - 1);
    a &= m, b &= m;
    uint64_t w = (uint64_t)a + b;
    uint32_t r = (uint32_t)w & m, f = szp(r, bits);
    if (w > m)
        f |= FL_CF;
    if ((a ^ b ^ r) & 0x10)
        f |= FL_AF;
    if ((a ^ r) & (b ^ r) & sign)
        f |= FL_OF;
    return f;
}
static uint32_t sub_flags(uint32_t a, uint32_t b, int bits)
{
    uint32_t m = size_mask(bits), sign = 1u << (bits - 1);
    a &= m, b &= m;
    uint32_t r = (a - b) & m, f = szp(r, bits);
    if (a < b)
        f |= FL_CF;
    if ((a ^ b ^ r) & 0x10)
        f |= FL_AF;
    if ((a ^ b) & (a ^ r) & sign)
        f |= FL_OF;
    return f;
}

static const uint32_t edge[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678};
#define NEDGE ARRAY_SIZE(edge)

/* ---------------- xadd / cmpxchg / xchg ---------------- */
static NOINLINE uint32_t x_xadd(int bits, int form, uint32_t *pd, uint32_t *ps, uint32_t fi)
{
    uint32_t d = *pd, s = *ps, fo = 0;
#define XADD(sfx, mod)                                                                                             \
    if (form == 0)                                                                                                 \
        asm volatile(FIN "xadd" sfx " %" mod "[s], %" mod "[d]" FOUT : [d] "+q"(d), [s] "+q"(s), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); \
    else                                                                                                           \
        asm volatile(FIN "xadd" sfx " %" mod "[s], %[d]" FOUT : [d] "+m"(d), [s] "+q"(s), [fo] "=r"(fo) : [fi] "r"(fi) : "cc");
    if (bits == 8) {
        XADD("b", "b")
    } else if (bits == 16) {
        XADD("w", "w")
    } else {
        XADD("l", "k")
    }
    *pd = d;
    *ps = s;
    return fo;
}

static NOINLINE uint32_t x_cmpxchg(int bits, int form, uint32_t *pa, uint32_t *pd, uint32_t s, uint32_t fi)
{
    uint32_t a = *pa, d = *pd, fo = 0;
#define CMPXCHG(sfx, mod)                                                                                          \
    if (form == 0)                                                                                                 \
        asm volatile(FIN "cmpxchg" sfx " %" mod "[s], %" mod "[d]" FOUT                                            \
                     : "+a"(a), [d] "+q"(d), [fo] "=r"(fo)                                                         \
                     : [s] "q"(s), [fi] "r"(fi)                                                                    \
                     : "cc");                                                                                      \
    else                                                                                                           \
        asm volatile(FIN "cmpxchg" sfx " %" mod "[s], %[d]" FOUT                                                   \
                     : "+a"(a), [d] "+m"(d), [fo] "=r"(fo)                                                         \
                     : [s] "q"(s), [fi] "r"(fi)                                                                    \
                     : "cc");
    if (bits == 8) {
        CMPXCHG("b", "b")
    } else if (bits == 16) {
        CMPXCHG("w", "w")
    } else {
        CMPXCHG("l", "k")
    }
    *pa = a;
    *pd = d;
    return fo;
}

static void test_xadd_cmpxchg(void)
{
    static const int sizes[3] = {8, 16, 32};
    grp_begin();
    for (int s = 0; s < 3; s++) {
        int bits = sizes[s];
        uint32_t m = size_mask(bits);
        for (unsigned i = 0; i < NEDGE; i++)
            for (unsigned j = 0; j < NEDGE; j++)
                for (int form = 0; form < 2; form++) {
                    uint32_t d0 = edge[i] ^ (~m & 0xa5a5a5a5), s0 = edge[j] ^ (~m & 0x5a5a5a5a);
                    uint32_t d = d0, sv = s0, fin = FL_FIXED | (form ? FL_ARITH : 0);
                    uint32_t fo = x_xadd(bits, form, &d, &sv, fin);
                    uint32_t ed = (d0 & ~m) | ((d0 + s0) & m), es = (s0 & ~m) | (d0 & m);
                    uint32_t ef = add_flags(d0, s0, bits);
                    grp_check(d == ed && sv == es && (fo & FL_ARITH) == ef,
                              "xadd%d form %d %08x,%08x: got %08x %08x fl %03x exp %08x %08x fl %03x", bits, form, d0,
                              s0, d, sv, fo & FL_ARITH, ed, es, ef);
                    grp_hash(d);
                    grp_hash(fo & FL_ARITH);
                }
    }
    grp_end("xadd");

    grp_begin();
    for (int s = 0; s < 3; s++) {
        int bits = sizes[s];
        uint32_t m = size_mask(bits);
        for (unsigned i = 0; i < NEDGE; i++)
            for (unsigned j = 0; j < NEDGE; j++)
                for (int form = 0; form < 2; form++)
                    for (int eq = 0; eq < 2; eq++) {
                        uint32_t d0 = edge[i] ^ (~m & 0x11223344);
                        uint32_t a0 = eq ? (d0 & m) | (~m & 0x55667788) : edge[j] ^ (~m & 0x55667788);
                        uint32_t s0 = edge[(i + j) % NEDGE] ^ 0x0f0f0f0f;
                        uint32_t a = a0, d = d0, fin = FL_FIXED | (eq ? FL_ARITH : 0);
                        uint32_t fo = x_cmpxchg(bits, form, &a, &d, s0, fin);
                        int equal = (a0 & m) == (d0 & m);
                        uint32_t ea = equal ? a0 : (a0 & ~m) | (d0 & m);
                        uint32_t ed = equal ? (d0 & ~m) | (s0 & m) : d0;
                        uint32_t ef = sub_flags(a0, d0, bits);
                        grp_check(a == ea && d == ed && (fo & FL_ARITH) == ef,
                                  "cmpxchg%d form %d acc=%08x dst=%08x src=%08x: got %08x %08x fl %03x exp %08x %08x "
                                  "fl %03x",
                                  bits, form, a0, d0, s0, a, d, fo & FL_ARITH, ea, ed, ef);
                        grp_hash(a);
                        grp_hash(d);
                        grp_hash(fo & FL_ARITH);
                    }
    }
    grp_end("cmpxchg");

    /* cmpxchg8b: only ZF changes */
    grp_begin();
    static uint64_t mem64 ALIGNED(8);
    static const uint64_t v64[] = {0, 1, 0xffffffffull, 0x100000000ull, 0x8000000000000000ull, 0xffffffffffffffffull,
                                   0x123456789abcdef0ull};
    for (unsigned i = 0; i < ARRAY_SIZE(v64); i++)
        for (unsigned j = 0; j < ARRAY_SIZE(v64); j++)
            for (int k = 0; k < 2; k++) {
                uint64_t cmp = v64[j], newv = ~v64[i] ^ (j * 0x1111);
                mem64 = v64[i];
                uint32_t eax = (uint32_t)cmp, edx = (uint32_t)(cmp >> 32);
                uint32_t ebx = (uint32_t)newv, ecx = (uint32_t)(newv >> 32), fo;
                uint32_t fin = FL_FIXED | (k ? (FL_ARITH & ~FL_ZF) : FL_ZF);
                asm volatile(FIN "cmpxchg8b %[m]" FOUT
                             : "+a"(eax), "+d"(edx), [m] "+m"(mem64), [fo] "=r"(fo)
                             : "b"(ebx), "c"(ecx), [fi] "r"(fin)
                             : "cc");
                int equal = v64[i] == cmp;
                uint64_t emem = equal ? newv : v64[i];
                uint64_t eres = equal ? cmp : v64[i];
                uint32_t ef = (fin & ~FL_ZF & FL_ARITH) | (equal ? FL_ZF : 0);
                grp_check(mem64 == emem && eax == (uint32_t)eres && edx == (uint32_t)(eres >> 32) &&
                              (fo & FL_ARITH) == ef,
                          "cmpxchg8b mem=%llx cmp=%llx: mem %llx edx:eax %08x:%08x fl %03x", v64[i], cmp, mem64, edx,
                          eax, fo & FL_ARITH);
                grp_hash((uint32_t)mem64);
                grp_hash(eax);
                grp_hash(fo & FL_ARITH);
            }
    grp_end("cmpxchg8b");

    /* xchg */
    {
        uint32_t a = 0x11111111, b = 0x22222222, mem = 0x33333333;
        asm volatile("xchgl %0, %1" : "+r"(a), "+r"(b));
        t_ok("xchg r32,r32", a == 0x22222222 && b == 0x11111111);
        asm volatile("xchgl %0, %1" : "+r"(a), "+m"(mem));
        t_ok("xchg r32,m32", a == 0x33333333 && mem == 0x22222222);
        a = 0xaabbccdd, b = 0x11223344;
        asm volatile("xchgb %h0, %b1" : "+Q"(a), "+Q"(b));
        t_ok("xchg ah,bl", a == 0xaabb44dd && b == 0x112233cc);
        asm volatile("xchgw %w0, %w1" : "+r"(a), "+r"(b));
        t_ok("xchg r16,r16", a == 0xaabb33cc && b == 0x112244dd);
        a = 1, b = 2;
        asm volatile("xchgl %%eax, %%ebx" : "+a"(a), "+b"(b)); /* 0x93 short form */
        t_ok("xchg eax,ebx short form", a == 2 && b == 1);
    }
}

/* ---------------- enter / leave ---------------- */
uint32_t enter_saved_esp, enter_in_esp, enter_in_ebp, enter_res[4];
#define ENTER_FN(name, n, l)                                                                                       \
    void name(void);                                                                                               \
    asm(".text\n.globl " #name "\n" #name ":\n\t"                                                                  \
        "pushl %ebp\n\tpushl %ebx\n\tmovl %esp, enter_saved_esp\n\t"                                               \
        "movl enter_in_esp, %esp\n\tmovl enter_in_ebp, %ebp\n\t"                                                   \
        "enter $" #n ", $" #l "\n\t"                                                                               \
        "movl %esp, enter_res\n\tmovl %ebp, enter_res+4\n\t"                                                       \
        "leave\n\t"                                                                                                \
        "movl %esp, enter_res+8\n\tmovl %ebp, enter_res+12\n\t"                                                    \
        "movl enter_saved_esp, %esp\n\tpopl %ebx\n\tpopl %ebp\n\tret\n");
ENTER_FN(enter_0, 16, 0)
ENTER_FN(enter_1, 8, 1)
ENTER_FN(enter_2, 0, 2)
ENTER_FN(enter_3, 0x20, 3)

static uint32_t estack[128], chain[32];

static void test_enter(void)
{
    static const struct {
        void (*fn)(void);
        uint32_t n, l;
    } cases[] = {{enter_0, 16, 0}, {enter_1, 8, 1}, {enter_2, 0, 2}, {enter_3, 0x20, 3}};
    for (unsigned c = 0; c < ARRAY_SIZE(cases); c++) {
        char label[32];
        for (int i = 0; i < 128; i++)
            estack[i] = 0xe0000000 + i;
        for (int i = 0; i < 32; i++)
            chain[i] = 0xc0000000 + i;
        enter_in_esp = (uint32_t)&estack[100];
        enter_in_ebp = (uint32_t)&chain[20];
        cases[c].fn();
        /* model */
        uint32_t model[128];
        memcpy(model, estack, sizeof model);
        for (int i = 0; i < 128; i++)
            model[i] = 0xe0000000 + i;
        uint32_t esp = enter_in_esp, ebp = enter_in_ebp;
#define PUSH(v) (esp -= 4, model[(esp - (uint32_t)estack) / 4] = (v))
        PUSH(ebp);
        uint32_t frame = esp;
        for (uint32_t i = 1; i < cases[c].l; i++) {
            ebp -= 4;
            PUSH(*(uint32_t *)ebp);
        }
        if (cases[c].l)
            PUSH(frame);
        ebp = frame;
        esp -= cases[c].n;
        snprintf(label, sizeof label, "enter %u,%u esp", cases[c].n, cases[c].l);
        t_eq(label, enter_res[0] - (uint32_t)estack, esp - (uint32_t)estack);
        snprintf(label, sizeof label, "enter %u,%u ebp", cases[c].n, cases[c].l);
        t_eq(label, enter_res[1] - (uint32_t)estack, ebp - (uint32_t)estack);
        snprintf(label, sizeof label, "enter %u,%u stack", cases[c].n, cases[c].l);
        t_ok(label, memcmp(model, estack, sizeof model) == 0);
        snprintf(label, sizeof label, "leave after enter %u,%u", cases[c].n, cases[c].l);
        t_ok(label, enter_res[2] == enter_in_esp && enter_res[3] == enter_in_ebp);
    }
}

/* ---------------- pusha / popa ---------------- */
uint32_t pa_saved_esp, pa_stack_esp, pa_pushed[8], pa_out[8], pa_esp_after_popa;
uint16_t pa_pushed16[8];
uint32_t pa16_esp_delta;
static uint32_t pstack[64];
void pusha_test(void);
asm(".text\npusha_test:\n\t"
    "pushal\n\tmovl %esp, pa_saved_esp\n\t"
    "movl pa_stack_esp, %esp\n\t"
    "movl $0xa0a0a0a0, %eax\n\tmovl $0xc1c1c1c1, %ecx\n\tmovl $0xd2d2d2d2, %edx\n\tmovl $0xb3b3b3b3, %ebx\n\t"
    "movl $0x5b5b5b5b, %ebp\n\tmovl $0x56565656, %esi\n\tmovl $0xd1d1d1d1, %edi\n\t"
    "pushal\n\t"
    /* copy what was pushed */
    "movl 0(%esp), %eax\n\tmovl %eax, pa_pushed+0\n\tmovl 4(%esp), %eax\n\tmovl %eax, pa_pushed+4\n\t"
    "movl 8(%esp), %eax\n\tmovl %eax, pa_pushed+8\n\tmovl 12(%esp), %eax\n\tmovl %eax, pa_pushed+12\n\t"
    "movl 16(%esp), %eax\n\tmovl %eax, pa_pushed+16\n\tmovl 20(%esp), %eax\n\tmovl %eax, pa_pushed+20\n\t"
    "movl 24(%esp), %eax\n\tmovl %eax, pa_pushed+24\n\tmovl 28(%esp), %eax\n\tmovl %eax, pa_pushed+28\n\t"
    /* new values for popa; the ESP slot must be ignored */
    "movl $0x11, 0(%esp)\n\tmovl $0x22, 4(%esp)\n\tmovl $0x33, 8(%esp)\n\tmovl $0xdeadbeef, 12(%esp)\n\t"
    "movl $0x55, 16(%esp)\n\tmovl $0x66, 20(%esp)\n\tmovl $0x77, 24(%esp)\n\tmovl $0x88, 28(%esp)\n\t"
    "popal\n\t"
    "movl %edi, pa_out+0\n\tmovl %esi, pa_out+4\n\tmovl %ebp, pa_out+8\n\tmovl %esp, pa_out+12\n\t"
    "movl %ebx, pa_out+16\n\tmovl %edx, pa_out+20\n\tmovl %ecx, pa_out+24\n\tmovl %eax, pa_out+28\n\t"
    /* 16-bit forms */
    "movl $0xffff0001, %eax\n\tmovl $0xffff0002, %ecx\n\tmovl $0xffff0003, %edx\n\tmovl $0xffff0004, %ebx\n\t"
    "movl $0xffff0006, %ebp\n\tmovl $0xffff0007, %esi\n\tmovl $0xffff0008, %edi\n\t"
    "movl %esp, pa16_esp_delta\n\t"
    "pushaw\n\t"
    "subl %esp, pa16_esp_delta\n\t"
    "movl 0(%esp), %eax\n\tmovl %eax, pa_pushed16+0\n\tmovl 4(%esp), %eax\n\tmovl %eax, pa_pushed16+4\n\t"
    "movl 8(%esp), %eax\n\tmovl %eax, pa_pushed16+8\n\tmovl 12(%esp), %eax\n\tmovl %eax, pa_pushed16+12\n\t"
    "movl $0x12345678, %eax\n\t"
    "popaw\n\t"
    "movl %eax, pa_out16\n\t"
    "movl pa_saved_esp, %esp\n\tpopal\n\tret\n");
uint32_t pa_out16;

static void test_pusha(void)
{
    pa_stack_esp = (uint32_t)&pstack[60];
    pusha_test();
    static const uint32_t exp_pushed[8] = {0xd1d1d1d1, 0x56565656, 0x5b5b5b5b, 0, 0xb3b3b3b3, 0xd2d2d2d2,
                                           0xc1c1c1c1, 0xa0a0a0a0};
    int ok = 1;
    for (int i = 0; i < 8; i++)
        ok &= pa_pushed[i] == (i == 3 ? (uint32_t)&pstack[60] : exp_pushed[i]);
    t_ok("pushal order and esp value", ok);
    static const uint32_t exp_out[8] = {0x11, 0x22, 0x33, 0, 0x55, 0x66, 0x77, 0x88};
    ok = 1;
    for (int i = 0; i < 8; i++)
        ok &= pa_out[i] == (i == 3 ? (uint32_t)&pstack[60] : exp_out[i]);
    t_ok("popal ignores the esp slot", ok);
    t_eq("pushaw esp delta", pa16_esp_delta, 16);
    ok = pa_pushed16[0] == 8 && pa_pushed16[1] == 7 && pa_pushed16[2] == 6 &&
         pa_pushed16[3] == (uint16_t)(uint32_t)&pstack[60] && pa_pushed16[4] == 4 && pa_pushed16[5] == 3 &&
         pa_pushed16[6] == 2 && pa_pushed16[7] == 1;
    t_ok("pushaw order", ok);
    t_eq("popaw restores ax only in the low half", pa_out16, 0x12340001);
}

/* ---------------- flags / segment registers / cpuid / rdtsc ---------------- */
static uint32_t popf_roundtrip(uint32_t v)
{
    uint32_t out;
    asm volatile("pushfl\n\tpushl %1\n\tpopfl\n\tpushfl\n\tpopl %0\n\tpopfl" : "=r"(out) : "r"(v) : "cc", "memory");
    return out;
}

static void test_flags_segs(void)
{
    /* at CPL0 popf can change CF PF AF ZF SF IF DF OF IOPL NT AC ID, clears RF, leaves VM VIF VIP;
     * TF is left out (it would single-step) */
    t_eq("popf all ones (but TF)", popf_roundtrip(0xfffffeff), 0x00247ed7);
    t_eq("popf zero", popf_roundtrip(0), 0x00000002);
    t_eq("popf IOPL 3", popf_roundtrip(0x3002), 0x3002);
    {
        uint32_t out;
        asm volatile("pushfl\n\tpushl $0x00040000\n\tpopfl\n\tpushw $0x08d5\n\tpopfw\n\tpushfl\n\tpopl %0\n\tpopfl"
                     : "=r"(out)
                     :
                     : "cc", "memory");
        t_eq("popfw keeps the upper half (AC)", out, 0x000408d7);
        asm volatile("pushfl\n\tpushl $0x08d7\n\tpopfl\n\tmovl %%esp, %%ecx\n\tpushfw\n\tsubl %%esp, %%ecx\n\tpopw %%ax\n\t"
                     "movzwl %%ax, %0\n\tshll $16, %%ecx\n\torl %%ecx, %0\n\tpopfl"
                     : "=r"(out)
                     :
                     : "eax", "ecx", "cc", "memory");
        t_eq("pushfw pushes 2 bytes", out, 0x000208d7);
        /* cmc / clc / stc / cld / std */
        uint32_t f1, f2, f3;
        asm volatile("pushfl\n\tstc\n\tcmc\n\tpushfl\n\tpopl %0\n\tcmc\n\tpushfl\n\tpopl %1\n\tclc\n\tstd\n\tpushfl\n\tpopl "
                     "%2\n\tcld\n\tpopfl"
                     : "=r"(f1), "=r"(f2), "=r"(f3)
                     :
                     : "cc", "memory");
        t_ok("stc/cmc/clc/std", !(f1 & FL_CF) && (f2 & FL_CF) && !(f3 & FL_CF) && (f3 & FL_DF));
    }

    /* push/pop segment registers */
    {
        uint32_t d1, d2, v1, v2, v3, es;
        asm volatile("movl %%esp, %0\n\tpushl %%ds\n\tsubl %%esp, %0\n\tmovzwl (%%esp), %1\n\tpopl %%es"
                     : "=&r"(d1), "=&r"(v1)
                     :
                     : "memory");
        asm volatile("movl %%esp, %0\n\tpushw %%fs\n\tsubl %%esp, %0\n\tmovzwl (%%esp), %1\n\tpopw %%gs"
                     : "=&r"(d2), "=&r"(v2)
                     :
                     : "memory");
        asm volatile("pushl %%cs\n\tpopl %0\n\tmovl %%es, %1" : "=&r"(v3), "=&r"(es) : : "memory");
        t_eq("push ds: esp -= 4", d1, 4);
        t_eq("push ds: value", v1, 0x10);
        t_eq("pushw fs: esp -= 2", d2, 2);
        t_eq("pushw fs: value", v2, 0x10);
        t_eq("push cs: value", v3 & 0xffff, 0x08);
        t_eq("pop es / mov r32, es", es & 0xffff, 0x10);
        /* mov to memory writes exactly 16 bits */
        uint32_t mem = 0xaaaaaaaa;
        asm volatile("movw %%ds, %0" : "+m"(mem));
        t_eq("mov m16, ds writes 2 bytes", mem, 0xaaaa0010);
        mem = 0xbbbb0010;
        asm volatile("movw %0, %%fs\n\tmovw %%fs, %%ax\n\tmovw %%ax, %%gs" : : "m"(mem) : "eax");
        uint32_t gs;
        asm volatile("movl %%gs, %0" : "=r"(gs));
        t_eq("mov fs, m16 / mov gs, r16", gs & 0xffff, 0x10);
    }

    /* cpuid */
    {
        uint32_t a, b, c, d, a2, b2, c2, d2;
        asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
        asm volatile("cpuid" : "=a"(a2), "=b"(b2), "=c"(c2), "=d"(d2) : "a"(0), "c"(0));
        char v[13];
        memcpy(v, &b, 4);
        memcpy(v + 4, &d, 4);
        memcpy(v + 8, &c, 4);
        v[12] = 0;
        int printable = 1;
        for (int i = 0; i < 12; i++)
            printable &= v[i] >= 0x20 && v[i] < 0x7f;
        t_ok("cpuid leaf 0 vendor is 12 printable chars", printable);
        t_ok("cpuid leaf 0 consistent", a == a2 && b == b2 && c == c2 && d == d2 && a >= 1);
        asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
        t_ok("cpuid leaf 1 (TSC and CX8 advertised)", (d & (1 << 4)) && (d & (1 << 8)));
    }
    /* rdtsc */
    {
        uint32_t lo1, hi1, lo2, hi2;
        asm volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
        for (volatile int i = 0; i < 1000; i++)
            ;
        asm volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
        uint64_t t1 = ((uint64_t)hi1 << 32) | lo1, t2 = ((uint64_t)hi2 << 32) | lo2;
        t_ok("rdtsc increases", t2 > t1);
    }
}

/* ---------------- BCD ---------------- */
enum { DAA, DAS, AAA, AAS, AAM10, AAM16, AAD10, AAD7 };
static const char *const bcd_names[] = {"daa", "das", "aaa", "aas", "aam", "aam 16", "aad", "aad 7"};
static const uint32_t bcd_mask[] = {
    FL_CF | FL_AF | FL_SF | FL_ZF | FL_PF, /* daa: OF undefined */
    FL_CF | FL_AF | FL_SF | FL_ZF | FL_PF, /* das */
    FL_CF | FL_AF,                          /* aaa: OF SF ZF PF undefined */
    FL_CF | FL_AF,                          /* aas */
    FL_SF | FL_ZF | FL_PF,                  /* aam: OF AF CF undefined */
    FL_SF | FL_ZF | FL_PF,
    FL_SF | FL_ZF | FL_PF, /* aad */
    FL_SF | FL_ZF | FL_PF,
};

static NOINLINE uint32_t x_bcd(int op, uint32_t *pax, uint32_t fi)
{
    uint32_t ax = *pax, fo = 0;
    switch (op) {
    case DAA: asm volatile(FIN "daa" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    case DAS: asm volatile(FIN "das" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    case AAA: asm volatile(FIN "aaa" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    case AAS: asm volatile(FIN "aas" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    case AAM10: asm volatile(FIN "aam" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    case AAM16: asm volatile(FIN ".byte 0xd4, 0x10" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    case AAD10: asm volatile(FIN "aad" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    case AAD7: asm volatile(FIN ".byte 0xd5, 0x07" FOUT : "+a"(ax), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); break;
    }
    *pax = ax;
    return fo;
}

/* Intel SDM pseudocode */
static uint32_t ref_bcd(int op, uint32_t ax, uint32_t fin, uint32_t *res)
{
    uint32_t al = ax & 0xff, ah = (ax >> 8) & 0xff, up = ax & 0xffff0000;
    int af = !!(fin & FL_AF), cf = !!(fin & FL_CF);
    uint32_t f = 0;
    switch (op) {
    case DAA: {
        uint32_t old_al = al;
        int old_cf = cf;
        cf = 0;
        if ((al & 0xf) > 9 || af) {
            cf = old_cf || (al + 6 > 0xff);
            al = (al + 6) & 0xff;
            af = 1;
        } else
            af = 0;
        if (old_al > 0x99 || old_cf) {
            al = (al + 0x60) & 0xff;
            cf = 1;
        } else
            cf = 0;
        f = szp(al, 8);
        break;
    }
    case DAS: {
        uint32_t old_al = al;
        int old_cf = cf;
        cf = 0;
        if ((al & 0xf) > 9 || af) {
            cf = old_cf || (al < 6);
            al = (al - 6) & 0xff;
            af = 1;
        } else
            af = 0;
        if (old_al > 0x99 || old_cf) {
            al = (al - 0x60) & 0xff;
            cf = 1;
        }
        f = szp(al, 8);
        break;
    }
    case AAA:
        if ((al & 0xf) > 9 || af) {
            uint32_t x = ((ah << 8) | al) + 0x106;
            ah = (x >> 8) & 0xff;
            al = x & 0xff;
            af = cf = 1;
        } else
            af = cf = 0;
        al &= 0xf;
        break;
    case AAS:
        if ((al & 0xf) > 9 || af) {
            uint32_t x = ((ah << 8) | al) - 6;
            ah = ((x >> 8) - 1) & 0xff;
            al = x & 0xff;
            af = cf = 1;
        } else
            af = cf = 0;
        al &= 0xf;
        break;
    case AAM10:
    case AAM16: {
        uint32_t base = op == AAM10 ? 10 : 16;
        ah = al / base;
        al = al % base;
        f = szp(al, 8);
        break;
    }
    case AAD10:
    case AAD7: {
        uint32_t base = op == AAD10 ? 10 : 7;
        al = (al + ah * base) & 0xff;
        ah = 0;
        f = szp(al, 8);
        break;
    }
    }
    f |= (af ? FL_AF : 0) | (cf ? FL_CF : 0);
    *res = up | (ah << 8) | al;
    return f;
}

static void test_bcd(void)
{
    for (int op = 0; op < 8; op++) {
        grp_begin();
        for (uint32_t al = 0; al < 256; al++)
            for (int fl = 0; fl < 4; fl++)
                for (int h = 0; h < 3; h++) {
                    static const uint32_t ahs[3] = {0x00, 0x12, 0xff};
                    uint32_t ax = 0xabcd0000 | (ahs[h] << 8) | al;
                    uint32_t fin = FL_FIXED | (fl & 1 ? FL_AF : 0) | (fl & 2 ? FL_CF : 0) | (h == 1 ? FL_ZF | FL_SF : 0);
                    uint32_t res, ef = ref_bcd(op, ax, fin, &res), got = ax;
                    uint32_t fo = x_bcd(op, &got, fin);
                    uint32_t m = bcd_mask[op];
                    grp_check(got == res && (fo & m) == (ef & m), "%s ax=%04x af=%d cf=%d: got %04x fl %03x exp %04x fl %03x",
                              bcd_names[op], ax & 0xffff, fl & 1, fl >> 1, got & 0xffff, fo & m, res & 0xffff, ef & m);
                    grp_hash(got);
                    grp_hash(fo & m);
                }
        grp_end(bcd_names[op]);
    }
    /* aam 0 raises #DE */
    uint32_t ax = 0x1234;
    fault_reset();
    asm volatile(FAULT_SETUP ".byte 0xd4, 0x00" FAULT_DONE : "+a"(ax) : : "memory", "cc");
    t_ok("aam 0 raises #DE at the aam", fault_vector == 0 && fault_eip == fault_ip && ax == 0x1234);
}

/* ---------------- cbw cwde cwd cdq movzx movsx ---------------- */
static void test_ext(void)
{
    grp_begin();
    for (int n = 0; n < 64; n++) {
        uint32_t v = n < (int)NEDGE ? edge[n] : rng();
        v ^= 0x5a5a0000 * (n & 1);
        uint32_t a = v, d = 0x77777777;
        asm("cbtw" : "+a"(a));
        grp_check(a == ((v & 0xffff0000) | ((uint32_t)(int32_t)(int8_t)v & 0xffff)), "cbw %08x -> %08x", v, a);
        grp_hash(a);
        a = v;
        asm("cwtl" : "+a"(a));
        grp_check(a == (uint32_t)(int32_t)(int16_t)v, "cwde %08x -> %08x", v, a);
        a = v;
        asm("cwtd" : "+a"(a), "+d"(d));
        grp_check(a == v && d == (0x77770000 | ((v & 0x8000) ? 0xffff : 0)), "cwd %08x -> %08x", v, d);
        a = v;
        asm("cltd" : "+a"(a), "=d"(d));
        grp_check(d == ((v & 0x80000000) ? 0xffffffff : 0), "cdq %08x -> %08x", v, d);

        uint32_t r1, r2, r3, r4, r5, r6, r7, r8;
        uint8_t m8 = (uint8_t)v;
        uint16_t m16 = (uint16_t)v;
        r7 = 0xeeeeeeee;
        r8 = 0xdddddddd;
        asm("movzbl %b4, %0\n\tmovsbl %b4, %1\n\tmovzwl %w4, %2\n\tmovswl %w4, %3"
            : "=&r"(r1), "=&r"(r2), "=&r"(r3), "=&r"(r4)
            : "Q"(v));
        asm("movzbl %2, %0\n\tmovswl %3, %1" : "=&r"(r5), "=&r"(r6) : "m"(m8), "m"(m16));
        asm("movzbl %h2, %0\n\tmovsbw %b2, %w1" : "=&r"(r7), "+&r"(r8) : "Q"(v));
        grp_check(r1 == (v & 0xff) && r2 == (uint32_t)(int32_t)(int8_t)v && r3 == (v & 0xffff) &&
                      r4 == (uint32_t)(int32_t)(int16_t)v && r5 == (v & 0xff) && r6 == (uint32_t)(int32_t)(int16_t)v &&
                      r7 == ((v >> 8) & 0xff) && r8 == (0xdddd0000 | ((uint32_t)(int16_t)(int8_t)v & 0xffff)),
                  "movzx/movsx %08x: %08x %08x %08x %08x %08x %08x %08x %08x", v, r1, r2, r3, r4, r5, r6, r7, r8);
        grp_hash(r1 ^ r2 ^ r3 ^ r4 ^ r5 ^ r6 ^ r7 ^ r8);
    }
    grp_end("cbw/cwde/cwd/cdq/movzx/movsx");
}

/* ---------------- lea ---------------- */
uint32_t lea_out[40], lea_esp;
void lea_test(void);
asm(".text\nlea_test:\n\t"
    "pushal\n\t"
    "movl %esp, lea_esp\n\t"
    "movl $0x1000, %eax\n\tmovl $0x00021234, %ebx\n\tmovl $0x300, %ecx\n\tmovl $0x04005678, %esi\n\t"
    "movl $0xfffffff0, %edi\n\tmovl $0x70009abc, %ebp\n\t"
    "leal (%eax), %edx\n\tmovl %edx, lea_out+0\n\t"
    "leal 0x7f(%ebx), %edx\n\tmovl %edx, lea_out+4\n\t"
    "leal -0x80(%ebx), %edx\n\tmovl %edx, lea_out+8\n\t"
    "leal 0x12345678(%ecx), %edx\n\tmovl %edx, lea_out+12\n\t"
    "leal (%eax,%ebx), %edx\n\tmovl %edx, lea_out+16\n\t"
    "leal (%eax,%ecx,2), %edx\n\tmovl %edx, lea_out+20\n\t"
    "leal (%eax,%ecx,4), %edx\n\tmovl %edx, lea_out+24\n\t"
    "leal 0x10(%eax,%ecx,8), %edx\n\tmovl %edx, lea_out+28\n\t"
    "leal 0x12345(,%ecx,4), %edx\n\tmovl %edx, lea_out+32\n\t"
    "leal 0x12345678, %edx\n\tmovl %edx, lea_out+36\n\t"
    "leal (%ebp), %edx\n\tmovl %edx, lea_out+40\n\t"
    "leal 4(%ebp,%esi,2), %edx\n\tmovl %edx, lea_out+44\n\t"
    "leal (%esp), %edx\n\tmovl %edx, lea_out+48\n\t"
    "leal 8(%esp,%eax,1), %edx\n\tmovl %edx, lea_out+52\n\t"
    "leal 0x20(%edi), %edx\n\tmovl %edx, lea_out+56\n\t"
    "leal -1(%edi,%edi,8), %edx\n\tmovl %edx, lea_out+60\n\t"
    ".byte 0x8d, 0x14, 0x20\n\tmovl %edx, lea_out+64\n\t"                            /* (%eax,%eiz,1) */
    ".byte 0x8d, 0x54, 0x60, 0x08\n\tmovl %edx, lea_out+68\n\t"                      /* 8(%eax,%eiz,2) */
    ".byte 0x8d, 0x14, 0x25, 0x78, 0x56, 0x34, 0x12\n\tmovl %edx, lea_out+72\n\t"    /* SIB no base no index */
    ".byte 0x8d, 0x94, 0x9d, 0x00, 0x01, 0x00, 0x00\n\tmovl %edx, lea_out+76\n\t"    /* 0x100(%ebp,%ebx,4) */
    ".byte 0x8d, 0x14, 0x9d, 0x00, 0x01, 0x00, 0x00\n\tmovl %edx, lea_out+80\n\t"    /* 0x100(,%ebx,4) */
    "movl $0xaaaa5555, %edx\n\tleaw 0x1234(%eax,%ebx), %dx\n\tmovl %edx, lea_out+84\n\t"
    "leal (%bx,%si), %edx\n\tmovl %edx, lea_out+88\n\t"
    "leal (%bx,%di), %edx\n\tmovl %edx, lea_out+92\n\t"
    "leal (%bp,%si), %edx\n\tmovl %edx, lea_out+96\n\t"
    "leal (%bp,%di), %edx\n\tmovl %edx, lea_out+100\n\t"
    "leal (%si), %edx\n\tmovl %edx, lea_out+104\n\t"
    "leal (%di), %edx\n\tmovl %edx, lea_out+108\n\t"
    ".byte 0x67, 0x8d, 0x16, 0x34, 0x12\n\tmovl %edx, lea_out+112\n\t"               /* disp16 only */
    "leal (%bx), %edx\n\tmovl %edx, lea_out+116\n\t"
    "leal 0x12(%bp), %edx\n\tmovl %edx, lea_out+120\n\t"
    "leal 0x1234(%bx,%si), %edx\n\tmovl %edx, lea_out+124\n\t"
    "leal -2(%di), %edx\n\tmovl %edx, lea_out+128\n\t"
    "leal 0x8000(%bx,%di), %edx\n\tmovl %edx, lea_out+132\n\t"
    "movl $0xaaaa5555, %edx\n\tleaw -1(%bp,%si), %dx\n\tmovl %edx, lea_out+136\n\t"
    "popal\n\tret\n");

static void test_lea(void)
{
    uint32_t eax = 0x1000, ebx = 0x00021234, ecx = 0x300, esi = 0x04005678, edi = 0xfffffff0, ebp = 0x70009abc;
    uint32_t bx = ebx & 0xffff, si = esi & 0xffff, di = edi & 0xffff, bp = ebp & 0xffff;
    lea_test();
    uint32_t esp = lea_esp;
    const uint32_t exp[35] = {
        eax,
        ebx + 0x7f,
        ebx - 0x80,
        ecx + 0x12345678,
        eax + ebx,
        eax + ecx * 2,
        eax + ecx * 4,
        eax + ecx * 8 + 0x10,
        ecx * 4 + 0x12345,
        0x12345678,
        ebp,
        ebp + esi * 2 + 4,
        esp,
        esp + eax + 8,
        edi + 0x20,
        edi * 9 - 1,
        eax,
        eax + 8,
        0x12345678,
        ebp + ebx * 4 + 0x100,
        ebx * 4 + 0x100,
        0xaaaa0000 | ((eax + ebx + 0x1234) & 0xffff),
        (bx + si) & 0xffff,
        (bx + di) & 0xffff,
        (bp + si) & 0xffff,
        (bp + di) & 0xffff,
        si,
        di,
        0x1234,
        bx,
        bp + 0x12,
        (bx + si + 0x1234) & 0xffff,
        (di - 2) & 0xffff,
        (bx + di + 0x8000) & 0xffff,
        0xaaaa0000 | ((bp + si - 1) & 0xffff),
    };
    static const char *const names[35] = {
        "(eax)",          "disp8(ebx)",        "-disp8(ebx)",       "disp32(ecx)",     "(eax,ebx)",
        "(eax,ecx,2)",    "(eax,ecx,4)",       "disp8(eax,ecx,8)",  "disp32(,ecx,4)",  "disp32",
        "(ebp)",          "disp8(ebp,esi,2)",  "(esp)",             "disp8(esp,eax)",  "disp8(edi) wrap",
        "-1(edi,edi,8)",  "(eax,eiz)",         "disp8(eax,eiz,2)",  "SIB disp32 only", "disp32(ebp,ebx,4)",
        "SIB disp32(,ebx,4)", "leaw 16-bit dest", "a16 (bx,si)",    "a16 (bx,di)",     "a16 (bp,si)",
        "a16 (bp,di)",    "a16 (si)",          "a16 (di)",          "a16 disp16",      "a16 (bx)",
        "a16 disp8(bp)",  "a16 disp16(bx,si)", "a16 -2(di) wrap",   "a16 (bx,di) wrap", "a16 leaw",
    };
    for (int i = 0; i < 35; i++) {
        char label[40];
        snprintf(label, sizeof label, "lea %s", names[i]);
        t_eq(label, lea_out[i], exp[i]);
    }

    /* mov through 16-bit addressing into low memory */
    uint32_t v = 0xfeedf00d, r = 0, bxv = 0x1234c000, siv = 0x00000010;
    asm volatile("movl %[v], 4(%%bx,%%si)\n\tmovl 4(%%bx,%%si), %[r]" : [r] "=r"(r) : [v] "r"(v), "b"(bxv), "S"(siv) : "memory");
    t_eq("a16 mov store/load", r, v);
    t_eq("a16 mov linear address", *(volatile uint32_t *)0xc014, v);
}

/* ---------------- 0x66 operand size ---------------- */
static void test_opsize(void)
{
    uint32_t a = 0x12345678, b = 0xaaaaaaaa, d1, d2, d3, p1, p2, p3, fo;
    asm volatile("movw $0xbeef, %w0\n\taddw $0x0102, %w0\n\tmovw %w0, %w1" : "+r"(a), "+r"(b));
    t_eq("movw imm16 / addw", a, 0x1234bff1);
    t_eq("movw r16, r16", b, 0xaaaabff1);
    uint32_t mem = 0x55555555;
    asm volatile("movw %w1, %0\n\taddw $0xffff, %0" : "+m"(mem) : "r"(0xffff1111));
    t_eq("movw/addw to memory", mem, 0x55551110);
    a = 0xffff;
    asm volatile(FIN "addw $1, %w[a]" FOUT : [a] "+r"(a), [fo] "=r"(fo) : [fi] "r"(FL_FIXED) : "cc");
    t_eq("addw 0xffff+1 result", a, 0);
    t_eq("addw 0xffff+1 flags", fo & FL_ARITH, FL_CF | FL_ZF | FL_PF | FL_AF);
    asm volatile("movl %%esp, %0\n\tpushw $0x1234\n\tsubl %%esp, %0\n\tmovl %%esp, %1\n\tpushw $-2\n\tsubl %%esp, %1"
                 : "=&r"(d1), "=&r"(d2)
                 :
                 : "memory");
    asm volatile("movl %%esp, %0\n\tpushw %%ax\n\tsubl %%esp, %0\n\tpopw %w1\n\tpopw %w2\n\tpopw %w3"
                 : "=&r"(d3), "=&r"(p1), "=&r"(p2), "=&r"(p3)
                 : "a"(0x9876)
                 : "memory");
    t_ok("pushw imm16/imm8/reg: esp -= 2", d1 == 2 && d2 == 2 && d3 == 2);
    t_ok("popw values", (p1 & 0xffff) == 0x9876 && (p2 & 0xffff) == 0xfffe && (p3 & 0xffff) == 0x1234);
    uint32_t x = 0xdead0000;
    asm volatile("pushl $0x11112222\n\tpopw %w0\n\tpopw %%ax" : "+r"(x) : : "eax", "memory");
    t_eq("popw into the low half", x, 0xdead2222);
}

/* ---------------- loops ---------------- */
static void test_loops(void)
{
    uint32_t n, c, f1, f2;
    c = 5, n = 0;
    asm volatile("1: incl %0\n\tloop 1b" : "+r"(n), "+c"(c));
    t_ok("loop 5", n == 5 && c == 0);
    c = 1, n = 0;
    asm volatile("1: incl %0\n\tloop 1b" : "+r"(n), "+c"(c));
    t_ok("loop 1", n == 1 && c == 0);
    /* loop does not touch flags */
    c = 3;
    asm volatile("stc\n\tpushfl\n\tpopl %0\n\t1: loop 1b\n\tpushfl\n\tpopl %1" : "=r"(f1), "=r"(f2), "+c"(c) : : "cc");
    t_ok("loop keeps flags", f1 == f2 && c == 0);
    /* loope: stop at the first element != 7 */
    static const uint32_t arr[8] = {7, 7, 7, 3, 7, 7, 7, 7};
    const uint32_t *p = arr;
    c = 8;
    asm volatile("subl $4, %0\n1:\taddl $4, %0\n\tcmpl $7, (%0)\n\tloope 1b" : "+r"(p), "+c"(c) : : "cc");
    t_ok("loope stops at ZF=0", p == &arr[3] && c == 4);
    p = arr;
    c = 8;
    asm volatile("subl $4, %0\n1:\taddl $4, %0\n\tcmpl $3, (%0)\n\tloopne 1b" : "+r"(p), "+c"(c) : : "cc");
    t_ok("loopne stops at ZF=1", p == &arr[3] && c == 4);
    p = arr;
    c = 3;
    asm volatile("subl $4, %0\n1:\taddl $4, %0\n\tcmpl $7, (%0)\n\tloope 1b" : "+r"(p), "+c"(c) : : "cc");
    t_ok("loope stops at ECX=0", p == &arr[2] && c == 0);
    uint32_t t;
    c = 0;
    asm volatile("movl $0, %0\n\tjecxz 1f\n\tmovl $1, %0\n1:" : "=r"(t) : "c"(c));
    t_eq("jecxz taken for ecx=0", t, 0);
    c = 0x10000;
    asm volatile("movl $0, %0\n\tjecxz 1f\n\tmovl $1, %0\n1:" : "=r"(t) : "c"(c));
    t_eq("jecxz not taken for ecx=0x10000", t, 1);
    asm volatile("movl $0, %0\n\tjcxz 1f\n\tmovl $1, %0\n1:" : "=r"(t) : "c"(c));
    t_eq("jcxz (0x67) taken for cx=0", t, 0);
    c = 0x00010003, n = 0;
    asm volatile("1: incl %0\n\taddr16 loop 1b" : "+r"(n), "+c"(c));
    t_ok("loop with cx (0x67)", n == 3 && c == 0x00010000);
}

/* ---------------- nops ---------------- */
static void test_nops(void)
{
    uint32_t a = 0x11, b = 0x22, c = 0x33, d = 0x44, f1, f2;
    asm volatile("stc\n\tpushfl\n\tpopl %[f1]\n\t"
                 "nop\n\t.byte 0x66, 0x90\n\t.byte 0xf3, 0x90\n\txchgl %%eax, %%eax\n\t"
                 ".byte 0x0f, 0x1f, 0x00\n\t.byte 0x0f, 0x1f, 0x40, 0x00\n\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"
                 ".byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t.byte 0x0f, 0x1f, 0x80, 0, 0, 0, 0\n\t"
                 ".byte 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0\n\t.byte 0x66, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0\n\t"
                 ".byte 0x66, 0x66, 0x90\n\t.byte 0x8d, 0x76, 0x00\n\t.byte 0x8d, 0xb4, 0x26, 0, 0, 0, 0\n\t"
                 "pushfl\n\tpopl %[f2]"
                 : [f1] "=&S"(f1), [f2] "=&D"(f2), "+a"(a), "+b"(b), "+c"(c), "+d"(d)
                 :
                 : "cc", "memory");
    t_ok("nop forms change nothing", f1 == f2 && a == 0x11 && b == 0x22 && c == 0x33 && d == 0x44);
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("misc");
    rng_seed(0x31415926);
    test_xadd_cmpxchg();
    test_enter();
    test_pusha();
    test_flags_segs();
    test_bcd();
    test_ext();
    test_lea();
    test_opsize();
    test_loops();
    test_nops();
    t_end();
}
