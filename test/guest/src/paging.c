/*
 * paging: 2-level 32-bit paging (CPL 0).
 *  - identity map of the first 8 MiB with 4 KiB page tables, CR0.PG on;
 *  - reads/writes through a mapping, alias mappings (two virtual pages on
 *    one physical page), separate page directories switched through CR3;
 *  - #PF on a not-present PTE / PDE: error code 0 (read) / 2 (write), CR2,
 *    saved EIP at the instruction, registers and ESP unchanged in the frame,
 *    the handler maps the page and the instruction restarts;
 *  - read-only pages: CR0.WP=0 lets CPL 0 write, CR0.WP=1 faults with
 *    error code 3 (also a read-only PDE over a writable PTE, and a
 *    read-modify-write instruction, which must not write);
 *  - accessed / dirty bits set by the walk (PTE and PDE A; D only on
 *    writes, also on the first write after a read was cached);
 *  - invlpg after changing a PTE; a changed PTE without invlpg followed by a
 *    CR3 reload;
 *  - 4 MiB pages (CR4.PSE, PDE.PS): data, A/D in the PDE, invlpg anywhere in
 *    the large page; PDE.PS ignored without CR4.PSE;
 *  - code: a page remapped to other code (invlpg, CR3 reload, CR3 switch),
 *    one physical code page at two virtual addresses, code patched through a
 *    data alias, a jump into a page whose mapping then changes, an
 *    instruction that straddles two pages whose second page is remapped,
 *    instruction fetch #PF (not-present page, and an instruction crossing
 *    into a not-present page);
 *  - data accesses crossing into a not-present / read-only page: CR2 = first
 *    byte of the missing page, no partial write; rep movsb faulting half way
 *    (ECX/ESI/EDI show the progress) and restarting;
 *  - global pages (CR4.PGE): a CR3 load still drops every non-global
 *    translation (code and data); invlpg and clearing CR4.PGE drop global
 *    ones;
 *  - paging off (CR0.PG=0) and on again.
 */
#include "rt.h"

#define P 0x001u
#define W 0x002u
#define A 0x020u
#define D 0x040u
#define PS 0x080u
#define CR0_PG 0x80000000u
#define CR0_WP 0x00010000u
#define CR4_PSE 0x00000010u
#define CR4_PGE 0x00000080u
#define G 0x100u

/* test area: PDE 256 (0x40000000..0x403fffff), page n */
#define TBASE 0x40000000u
#define TV(n) (TBASE + (uint32_t)(n) * 0x1000u)
/* physical test pages, identity mapped */
#define PHYS(n) (0x600000u + (uint32_t)(n) * 0x1000u)

static volatile uint32_t pd[1024] ALIGNED(4096);
static volatile uint32_t pd_b[1024] ALIGNED(4096);
static volatile uint32_t pt_id[2][1024] ALIGNED(4096);
static volatile uint32_t pt_test[1024] ALIGNED(4096);
static volatile uint32_t pt_test_b[1024] ALIGNED(4096);
static volatile uint32_t pt_ro[1024] ALIGNED(4096);

