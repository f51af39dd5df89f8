/*
 * string: movs stos lods cmps scas in byte/word/dword, without prefix,
 * with rep / repe / repne, DF = 0 and DF = 1, ECX = 0, overlapping moves
 * (element-by-element semantics), early termination of repe cmps / repne
 * scas (resulting ECX, ESI, EDI and flags), 16-bit address size (0x67:
 * SI/DI/CX with the upper halves ignored and preserved), segment override
 * on the source.  Every case is compared with a C model (registers, flags,
 * whole memory arena).
 */
#include "rt.h"

enum { MOVS, STOS, LODS, CMPS, SCAS, NOPS };
static const char *const op_names[NOPS] = {"movs", "stos", "lods", "cmps", "scas"};
static const char *const pfx_names[3] = {"", "rep ", "repne "};
static const char sz_names[3] = {'b', 'w', 'd'};

struct st {
    uint32_t esi, edi, ecx, eax, fl;
};

#define ARENA 1024
static uint8_t arena[ARENA] ALIGNED(16);
static uint8_t model[ARENA];

#define STR(pfx, insn)                                                                                             \
    asm volatile("pushl %[fi]\n\tpopfl\n\t" pfx insn "\n\tpushfl\n\tpopl %[fo]\n\tcld"                             \
                 : "+S"(s.esi), "+D"(s.edi), "+c"(s.ecx), "+a"(s.eax), [fo] "=r"(fo)                               \
                 : [fi] "r"(s.fl)                                                                                  \
                 : "memory", "cc")

#define SIZES(base, n, pfx, insn)                                                                                  \
    case (base) + 0:                                                                                               \
        STR(pfx, insn "b");                                                                                        \
        break;                                                                                                     \
    case (base) + 3:                                                                                               \
        STR(pfx, insn "w");                                                                                        \
        break;                                                                                                     \
    case (base) + 6:                                                                                               \
        STR(pfx, insn "l");                                                                                        \
        break;

/* variant = op * 9 + size * 3 + pfx */
static NOINLINE void exec(int op, int size, int pfx, struct st *p)
{
    struct st s = *p;
    uint32_t fo = 0;
    switch (op * 9 + size * 3 + pfx) {
        SIZES(0, 0, "", "movs")
        SIZES(1, 0, "rep ", "movs")
        SIZES(9, 0, "", "stos")
        SIZES(10, 0, "rep ", "stos")
        SIZES(18, 0, "", "lods")
        SIZES(19, 0, "rep ", "lods")
        SIZES(27, 0, "", "cmps")
        SIZES(28, 0, "repe ", "cmps")
        SIZES(29, 0, "repne ", "cmps")
        SIZES(36, 0, "", "scas")
        SIZES(37, 0, "repe ", "scas")
        SIZES(38, 0, "repne ", "scas")
    }
    s.fl = fo;
    *p = s;
}

static uint32_t rd(uint32_t addr, int n)
{
    uint32_t i = addr - (uint32_t)arena, v = 0;
    for (int k = n - 1; k >= 0; k--)
        v = (v << 8) | model[i + k];
    return v;
}
static void wr(uint32_t addr, int n, uint32_t v)
{
    uint32_t i = addr - (uint32_t)arena;
    for (int k = 0; k < n; k++)
        model[i + k] = (uint8_t)(v >> (8 * k));
}

static uint32_t sub_flags(uint32_t a, uint32_t b, int bits)
{
    uint32_t m = bits == 32 ? 0xffffffff : (1u << bits) - 1, sign = 1u << (bits - 1);
    uint32_t r = (a - b) & m, f = 0;
    if (a < b)
        f |= FL_CF;
    if ((a ^ b ^ r) & 0x10)
        f |= FL_AF;
    if ((a ^ b) & (a ^ r) & sign)
        f |= FL_OF;
    if (!r)
        f |= FL_ZF;
    if (r & sign)
        f |= FL_SF;
    if (parity8(r))
        f |= FL_PF;
    return f;
}

static void ref(int op, int size, int pfx, struct st *s)
{
    int n = 1 << size, bits = 8 * n;
    uint32_t m = bits == 32 ? 0xffffffff : (1u << bits) - 1;
    int step = (s->fl & FL_DF) ? -n : n;
    for (;;) {
        if (pfx && s->ecx == 0)
            break;
        switch (op) {
        case MOVS:
            wr(s->edi, n, rd(s->esi, n));
            s->esi += step;
            s->edi += step;
            break;
        case STOS:
            wr(s->edi, n, s->eax & m);
            s->edi += step;
            break;
        case LODS:
            s->eax = (s->eax & ~m) | rd(s->esi, n);
            s->esi += step;
            break;
        case CMPS:
            s->fl = (s->fl & ~FL_ARITH) | sub_flags(rd(s->esi, n), rd(s->edi, n), bits);
            s->esi += step;
            s->edi += step;
            break;
        case SCAS:
            s->fl = (s->fl & ~FL_ARITH) | sub_flags(s->eax & m, rd(s->edi, n), bits);
            s->edi += step;
            break;
        }
        if (!pfx)
            break;
        s->ecx--;
        if (op == CMPS || op == SCAS) {
            if (pfx == 1 && !(s->fl & FL_ZF))
                break;
            if (pfx == 2 && (s->fl & FL_ZF))
                break;
        }
    }
}

static int run(int op, int size, int pfx, uint32_t esi, uint32_t edi, uint32_t ecx, uint32_t eax, uint32_t fl)
{
    struct st in = {esi, edi, ecx, eax, fl}, got = in, exp = in;
    memcpy(model, arena, ARENA);
    ref(op, size, pfx, &exp);
    exec(op, size, pfx, &got);
    int ok = got.esi == exp.esi && got.edi == exp.edi && got.ecx == exp.ecx && got.eax == exp.eax &&
             (got.fl & (FL_ARITH | FL_DF | FL_FIXED)) == (exp.fl & (FL_ARITH | FL_DF | FL_FIXED)) &&
             memcmp(arena, model, ARENA) == 0;
    uint32_t base = (uint32_t)arena;
    grp_check(ok,
              "%s%s%c df=%u in esi=+%x edi=+%x ecx=%u eax=%08x: got esi=+%x edi=+%x ecx=%u eax=%08x fl=%03x mem %s; "
              "exp esi=+%x edi=+%x ecx=%u eax=%08x fl=%03x",
              pfx_names[pfx], op_names[op], sz_names[size], !!(fl & FL_DF), esi - base, edi - base, ecx, eax,
              got.esi - base, got.edi - base, got.ecx, got.eax, got.fl & (FL_ARITH | FL_DF),
              memcmp(arena, model, ARENA) ? "differs" : "ok", exp.esi - base, exp.edi - base, exp.ecx, exp.eax,
              exp.fl & (FL_ARITH | FL_DF));
    grp_hash(got.esi - base);
    grp_hash(got.edi - base);
    grp_hash(got.ecx);
    grp_hash(got.eax);
    grp_hash(got.fl & (FL_ARITH | FL_DF));
    memcpy(arena, model, ARENA); /* keep going from the model's state even after a failure */
    return ok;
}

static void fill(uint32_t seed, int alphabet)
{
    rng_seed(seed);
    for (int i = 0; i < ARENA; i++) {
        uint32_t r = rng();
        if (alphabet)
            arena[i] = (uint8_t[]){0, 1, 0x80, 0xff}[r & 3];
        else
            arena[i] = (uint8_t)r;
    }
}

static int npfx(int op) { return op >= CMPS ? 3 : 2; }