static inline uint32_t rd_cr0(void) { uint32_t v; asm volatile("movl %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t rd_cr2(void) { uint32_t v; asm volatile("movl %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t rd_cr3(void) { uint32_t v; asm volatile("movl %%cr3, %0" : "=r"(v)); return v; }
static inline uint32_t rd_cr4(void) { uint32_t v; asm volatile("movl %%cr4, %0" : "=r"(v)); return v; }
static inline void wr_cr0(uint32_t v) { asm volatile("movl %0, %%cr0" : : "r"(v) : "memory"); }
static inline void wr_cr3(uint32_t v) { asm volatile("movl %0, %%cr3" : : "r"(v) : "memory"); }
static inline void wr_cr4(uint32_t v) { asm volatile("movl %0, %%cr4" : : "r"(v) : "memory"); }
static inline void invlpg(uint32_t va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }

static inline uint32_t rd32(uint32_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint8_t rd8(uint32_t a) { return *(volatile uint8_t *)a; }
static inline void wr8(uint32_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

static void set_pte(uint32_t va, uint32_t v) { pt_test[(va >> 12) & 1023] = v; }
static uint32_t get_pte(uint32_t va) { return pt_test[(va >> 12) & 1023]; }
static void map(uint32_t va, uint32_t pa, uint32_t flags)
{
    set_pte(va, (pa & ~0xfffu) | flags);
    invlpg(va);
}
static void unmap(uint32_t va)
{
    set_pte(va, 0);
    invlpg(va);
}
static void reload_cr3(void) { wr_cr3(rd_cr3()); }

/* ---- page fault handler ---- */
volatile uint32_t pf_count, pf_err, pf_cr2, pf_eip, pf_expect_ip, pf_esp_before;
volatile uint32_t *volatile pf_fix_entry; /* non-null: write pf_fix_val there, invlpg(cr2), restart */
volatile uint32_t pf_fix_val;
volatile uint32_t pf_snap_addr, pf_snap; /* non-zero: read 4 bytes there at fault time */
struct regs pf_frame;

static void pf_reset(void)
{
    pf_count = 0;
    pf_err = pf_cr2 = pf_eip = 0xffffffff;
    pf_expect_ip = 0;
    pf_fix_entry = 0;
    pf_snap_addr = 0;
    pf_snap = 0xffffffff;
    fault_resume = 0;
}

static void pf_handler(struct regs *r)
{
    uint32_t cr2 = rd_cr2();
    pf_count++;
    pf_err = r->err;
    pf_cr2 = cr2;
    pf_eip = r->eip;
    pf_frame = *r;
    if (pf_snap_addr)
        pf_snap = rd32(pf_snap_addr);
    if (pf_count > 4) {
        printf("FAIL paging: page fault loop: eip %08x cr2 %08x err %x\n", r->eip, cr2, r->err);
        exit_qemu(1);
    }
    if (pf_fix_entry) {
        *pf_fix_entry = pf_fix_val;
        pf_fix_entry = 0;
        invlpg(cr2);
        return;
    }
    if (fault_resume) {
        r->eip = fault_resume;
        fault_resume = 0;
        return;
    }
    printf("FAIL paging: unexpected #PF eip %08x cr2 %08x err %x\n", r->eip, cr2, r->err);
    exit_qemu(1);
}

static void check_pf(const char *label, uint32_t count, uint32_t err, uint32_t cr2)
{
    char l[96];
    snprintf(l, sizeof l, "%s: fault count", label);
    t_eq(l, pf_count, count);
    if (!count)
        return;
    snprintf(l, sizeof l, "%s: error code", label);
    t_eq(l, pf_err, err);
    snprintf(l, sizeof l, "%s: cr2", label);
    t_eq(l, pf_cr2, cr2);
    snprintf(l, sizeof l, "%s: saved eip at the instruction", label);
    t_eq(l, pf_eip - pf_expect_ip, 0);
}

/* Read / write that resume after the instruction on a #PF. */
static uint32_t try_read(uint32_t va)
{
    uint32_t v = 0xdeadbeef;
    pf_reset();
    asm volatile("movl $1f, pf_expect_ip\n\tmovl $2f, fault_resume\n1:\tmovl (%1), %0\n2:\tmovl $0, fault_resume"
                 : "+r"(v)
                 : "r"(va)
                 : "memory");
    return v;
}
static void try_write(uint32_t va, uint32_t v)
{
    pf_reset();
    asm volatile("movl $1f, pf_expect_ip\n\tmovl $2f, fault_resume\n1:\tmovl %1, (%0)\n2:\tmovl $0, fault_resume"
                 :
                 : "r"(va), "r"(v)
                 : "memory");
}
static void try_write16(uint32_t va, uint32_t v)
{
    pf_reset();
    asm volatile("movl $1f, pf_expect_ip\n\tmovl $2f, fault_resume\n1:\tmovw %w1, (%0)\n2:\tmovl $0, fault_resume"
                 :
                 : "r"(va), "r"(v)
                 : "memory");
}

/* ---- code blobs ---- */
typedef uint32_t (*fn_t)(void);
static uint32_t call_va(uint32_t va) { return ((fn_t)va)(); }
static void put_ret_imm(uint32_t pa, uint32_t imm) /* mov $imm, %eax; ret */
{
    wr8(pa, 0xb8);
    wr8(pa + 1, imm);
    wr8(pa + 2, imm >> 8);
    wr8(pa + 3, imm >> 16);
    wr8(pa + 4, imm >> 24);
    wr8(pa + 5, 0xc3);
}
static void put_getpc(uint32_t pa) /* call 1f; 1: pop %eax; ret -> eax = address + 5 */
{
    static const uint8_t c[] = {0xe8, 0, 0, 0, 0, 0x58, 0xc3};
    for (unsigned i = 0; i < sizeof c; i++)
        wr8(pa + i, c[i]);
}
static void put_jmp_next_page(uint32_t pa) /* at a page start: jmp <start of next page> */
{
    uint32_t rel = 0x1000 - 5;
    wr8(pa, 0xe9);
    wr32(pa + 1, rel);
}
static uint32_t call_many(uint32_t va, int n)
{
    uint32_t first = call_va(va), same = 1;
    for (int i = 1; i < n; i++)
        if (call_va(va) != first)
            same = 0;
    return same ? first : 0xbad0bad0;
}

/* ================================================================ */

static void test_basic(void)
{
    /* identity mapping */
    wr32(PHYS(0), 0x11223344);
    t_eq("identity read", rd32(PHYS(0)), 0x11223344);
    t_eq("identity read of a kernel variable", pt_id[1][5], 0x405000 | P | W);

    map(TV(0), PHYS(0), P | W);
    t_eq("mapped read sees the physical page", rd32(TV(0)), 0x11223344);
    wr32(TV(0) + 8, 0xcafe0008);
    t_eq("mapped write lands in the physical page", rd32(PHYS(0) + 8), 0xcafe0008);
    wr8(TV(0) + 0xfff, 0x5a);
    t_eq("byte at the end of the page", rd8(PHYS(0) + 0xfff), 0x5a);

    /* alias: two virtual pages on one physical page */
    map(TV(1), PHYS(1), P | W);
    map(TV(2), PHYS(1), P | W);
    wr32(TV(1) + 0x40, 0xa1a1a1a1);
    t_eq("alias: write via page 1 seen via page 2", rd32(TV(2) + 0x40), 0xa1a1a1a1);
    wr32(TV(2) + 0x40, 0xb2b2b2b2);
    t_eq("alias: write via page 2 seen via page 1", rd32(TV(1) + 0x40), 0xb2b2b2b2);
    uint32_t sum = 0;
    for (int i = 0; i < 64; i++) {
        wr32(TV(1 + (i & 1)) + 4 * i, i * 3);
        sum += rd32(TV(2 - (i & 1)) + 4 * i);
    }
    t_eq("alias: alternating writes and reads", sum, 3 * 63 * 64 / 2);
}

static void test_not_present(void)
{
    /* read: the handler maps the page and the load restarts */
    {
        const uint32_t va = TV(3) + 0x10;
        wr32(PHYS(3) + 0x10, 0x12345678);
        unmap(TV(3));
        pf_reset();
        pf_fix_entry = &pt_test[3];
        pf_fix_val = PHYS(3) | P | W;
        uint32_t a = 0xa0a0a0a0, b = va, c = 0xc0c0c0c0, d = 0xd0d0d0d0, s = 0x50505050, di = 0xd1d1d1d1;
        asm volatile("movl %%esp, pf_esp_before\n\tmovl $1f, pf_expect_ip\n1:\tmovl (%%ebx), %%eax"
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di)
                     :
                     : "memory");
        check_pf("np read", 1, 0, va);
        t_ok("np read: frame registers before the load",
             pf_frame.eax == 0xa0a0a0a0 && pf_frame.ebx == va && pf_frame.ecx == 0xc0c0c0c0 &&
                 pf_frame.edx == 0xd0d0d0d0 && pf_frame.esi == 0x50505050 && pf_frame.edi == 0xd1d1d1d1);
        t_eq("np read: frame esp", pf_frame.esp_pusha + 20, pf_esp_before);
        t_eq("np read: frame cs", pf_frame.cs, SEL_CODE);
        t_eq("np read: restarted load result", a, 0x12345678);
        t_ok("np read: registers after restart",
             b == va && c == 0xc0c0c0c0 && d == 0xd0d0d0d0 && s == 0x50505050 && di == 0xd1d1d1d1);
    }
    /* write */
    {
        const uint32_t va = TV(4) + 0x20;
        wr32(PHYS(4) + 0x20, 0);
        unmap(TV(4));
        pf_reset();
        pf_fix_entry = &pt_test[4];
        pf_fix_val = PHYS(4) | P | W;
        uint32_t a = 0xa0a0a0a0, b = va, c = 0xc0ffee00, d = 0xd0d0d0d0, s = 0x50505050, di = 0xd1d1d1d1;
        asm volatile("movl %%esp, pf_esp_before\n\tmovl $1f, pf_expect_ip\n1:\tmovl %%ecx, (%%ebx)"
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di)
                     :
                     : "memory");
        check_pf("np write", 1, 2, va);
        t_ok("np write: frame registers",
             pf_frame.eax == 0xa0a0a0a0 && pf_frame.ebx == va && pf_frame.ecx == 0xc0ffee00 &&
                 pf_frame.edx == 0xd0d0d0d0 && pf_frame.esi == 0x50505050 && pf_frame.edi == 0xd1d1d1d1);
        t_eq("np write: frame esp", pf_frame.esp_pusha + 20, pf_esp_before);
        t_eq("np write: restarted store landed", rd32(PHYS(4) + 0x20), 0xc0ffee00);
        t_ok("np write: registers after restart",
             a == 0xa0a0a0a0 && b == va && c == 0xc0ffee00 && d == 0xd0d0d0d0 && s == 0x50505050 &&
                 di == 0xd1d1d1d1);
    }
    /* push of a memory operand on a not-present page: ESP unchanged in the frame */
    {
        wr32(PHYS(5) + 0xffc, 0x5eed5eed);
        unmap(TV(5));
        pf_reset();
        pf_fix_entry = &pt_test[5];
        pf_fix_val = PHYS(5) | P | W;
        uint32_t out, src = TV(5) + 0xffc;
        asm volatile("movl %%esp, pf_esp_before\n\t"
                     "movl $1f, pf_expect_ip\n"
                     "1:\tpushl (%1)\n\t"
                     "popl %0"
                     : "=r"(out)
                     : "r"(src)
                     : "memory");
        check_pf("np push from memory", 1, 0, TV(5) + 0xffc);
        t_eq("np push from memory: frame esp", pf_frame.esp_pusha + 20, pf_esp_before);
        t_eq("np push from memory: restarted push", out, 0x5eed5eed);
    }
    /* not-present PDE */
    {
        uint32_t v = try_read(0xc0000123);
        check_pf("np pde read", 1, 0, 0xc0000123);
        t_eq("np pde read: destination unchanged", v, 0xdeadbeef);
        try_write(0xc0400ffc, 1);
        check_pf("np pde write", 1, 2, 0xc0400ffc);
    }
}

static void test_wp(void)
{
    wr32(PHYS(7), 0x1000);
    map(TV(7), PHYS(7), P); /* read-only */
    wr_cr0(rd_cr0() & ~CR0_WP);
    t_eq("ro page: read", rd32(TV(7)), 0x1000);
    try_write(TV(7), 0x2000);
    check_pf("ro page WP=0: write", 0, 0, 0);
    t_eq("ro page WP=0: value written", rd32(PHYS(7)), 0x2000);
    t_eq("ro page WP=0: D set", get_pte(TV(7)) & (A | D), A | D);

    /* WP=1 without invlpg: CR0.WP applies at access time */
    wr_cr0(rd_cr0() | CR0_WP);
    try_write(TV(7), 0x3000);
    check_pf("ro page WP=1: write", 1, 3, TV(7));
    t_eq("ro page WP=1: value unchanged", rd32(PHYS(7)), 0x2000);
    t_eq("ro page WP=1: read", try_read(TV(7) + 0), 0x2000);
    check_pf("ro page WP=1: read", 0, 0, 0);

    /* read-modify-write: the load succeeds, the store faults, nothing written, then restart */
    {
        pf_reset();
        pf_fix_entry = &pt_test[7];
        pf_fix_val = PHYS(7) | P | W | A | D;
        pf_snap_addr = PHYS(7);
        uint32_t b = TV(7);
        asm volatile("movl $1f, pf_expect_ip\n1:\taddl $0x55, (%0)" : : "r"(b) : "memory", "cc");
        check_pf("ro page WP=1: add to memory", 1, 3, TV(7));
        t_eq("ro page WP=1: add to memory: no write at fault time", pf_snap, 0x2000);
        t_eq("ro page WP=1: add after the handler made it writable", rd32(PHYS(7)), 0x2055);
    }
    /* unaligned write to a read-only page */
    map(TV(7), PHYS(7), P);
    try_write(TV(7) + 0x7fd, 0xffffffff);
    check_pf("ro page WP=1: unaligned write", 1, 3, TV(7) + 0x7fd);

    /* read-only PDE over a writable PTE */
    pt_ro[0] = PHYS(8) | P | W;
    wr32(PHYS(8), 0x8888);
    reload_cr3();
    t_eq("ro pde: read", rd32(0x40400000), 0x8888);
    try_write(0x40400004, 0x1234);
    check_pf("ro pde WP=1: write", 1, 3, 0x40400004);
    wr_cr0(rd_cr0() & ~CR0_WP);
    try_write(0x40400004, 0x1234);
    check_pf("ro pde WP=0: write", 0, 0, 0);
    t_eq("ro pde WP=0: value written", rd32(PHYS(8) + 4), 0x1234);
    wr_cr0(rd_cr0() | CR0_WP);
}

static void test_accessed_dirty(void)
{
    pd[256] &= ~(A | D);
    set_pte(TV(10), PHYS(10) | P | W);
    set_pte(TV(11), PHYS(11) | P | W);
    set_pte(TV(12), PHYS(12) | P | W);
    reload_cr3();
    t_eq("fresh pte: A and D clear", get_pte(TV(10)) & (A | D), 0);
    (void)rd32(TV(10));
    t_eq("read: pte A set, D clear", get_pte(TV(10)) & (A | D), A);
    t_eq("read: pde A set", pd[256] & A, A);
    wr32(TV(10), 1);
    t_eq("write after read: pte D set", get_pte(TV(10)) & (A | D), A | D);
    wr32(TV(11) + 0x10, 1);
    t_eq("first access a write: pte A and D set", get_pte(TV(11)) & (A | D), A | D);
    t_eq("untouched pte: A and D clear", get_pte(TV(12)) & (A | D), 0);
    /* clear D, invlpg, write again */
    set_pte(TV(10), PHYS(10) | P | W | A);
    invlpg(TV(10));
    (void)rd32(TV(10));
    t_eq("after invlpg, read: D stays clear", get_pte(TV(10)) & (A | D), A);
    wr32(TV(10), 2);
    t_eq("after invlpg, write: D set again", get_pte(TV(10)) & (A | D), A | D);
    /* a byte write at the page end */
    wr8(TV(12) + 0xfff, 1);
    t_eq("byte write: A and D set", get_pte(TV(12)) & (A | D), A | D);
    /* instruction fetch sets A only */
    put_ret_imm(PHYS(13), 0x1313);
    set_pte(TV(13), PHYS(13) | P | W);
    invlpg(TV(13));
    t_eq("fetch: code ran", call_va(TV(13)), 0x1313);
    t_eq("fetch: pte A set, D clear", get_pte(TV(13)) & (A | D), A);
}

static void test_invlpg_cr3(void)
{
    wr32(PHYS(14), 0xaaaa0014);
    wr32(PHYS(15), 0xbbbb0015);
    map(TV(14), PHYS(14), P | W);
    t_eq("invlpg: old mapping", rd32(TV(14)), 0xaaaa0014);
    set_pte(TV(14), PHYS(15) | P | W);
    invlpg(TV(14));
    t_eq("invlpg: new mapping visible", rd32(TV(14)), 0xbbbb0015);
    wr32(TV(14) + 4, 0x44);
    t_eq("invlpg: write goes to the new page", rd32(PHYS(15) + 4), 0x44);

    map(TV(16), PHYS(14), P | W);
    t_eq("cr3 reload: old mapping", rd32(TV(16)), 0xaaaa0014);
    set_pte(TV(16), PHYS(15) | P | W);
    reload_cr3();
    t_eq("cr3 reload: new mapping visible", rd32(TV(16)), 0xbbbb0015);

    /* unmap + invlpg: the page faults again */
    map(TV(17), PHYS(14), P | W);
    (void)rd32(TV(17));
    unmap(TV(17));
    try_read(TV(17) + 0x100);
    check_pf("invlpg after unmapping", 1, 0, TV(17) + 0x100);

    /* two page directories, same virtual page, different physical pages */
    pt_test_b[18] = PHYS(15) | P | W;
    map(TV(18), PHYS(14), P | W);
    uint32_t cr3a = (uint32_t)pd, cr3b = (uint32_t)pd_b;
    uint32_t ra = rd32(TV(18));
    wr_cr3(cr3b);
    uint32_t rb = rd32(TV(18));
    wr_cr3(cr3a);
    uint32_t ra2 = rd32(TV(18));
    t_ok("cr3 switch: data per address space", ra == 0xaaaa0014 && rb == 0xbbbb0015 && ra2 == 0xaaaa0014);
}

static void test_pse(void)
{
    /* PDE.PS ignored without CR4.PSE: 0x400000 is then a page table */
    wr32(0x400000 + 4 * 1, PHYS(20) | P | W);
    wr32(PHYS(20) + 0x10, 0x20202020);
    wr32(0x401010, 0x40104010);
    pd[512] = 0x400000 | P | W | PS;
    wr_cr4(rd_cr4() & ~CR4_PSE);
    reload_cr3();
    t_eq("PDE.PS without CR4.PSE: 4 KiB walk", rd32(0x80001010), 0x20202020);
    wr_cr4(rd_cr4() | CR4_PSE);
    reload_cr3();
    t_eq("CR4.PSE set", rd_cr4() & CR4_PSE, CR4_PSE);
    t_eq("4 MiB page: read", rd32(0x80001010), 0x40104010);
    wr32(0x601234, 0x60123400);
    wr32(0x7f0010, 0x7f001000);
    wr32(0x3f0010, 0x3f001000);
    pd[512] = 0x400000 | P | W | PS;
    reload_cr3();
    t_eq("4 MiB page: read at offset 0x201234", rd32(0x80201234), 0x60123400);
    t_eq("4 MiB page: read near the end", rd32(0x803f0010), 0x7f001000);
    t_eq("4 MiB page: A set, D clear", pd[512] & (A | D), A);
    wr32(0x803f0014, 0x7f001400);
    t_eq("4 MiB page: write", rd32(0x7f0014), 0x7f001400);
    t_eq("4 MiB page: D set", pd[512] & (A | D), A | D);
    /* retarget the large page, invlpg an address in another 4 KiB part of it */
    (void)rd32(0x80000010);
    pd[512] = 0x000000 | P | W | PS;
    invlpg(0x80000010);
    t_eq("4 MiB page: invlpg anywhere in the page flushes it", rd32(0x803f0010), 0x3f001000);
    t_eq("4 MiB page: new target, other offset", rd32(0x80201234 - 0x200000 + 0x100000), rd32(0x101234));
    /* not-present neighbour */
    try_read(0x80400000);
    check_pf("4 MiB page: next PDE not present", 1, 0, 0x80400000);
    /* read-only large page */
    pd[512] = 0x400000 | P | PS;
    invlpg(0x80000000);
    try_write(0x80200000, 5);
    check_pf("4 MiB page: read-only write WP=1", 1, 3, 0x80200000);
    /* read-only large page code still runs */
    put_ret_imm(0x401800, 0x4180);
    t_eq("4 MiB page: code", call_va(0x80001800), 0x4180);
    pd[512] = 0;
    reload_cr3();
}

static void test_code(void)
{
    /* same virtual address, new code after invlpg */
    put_ret_imm(PHYS(21), 1);
    put_ret_imm(PHYS(22), 2);
    map(TV(21), PHYS(21), P | W);
    t_eq("code: run many times", call_many(TV(21), 1000), 1);
    map(TV(21), PHYS(22), P | W);
    t_eq("code: remapped with invlpg runs the new code", call_many(TV(21), 1000), 2);
    set_pte(TV(21), PHYS(21) | P | W);
    reload_cr3();
    t_eq("code: remapped, cr3 reload runs the new code", call_many(TV(21), 1000), 1);
    unmap(TV(21));
    pf_reset();
    pf_fix_entry = &pt_test[21];
    pf_fix_val = PHYS(22) | P | W;
    pf_expect_ip = TV(21);
    t_eq("code: hot page unmapped: fetch faults, handler maps other code", call_va(TV(21)), 2);
    check_pf("code: hot page unmapped", 1, 0, TV(21));

    /* same physical code at two virtual addresses */
    put_getpc(PHYS(23));
    map(TV(23), PHYS(23), P | W);
    map(TV(24), PHYS(23), P | W);
    {
        uint32_t bad = 0;
        for (int i = 0; i < 500; i++) {
            if (call_va(TV(23)) != TV(23) + 5)
                bad++;
            if (call_va(TV(24)) != TV(24) + 5)
                bad++;
        }
        t_eq("code: one physical page at two addresses", bad, 0);
    }

    /* code patched through a data alias of the same physical page */
    put_ret_imm(PHYS(25), 0x100);
    map(TV(25), PHYS(25), P | W);
    map(TV(26), PHYS(25), P | W);
    t_eq("code: before patch", call_many(TV(25), 1000), 0x100);
    wr32(TV(26) + 1, 0x200);
    t_eq("code: patched through a virtual alias", call_va(TV(25)), 0x200);
    wr32(PHYS(25) + 1, 0x300);
    t_eq("code: patched through the identity alias", call_va(TV(25)), 0x300);

    /* a hot jump into the next page, whose mapping changes */
    put_jmp_next_page(PHYS(27));
    put_ret_imm(PHYS(28), 0x11);
    put_ret_imm(PHYS(29), 0x22);
    map(TV(27), PHYS(27), P | W);
    map(TV(28), PHYS(28), P | W);
    t_eq("code: jump into the next page", call_many(TV(27), 1000), 0x11);
    map(TV(28), PHYS(29), P | W);
    t_eq("code: jump target page remapped (invlpg)", call_many(TV(27), 1000), 0x22);
    set_pte(TV(28), PHYS(28) | P | W);
    reload_cr3();
    t_eq("code: jump target page remapped (cr3 reload)", call_many(TV(27), 10), 0x11);

    /* two address spaces, same virtual address, different code */
    put_ret_imm(PHYS(30), 0xa);
    put_ret_imm(PHYS(31), 0xb);
    map(TV(30), PHYS(30), P | W);
    pt_test_b[30] = PHYS(31) | P | W;
    {
        uint32_t bad = 0;
        for (int i = 0; i < 200; i++) {
            wr_cr3((uint32_t)pd);
            if (call_va(TV(30)) != 0xa)
                bad++;
            wr_cr3((uint32_t)pd_b);
            if (call_va(TV(30)) != 0xb)
                bad++;
        }
        wr_cr3((uint32_t)pd);
        t_eq("code: cr3 switch between two address spaces", bad, 0);
    }

    /* instruction fetch from a not-present page */
    put_ret_imm(PHYS(32), 0x77);
    unmap(TV(32));
    pf_reset();
    pf_fix_entry = &pt_test[32];
    pf_fix_val = PHYS(32) | P | W;
    pf_expect_ip = TV(32);
    t_eq("fetch #PF: restarted code ran", call_va(TV(32)), 0x77);
    check_pf("fetch #PF", 1, 0, TV(32));

    /* an instruction crossing into a not-present page: mov $0x44332211, %eax at page end - 3 */
    wr8(PHYS(33) + 0xffd, 0xb8);
    wr8(PHYS(33) + 0xffe, 0x11);
    wr8(PHYS(33) + 0xfff, 0x22);
    wr8(PHYS(34) + 0, 0x33);
    wr8(PHYS(34) + 1, 0x44);
    wr8(PHYS(34) + 2, 0xc3);
    wr8(PHYS(35) + 0, 0x55);
    wr8(PHYS(35) + 1, 0x66);
    wr8(PHYS(35) + 2, 0xc3);
    map(TV(33), PHYS(33), P | W);
    unmap(TV(34));
    pf_reset();
    pf_fix_entry = &pt_test[34];
    pf_fix_val = PHYS(34) | P | W;
    pf_expect_ip = TV(33) + 0xffd;
    t_eq("fetch #PF crossing pages: restarted code ran", call_va(TV(33) + 0xffd), 0x44332211);
    check_pf("fetch #PF crossing pages", 1, 0, TV(34));
    t_eq("code crossing pages: hot", call_many(TV(33) + 0xffd, 1000), 0x44332211);
    map(TV(34), PHYS(35), P | W);
    t_eq("code crossing pages: second page remapped", call_many(TV(33) + 0xffd, 1000), 0x66552211);
}

static void test_cross_page_data(void)
{
    /* 4-byte store at page end - 2, next page not present */
    map(TV(36), PHYS(36), P | W);
    unmap(TV(37));
    wr32(PHYS(36) + 0xffc, 0x44332211);
    wr32(PHYS(37), 0x88776655);
    pf_reset();
    pf_fix_entry = &pt_test[37];
    pf_fix_val = PHYS(37) | P | W;
    pf_snap_addr = PHYS(36) + 0xffc;
    {
        uint32_t b = TV(36) + 0xffe, v = 0xddccbbaa;
        asm volatile("movl $1f, pf_expect_ip\n1:\tmovl %1, (%0)" : : "r"(b), "r"(v) : "memory");
    }
    check_pf("store crossing into a not-present page", 1, 2, TV(37));
    t_eq("store crossing: first page unchanged at fault time", pf_snap, 0x44332211);
    t_eq("store crossing: after restart, first page", rd32(PHYS(36) + 0xffc), 0xbbaa2211);
    t_eq("store crossing: after restart, second page", rd32(PHYS(37)), 0x8877ddcc);

    /* without restart: memory of the present page stays unchanged */
    unmap(TV(37));
    try_write(TV(36) + 0xffd, 0x01020304);
    check_pf("store crossing (resumed)", 1, 2, TV(37));
    t_eq("store crossing (resumed): first page unchanged", rd32(PHYS(36) + 0xffc), 0xbbaa2211);
    try_write16(TV(36) + 0xfff, 0x0909);
    check_pf("16-bit store crossing", 1, 2, TV(37));
    t_eq("16-bit store crossing: first page unchanged", rd32(PHYS(36) + 0xffc), 0xbbaa2211);

    /* load crossing */
    {
        uint32_t v = try_read(TV(36) + 0xffd);
        check_pf("load crossing into a not-present page", 1, 0, TV(37));
        t_eq("load crossing: destination unchanged", v, 0xdeadbeef);
        v = try_read(TV(36) + 0xffe);
        check_pf("load crossing at page end - 2", 1, 0, TV(37));
        t_eq("load crossing at page end - 2: destination unchanged", v, 0xdeadbeef);
    }
    /* first page not present, second present: CR2 = the address itself */
    map(TV(37), PHYS(37), P | W);
    unmap(TV(36));
    try_write(TV(36) + 0xffe, 0x12345678);
    check_pf("store crossing from a not-present page", 1, 2, TV(36) + 0xffe);
    t_eq("store crossing from a not-present page: second page unchanged", rd32(PHYS(37)), 0x8877ddcc);

    /* second page read-only (WP=1) */
    map(TV(36), PHYS(36), P | W);
    map(TV(37), PHYS(37), P);
    try_write(TV(36) + 0xffe, 0x12345678);
    check_pf("store crossing into a read-only page", 1, 3, TV(37));
    t_eq("store crossing into a read-only page: first page unchanged", rd32(PHYS(36) + 0xffc), 0xbbaa2211);
    t_eq("store crossing into a read-only page: second page unchanged", rd32(PHYS(37)), 0x8877ddcc);

    /* rep movsb running into a not-present page, then restarted */
    {
        static uint8_t src[16];
        for (int i = 0; i < 16; i++)
            src[i] = 0xe0 + i;
        for (int i = 0; i < 16; i++)
            wr8(PHYS(36) + 0xff0 + i, 0);
        wr32(PHYS(37), 0);
        wr32(PHYS(37) + 4, 0);
        unmap(TV(37));
        pf_reset();
        pf_fix_entry = &pt_test[37];
        pf_fix_val = PHYS(37) | P | W;
        uint32_t s = (uint32_t)src, d = TV(36) + 0xff8, c = 16;
        asm volatile("cld\n\tmovl $1f, pf_expect_ip\n1:\trep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
        check_pf("rep movsb into a not-present page", 1, 2, TV(37));
        t_ok("rep movsb: progress in the frame (ecx 8, esi/edi advanced 8)",
             pf_frame.ecx == 8 && pf_frame.esi == (uint32_t)src + 8 && pf_frame.edi == TV(37));
        t_ok("rep movsb: completed after restart", c == 0 && s == (uint32_t)src + 16 && d == TV(37) + 8);
        t_ok("rep movsb: data", rd32(PHYS(36) + 0xff8) == 0xe3e2e1e0 && rd32(PHYS(36) + 0xffc) == 0xe7e6e5e4 &&
                                    rd32(PHYS(37)) == 0xebeae9e8 && rd32(PHYS(37) + 4) == 0xefeeedec);
    }
}

static void test_paging_off_on(void)
{
    /* a non-identity mapping for 0x700000 -> 0x701000 */
    wr32(0x700000, 0x70000000);
    wr32(0x701000, 0x70100000);
    pt_id[1][0x300] = 0x701000 | P | W;
    invlpg(0x700000);
    map(TV(38), 0x700000, P | W);
    t_eq("paging on: 0x700000 maps to 0x701000", rd32(0x700000), 0x70100000);
    wr_cr0(rd_cr0() & ~CR0_PG);
    uint32_t off_cr0 = rd_cr0();
    uint32_t off_read = rd32(0x700000);
    wr32(0x700004, 0x5555);
    wr_cr0(rd_cr0() | CR0_PG);
    t_eq("paging off: CR0.PG clear", off_cr0 & CR0_PG, 0);
    t_eq("paging off: physical address", off_read, 0x70000000);
    t_eq("paging on again: mapping back", rd32(0x700000), 0x70100000);
    t_eq("paging on again: write done with paging off", rd32(TV(38) + 4), 0x5555);
    t_eq("paging on again: CR0.PG set", rd_cr0() & CR0_PG, CR0_PG);
    pt_id[1][0x300] = 0x700000 | P | W;
    invlpg(0x700000);
    t_eq("identity restored", rd32(0x700000), 0x70000000);
}

static void test_global_pages(void)
{
    wr_cr4(rd_cr4() | CR4_PGE);
    t_eq("CR4.PGE set", rd_cr4() & CR4_PGE, CR4_PGE);

    /* non-global code and data, two address spaces: each CR3 load drops them */
    put_ret_imm(PHYS(40), 0xa1);
    put_ret_imm(PHYS(41), 0xb1);
    wr32(PHYS(42), 0xa2);
    wr32(PHYS(43), 0xb2);
    map(TV(40), PHYS(40), P | W);
    map(TV(42), PHYS(42), P | W);
    pt_test_b[40] = PHYS(41) | P | W;
    pt_test_b[42] = PHYS(43) | P | W;
    {
        uint32_t bad = 0;
        for (int i = 0; i < 300; i++) {
            wr_cr3((uint32_t)pd);
            if (call_va(TV(40)) != 0xa1 || rd32(TV(42)) != 0xa2)
                bad++;
            wr_cr3((uint32_t)pd_b);
            if (call_va(TV(40)) != 0xb1 || rd32(TV(42)) != 0xb2)
                bad++;
        }
        wr_cr3((uint32_t)pd);
        t_eq("PGE: cr3 switch drops non-global code and data", bad, 0);
    }

    /* a global code page: invlpg drops it, and so does clearing CR4.PGE */
    put_ret_imm(PHYS(44), 0xc1);
    put_ret_imm(PHYS(45), 0xd1);
    map(TV(44), PHYS(44), P | W | G);
    t_eq("PGE: global code, hot", call_many(TV(44), 1000), 0xc1);
    map(TV(44), PHYS(45), P | W | G);
    t_eq("PGE: global code remapped (invlpg)", call_many(TV(44), 1000), 0xd1);
    set_pte(TV(44), PHYS(44) | P | W | G);
    wr_cr4(rd_cr4() & ~CR4_PGE);
    t_eq("PGE: global code remapped (CR4.PGE cleared)", call_many(TV(44), 1000), 0xc1);
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("paging");
    set_handler(14, pf_handler);

    for (int i = 0; i < 1024; i++) {
        pt_id[0][i] = (i << 12) | P | W;
        pt_id[1][i] = ((i + 1024) << 12) | P | W;
    }
    pd[0] = (uint32_t)pt_id[0] | P | W;
    pd[1] = (uint32_t)pt_id[1] | P | W;
    pd[256] = (uint32_t)pt_test | P | W;
    pd[257] = (uint32_t)pt_ro | P; /* read-only PDE */
    for (int i = 0; i < 1024; i++)
        pd_b[i] = pd[i];
    pd_b[256] = (uint32_t)pt_test_b | P | W;

    wr_cr4(rd_cr4() & ~CR4_PSE);
    wr_cr3((uint32_t)pd);
    wr_cr0(rd_cr0() | CR0_PG);
    t_eq("paging enabled", rd_cr0() & CR0_PG, CR0_PG);
    t_eq("cr3 readback", rd_cr3(), (uint32_t)pd);
    t_eq("pde A set by the walk", pd[0] & A, A);

    test_basic();
    test_not_present();
    test_wp();
    test_accessed_dirty();
    test_invlpg_cr3();
    test_pse();
    test_code();
    test_cross_page_data();
    test_global_pages();
    test_paging_off_on();
    t_end();
}