int main(uint32_t magic, uint32_t mbi)
{
    uint32_t A = (uint32_t)arena;
    char label[40];
    t_begin("string");

    /* systematic: every variant, DF 0/1, counts 0 1 2 5 17 */
    static const uint32_t counts[] = {0, 1, 2, 5, 17};
    for (int op = 0; op < NOPS; op++) {
        grp_begin();
        for (int size = 0; size < 3; size++)
            for (int pfx = 0; pfx < npfx(op); pfx++)
                for (int df = 0; df < 2; df++)
                    for (unsigned c = 0; c < ARRAY_SIZE(counts); c++) {
                        fill(op * 1000 + size * 100 + pfx * 10 + df + c, 0);
                        uint32_t fl = FL_FIXED | (df ? FL_DF : 0) | (c & 1 ? FL_ARITH : 0);
                        run(op, size, pfx, A + 300, A + 600, counts[c], 0x11223344, fl);
                    }
        snprintf(label, sizeof label, "%s basic", op_names[op]);
        grp_end(label);
    }

    /* overlapping moves: destination just after / before the source, both directions */
    grp_begin();
    static const int32_t dist[] = {1, 2, 3, 4, 5, 7, 8, -1, -2, -3, -4, -5, 0};
    for (int size = 0; size < 3; size++)
        for (int df = 0; df < 2; df++)
            for (unsigned d = 0; d < ARRAY_SIZE(dist); d++) {
                fill(77 + size * 31 + d, 0);
                run(MOVS, size, 1, A + 500, A + 500 + dist[d], 33, 0, FL_FIXED | (df ? FL_DF : 0));
            }
    grp_end("movs overlapping");

    /* early termination: repe cmps stops at the first difference, repne scas at the first match */
    grp_begin();
    for (int size = 0; size < 3; size++)
        for (int df = 0; df < 2; df++)
            for (int k = 0; k < 12; k++) {
                int n = 1 << size;
                uint32_t s0 = A + 300, d0 = A + 600;
                for (int i = 0; i < 200; i++)
                    arena[300 - 100 + i] = arena[600 - 100 + i] = (uint8_t)(i * 13);
                /* element k (counted in the direction of travel) differs */
                int32_t off = (df ? -k : k) * n;
                arena[300 + off] ^= 0x40;
                uint32_t fl = FL_FIXED | (df ? FL_DF : 0);
                run(CMPS, size, 1, s0, d0, 10, 0, fl);  /* k >= 10: runs out of ECX */
                run(CMPS, size, 2, s0, d0, 10, 0, fl);  /* repne: stops at the first equal element */
                /* scas: value of element k in EAX */
                for (int i = 0; i < 200; i++)
                    arena[600 - 100 + i] = 0xee;
                for (int b = 0; b < n; b++)
                    arena[600 + off + b] = (uint8_t)(0x31 + b);
                run(SCAS, size, 2, 0, d0, 10, 0x34333231, fl); /* repne: stops at the match */
                run(SCAS, size, 1, 0, d0, 10, 0xeeeeeeee, fl); /* repe: stops at the first non-0xee */
            }
    grp_end("cmps/scas termination");

    /* random sweep over all variants with a small alphabet (frequent equalities) */
    grp_begin();
    rng_seed(0x57123);
    for (int n = 0; n < 600; n++) {
        uint32_t r = rng();
        int op = r % NOPS, size = (r >> 4) % 3, pfx = (r >> 8) % npfx(op), df = (r >> 12) & 1;
        uint32_t ecx = (r >> 16) % 41;
        if ((r >> 24) == 0)
            ecx = 0;
        uint32_t seed = rng();
        uint32_t esi = A + 300 + rng() % 400, edi = A + 300 + rng() % 400, eax = rng_operand();
        uint32_t fl = FL_FIXED | (df ? FL_DF : 0) | (rng() & FL_ARITH);
        fill(seed, 1);
        rng_seed(seed ^ 0x55aa55aa);
        run(op, size, pfx, esi, edi, ecx, eax, fl);
    }
    grp_end("random");

    /* 16-bit address size: SI DI CX, upper halves ignored and preserved */
    {
        volatile uint8_t *low = (volatile uint8_t *)0xc000; /* low memory, addressable with 16-bit offsets */
        for (int i = 0; i < 512; i++)
            low[i] = (uint8_t)(i ^ 0x5a);
        uint32_t esi = 0xabcdc000, edi = 0x1234c100, ecx = 0x55550010;
        asm volatile(".byte 0x67\n\trep movsb" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
        int same = 1;
        for (int i = 0; i < 16; i++)
            same &= low[0x100 + i] == (uint8_t)(i ^ 0x5a);
        same &= low[0x110] == (uint8_t)(0x110 ^ 0x5a);
        t_ok("a16 rep movsb copies", same);
        t_eq("a16 rep movsb esi", esi, 0xabcdc010);
        t_eq("a16 rep movsb edi", edi, 0x1234c110);
        t_eq("a16 rep movsb ecx", ecx, 0x55550000);

        /* SI wraps at 64K in 16-bit addressing */
        uint32_t eax = 0;
        esi = 0x7777ffff;
        *(volatile uint8_t *)0xffff = 0x99;
        asm volatile(".byte 0x67\n\tlodsb\n\t.byte 0x67\n\tlodsb\n\t" : "+S"(esi), "+a"(eax) : : "memory");
        t_eq("a16 lodsb wraps si", esi, 0x77770001);

        edi = 0x0001c200;
        ecx = 0xffff0004;
        eax = 0xdeadbeef;
        asm volatile("std\n\t.byte 0x67\n\trep stosw\n\tcld" : "+D"(edi), "+c"(ecx) : "a"(eax) : "memory");
        t_eq("a16 std rep stosw di", edi, 0x0001c1f8);
        t_eq("a16 std rep stosw cx", ecx, 0xffff0000);
        t_eq("a16 std rep stosw data", *(volatile uint32_t *)0xc1fa, 0xbeefbeef);
        t_eq("a16 std rep stosw data2", *(volatile uint32_t *)0xc1fe, 0xbeefbeef);

        /* segment override on the source */
        static uint32_t src4[4] = {1, 2, 3, 4}, dst4[4];
        esi = (uint32_t)src4;
        edi = (uint32_t)dst4;
        ecx = 4;
        asm volatile("rep movsl %%fs:(%%esi), %%es:(%%edi)" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
        t_ok("rep movsl fs: override", dst4[0] == 1 && dst4[3] == 4 && ecx == 0);
    }
    t_end();
}
