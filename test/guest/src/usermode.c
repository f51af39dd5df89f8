/*
 * usermode: privilege levels (ring 0 <-> ring 3) with paging.
 *  - GDT with ring-3 code/data (DPL 3), a TSS (ltr) with SS0:ESP0 and an I/O
 *    bitmap, an int 0x80 gate with DPL 3;
 *  - iret into ring 3 (CS=0x1b, SS=0x23, user stack on a user page); ring-3
 *    code computes, makes int 0x80 syscalls with arguments in registers; the
 *    handler sees CPL 3 in the saved CS, runs on the TSS stack with the user
 *    SS:ESP saved, returns a value in EAX; DS/ES (DPL 3) survive syscalls;
 *  - ring-3 privileged instructions (hlt, cli/sti, mov cr/dr, lgdt, lidt,
 *    lldt, ltr, lmsw, clts, invlpg, wbinvd, invd, rdmsr/wrmsr, rdpmc, rdtsc
 *    with CR4.TSD, in/out/ins/outs with IOPL 0) -> #GP(0) at the instruction;
 *    sgdt/sidt/smsw/str/sldt are allowed;
 *  - I/O bitmap in the TSS (one port opened), IOPL 3 (in/out/cli/sti);
 *  - pushf/popf and same-level iret cannot change IOPL or IF at CPL 3/IOPL 0;
 *  - #PF from ring 3: supervisor page (5/7), not present (4/6), read-only
 *    user page (7, with CR0.WP 0 and 1), U/S and R/W from the PDE, fetch
 *    from a supervisor page — each after ring 0 touched the same address;
 *  - int n through gates with DPL 0 (int 0x81, int3, int $3, into) and an
 *    empty gate -> #GP(vector*8+2); #UD and #DE from ring 3;
 *  - segment protection from ring 3 (kernel data into DS/SS, far jmp/call,
 *    iret, lret to ring 0) and conforming code into DS;
 *  - call gate (DPL 3) into ring 0 with 2 parameters, lret $8 back;
 *  - iret to ring 3 nulls DS/ES/FS/GS with DPL < 3 (kernel data), but not
 *    a conforming code segment; also after a syscall that set them;
 *  - a timer interrupt taken in ring 3; a new ESP0 is used at the next entry;
 *  - sysenter/sysexit when CPUID reports SEP (the bit is printed), #GP for
 *    sysexit at CPL 3 and sysenter with SYSENTER_CS = 0;
 *  - last, kernel stacks, TSS, GDT, IDT and page tables on supervisor-only
 *    pages (as in a real kernel; until then they are user-accessible so
 *    that a failure there does not hide the other checks): syscalls,
 *    faults, segment loads, iret and a call gate from/to ring 3 again.
 */
#include "rt.h"

#define P 0x001u
#define W 0x002u
#define U 0x004u
#define CR0_PG 0x80000000u
#define CR0_WP 0x00010000u
#define CR4_TSD 0x00000004u
#define CR4_PCE 0x00000100u

#define KCODE 0x08
#define KDATA 0x10
#define UCODE 0x1b
#define UDATA 0x23
#define TSS_SEL 0x28
#define CONF_SEL 0x33 /* gdt[6]: conforming readable code, DPL 0 (RPL 3) */
#define CG_SEL 0x3b   /* gdt[7]: call gate, DPL 3 */

#define SYS_EXIT 0
#define SYS_ADD 1
#define SYS_INFO 2
#define SYS_SETSEG 3

#define ANY 0xffffffffu

struct ustate {
    uint32_t eip, esp, eflags, ds, es, fs, gs, eax, ebx, ecx, edx, esi, edi, ebp;
};
uint32_t enter_user(struct ustate *u);
void return_to_kernel(uint32_t v) __attribute__((noreturn));
void cg_target(void), se_entry(void);
extern char user_text_start[], user_text_end[], stack_bottom[], stack_top[];
extern char u_exit[], u_nop[], u_hlt[], u_cli[], u_sti[], u_rd_cr0[], u_wr_cr0[], u_rd_cr3[], u_wr_cr3[], u_rd_cr4[],
    u_rd_dr7[], u_wr_dr7[], u_lgdt[], u_lidt[], u_lldt[], u_ltr[], u_lmsw[], u_clts[], u_invlpg[], u_wbinvd[],
    u_invd[], u_rdmsr[], u_wrmsr[], u_rdpmc[], u_rdtsc[], u_inb_imm[], u_outb_imm[], u_inb_dx[], u_outl_dx[],
    u_inw_imm[], u_insb[], u_outsb[], u_sysexit[], u_int81[], u_int3[], u_int_3[], u_into[], u_int90[], u_ud2[],
    u_div0[], u_ld_ds_kdata[], u_ld_ss_kdata[], u_ljmp_kcode[], u_lcall_kcode[], u_iret_kcode[],
    u_iret_kcode_insn[], u_lret_kcode[], u_lret_kcode_insn[], u_read[], u_write[], u_call[], u_ld_ds_conf[],
    u_segs[], u_sc_segs[], u_popf[], u_iret_flags[], u_iopl3[], u_callgate[], u_sysenter[], u_sysenter_insn[],
    u_wait_irq[];
uint32_t kernel_esp;
uint32_t cg_cs, cg_ss, cg_esp, cg_p0, cg_p1, cg_uesp, cg_uss;
uint32_t se_cs, se_ss, se_esp, se_eflags;

/* The TSS followed by its I/O permission bitmap (and the all-ones byte after it). */
static struct {
    struct tss32 t;
    uint8_t bitmap[8192 + 1];
} __attribute__((packed)) tss_area ALIGNED(4096);
#define tss tss_area.t

static uint8_t kstack[2][8192] ALIGNED(4096);
static uint8_t sestack[4096] ALIGNED(4096);
static uint8_t ustack[4096] ALIGNED(4096);
static uint8_t tpage[6][4096] ALIGNED(4096);
#define SPAGE ((uint32_t)tpage[0])  /* supervisor data */
#define ROPAGE ((uint32_t)tpage[1]) /* user, read-only */
#define NPPAGE ((uint32_t)tpage[2]) /* not present */
#define SCODE ((uint32_t)tpage[3])  /* supervisor code */
#define UPAGE ((uint32_t)tpage[4])  /* user page behind the special PDEs */
#define UCODEPG ((uint32_t)tpage[5]) /* user code */
#define VA_PDE_S 0x800000u          /* PDE 2: U/S = 0, PTE user */
#define VA_PDE_RO 0xc00000u         /* PDE 3: R/W = 0, PTE writable */
static volatile uint32_t pd[1024] ALIGNED(4096);
static volatile uint32_t pt[4][1024] ALIGNED(4096);

/* everything ring 3 writes or reads (besides its stack and the test pages) */
static struct udata {
    uint32_t cs, ss, ds, es, fs, gs;
    uint32_t hash;
    uint32_t add, add_regs, ebp0, ebp1, esp_at_int;
    uint32_t info_ret, esp_info, eip_info;
    uint32_t ds2, es2, fs2, gs2;
    uint32_t fl0, fl1;
    uint8_t sgdt[8], sidt[8];
    uint16_t smsw, str, sldt, pad;
    volatile uint32_t irq_count;
} udata ALIGNED(4096);

static inline uint32_t rd_cr0(void) { uint32_t v; asm volatile("movl %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t rd_cr2(void) { uint32_t v; asm volatile("movl %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t rd_cr3(void) { uint32_t v; asm volatile("movl %%cr3, %0" : "=r"(v)); return v; }
static inline uint32_t rd_cr4(void) { uint32_t v; asm volatile("movl %%cr4, %0" : "=r"(v)); return v; }
static inline void wr_cr0(uint32_t v) { asm volatile("movl %0, %%cr0" : : "r"(v) : "memory"); }
static inline void wr_cr3(uint32_t v) { asm volatile("movl %0, %%cr3" : : "r"(v) : "memory"); }
static inline void wr_cr4(uint32_t v) { asm volatile("movl %0, %%cr4" : : "r"(v) : "memory"); }
static inline uint32_t rd32(uint32_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void wrmsr(uint32_t msr, uint32_t v)
{
    asm volatile("wrmsr" : : "c"(msr), "a"(v), "d"(0) : "memory");
}
static inline uint32_t read_cs(void) { uint32_t v; asm volatile("movl %%cs, %0" : "=r"(v)); return v & 0xffff; }

/* ---------------- traps from ring 3 ---------------- */
struct uframe {
    struct regs r;
    uint32_t esp, ss;
};
static volatile uint32_t t_vec, t_err, t_eip, t_cs, t_cr2, t_top, t_uesp, t_uss;
static struct regs t_regs;

static void user_trap(struct regs *r)
{
    struct uframe *f = (struct uframe *)r;
    if ((r->cs & 3) != 3) {
        if (fault_resume) { /* an expected ring-0 fault (FAULT_SETUP) */
            fault_vector = r->vector;
            fault_err = r->err;
            fault_eip = r->eip;
            r->eip = fault_resume;
            fault_resume = 0;
            return;
        }
        printf("FAIL usermode: unexpected ring-0 exception %u err %x eip %08x\n", r->vector, r->err, r->eip);
        exit_qemu(1);
    }
    t_vec = r->vector;
    t_err = r->err;
    t_eip = r->eip;
    t_cs = r->cs;
    t_cr2 = rd_cr2();
    t_top = (uint32_t)(f + 1);
    t_uesp = f->esp;
    t_uss = f->ss;
    t_regs = *r;
    return_to_kernel(r->vector);
}

static volatile uint32_t sc_cpl, sc_cs, sc_ss, sc_esp, sc_top, sc_eip, sc_ds, sc_es, sc_eflags;
static void syscall_handler(struct regs *r)
{
    struct uframe *f = (struct uframe *)r;
    if ((r->cs & 3) != 3) {
        printf("FAIL usermode: int 0x80 from ring 0 at %08x\n", r->eip);
        exit_qemu(1);
    }
    switch (r->eax) {
    case SYS_EXIT:
        user_trap(r);
        break;
    case SYS_ADD:
        r->eax = r->ebx + 2 * r->ecx + 3 * r->edx + 4 * r->esi + 5 * r->edi;
        break;
    case SYS_INFO:
        sc_cpl = read_cs() & 3;
        sc_cs = r->cs;
        sc_ss = f->ss;
        sc_esp = f->esp;
        sc_top = (uint32_t)(f + 1);
        sc_eip = r->eip;
        sc_ds = r->ds;
        sc_es = r->es;
        sc_eflags = r->eflags;
        r->eax = 0x1f0;
        break;
    case SYS_SETSEG:
        r->ds = KDATA;
        r->es = CONF_SEL;
        r->fs = KDATA;
        r->gs = UDATA;
        break;
    default:
        r->eax = 0xffffffff;
    }
}

static volatile uint32_t irq_cs, irq_top, irq_uss;
static void irq0_handler(struct regs *r)
{
    struct uframe *f = (struct uframe *)r;
    if (!udata.irq_count) {
        irq_cs = r->cs;
        irq_top = (uint32_t)(f + 1);
        irq_uss = (r->cs & 3) ? f->ss : 0;
    }
    udata.irq_count++;
    pic_eoi(0);
}

/* ---------------- running ring-3 code ---------------- */
static struct ustate us;
#define USER_ESP ((uint32_t)ustack + sizeof ustack - 16)

static void us_init(void *eip, uint32_t eflags)
{
    memset(&us, 0, sizeof us);
    us.eip = (uint32_t)eip;
    us.esp = USER_ESP;
    us.eflags = eflags;
    us.ds = us.es = us.fs = us.gs = UDATA;
}
static uint32_t run(void)
{
    t_vec = t_err = t_eip = t_cs = t_cr2 = t_top = t_uesp = t_uss = ANY;
    memset(&t_regs, 0xff, sizeof t_regs);
    return enter_user(&us);
}

static void expect_trap(const char *label, uint32_t vec, uint32_t err, uint32_t eip, uint32_t uesp, uint32_t cr2)
{
    int ok = t_vec == vec && (err == ANY || t_err == err) && (eip == ANY || t_eip == eip) &&
             (t_cs & 0xffff) == UCODE && t_top == tss.esp0 && (t_uss & 0xffff) == UDATA &&
             (uesp == ANY || t_uesp == uesp) && (cr2 == ANY || t_cr2 == cr2);
    if (ok) {
        t_checks++;
        printf("%s ok\n", label);
        return;
    }
    t_print_fail("%s: got vector %x err %x eip %08x cs %x stack-top %08x ss %x esp %08x cr2 %08x;"
                 " expected vector %x err %x eip %08x stack-top %08x esp %08x cr2 %08x (ffffffff: any)",
                 label, t_vec, t_err, t_eip, t_cs, t_top, t_uss, t_uesp, t_cr2, vec, err, eip, tss.esp0, uesp, cr2);
}
static void expect_exit(const char *label) { expect_trap(label, 0x80, 0, (uint32_t)u_exit + 7, ANY, ANY); }
static void expect_gp(const char *label, void *insn, uint32_t err) { expect_trap(label, 13, err, (uint32_t)insn, USER_ESP, ANY); }

/* ---------------- ring-3 C code ---------------- */
#define USER_FN __attribute__((section(".text.user"), noinline, noreturn))

USER_FN static void user_main(void)
{
    asm volatile("movl %%cs, %0" : "=r"(udata.cs));
    asm volatile("movl %%ss, %0" : "=r"(udata.ss));
    asm volatile("movl %%ds, %0" : "=r"(udata.ds));
    asm volatile("movl %%es, %0" : "=r"(udata.es));
    asm volatile("movl %%fs, %0" : "=r"(udata.fs));
    asm volatile("movl %%gs, %0" : "=r"(udata.gs));

    uint32_t h = HASH_INIT;
    for (uint32_t i = 0; i < 1000; i++)
        h = hash32(h, i * i + 7);
    udata.hash = h;

    {
        uint32_t a = SYS_ADD, b = 1, c = 2, d = 3, s = 4, di = 5;
        asm volatile("movl %%ebp, %[e0]\n\t"
                     "movl %%esp, %[sp]\n\t"
                     "int $0x80\n\t"
                     "movl %%ebp, %[e1]"
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di), [e0] "=m"(udata.ebp0),
                       [e1] "=m"(udata.ebp1), [sp] "=m"(udata.esp_at_int)
                     :
                     : "memory");
        udata.add = a;
        udata.add_regs = b == 1 && c == 2 && d == 3 && s == 4 && di == 5;
    }
    {
        uint32_t a = SYS_INFO;
        asm volatile("movl %%esp, %[sp]\n\t"
                     "int $0x80\n"
                     "1:\tmovl $1b, %[ip]"
                     : "+a"(a), [sp] "=m"(udata.esp_info), [ip] "=m"(udata.eip_info)
                     :
                     : "memory");
        udata.info_ret = a;
    }
    asm volatile("movl %%ds, %0" : "=r"(udata.ds2));
    asm volatile("movl %%es, %0" : "=r"(udata.es2));
    asm volatile("movl %%fs, %0" : "=r"(udata.fs2));
    asm volatile("movl %%gs, %0" : "=r"(udata.gs2));

    /* pushf, then popf trying to clear IF and set IOPL 3 */
    {
        uint32_t f0, f1;
        asm volatile("pushfl\n\tpopl %0\n\tmovl %0, %1\n\txorl $0x3200, %1\n\tpushl %1\n\tpopfl\n\tpushfl\n\tpopl %1"
                     : "=&r"(f0), "=&r"(f1)
                     :
                     : "cc", "memory");
        udata.fl0 = f0;
        udata.fl1 = f1;
    }
    asm volatile("sgdt %0" : "=m"(udata.sgdt));
    asm volatile("sidt %0" : "=m"(udata.sidt));
    asm volatile("smsw %0" : "=m"(udata.smsw));
    asm volatile("str %0" : "=m"(udata.str));
    asm volatile("sldt %0" : "=m"(udata.sldt));

    asm volatile("movl %0, %%eax\n\tmovl $0x600d, %%ebx\n\tint $0x80" : : "i"(SYS_EXIT) : "eax", "ebx", "memory");
    __builtin_unreachable();
}

/* ---------------- setup ---------------- */

static void set_page(uint32_t addr, uint32_t flags)
{
    pt[addr >> 22][(addr >> 12) & 1023] = (addr & ~0xfffu) | flags;
}
static void set_pages(uint32_t addr, uint32_t len, uint32_t flags)
{
    for (uint32_t a = addr & ~0xfffu; a < addr + len; a += 4096)
        set_page(a, flags);
}
static int overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    uint32_t a0 = a & ~0xfffu, a1 = (a + alen + 4095) & ~0xfffu;
    uint32_t b0 = b & ~0xfffu, b1 = (b + blen + 4095) & ~0xfffu;
    return a0 < b1 && b0 < a1;
}

/* kernel stacks, TSS, GDT, IDT, page tables: supervisor-only (u = 0) or user-accessible (u = U) */
static void kernel_pages(uint32_t u)
{
    set_pages((uint32_t)kstack, sizeof kstack, P | W | u);
    set_pages((uint32_t)sestack, sizeof sestack, P | W | u);
    set_pages((uint32_t)&tss_area, sizeof tss_area, P | W | u);
    set_pages((uint32_t)stack_bottom, stack_top - stack_bottom, P | W | u);
    set_pages((uint32_t)gdt, GDT_ENTRIES * 8, P | W | u);
    set_pages((uint32_t)idt, sizeof idt, P | W | u);
    set_pages((uint32_t)pd, sizeof pd, P | W | u);
    set_pages((uint32_t)pt, sizeof pt, P | W | u);
    wr_cr3((uint32_t)pd);
}

static void setup(void)
{
    /* GDT: 0x18 user code, 0x20 user data, 0x28 TSS, 0x30 conforming code DPL 0, 0x38 call gate DPL 3 */
    gdt_set(3, 0, 0xfffff, 0xFA, 0xC);
    gdt_set(4, 0, 0xfffff, 0xF2, 0xC);
    memset(&tss_area, 0, sizeof tss_area);
    tss.ss0 = KDATA;
    tss.esp0 = (uint32_t)kstack[0] + sizeof kstack[0];
    tss.iomap = (uint16_t)((uint32_t)&tss_area.bitmap[0] - (uint32_t)&tss_area);
    memset(tss_area.bitmap, 0xff, sizeof tss_area.bitmap);
    gdt_set(5, (uint32_t)&tss_area, sizeof tss_area - 1, 0x89, 0x0);
    gdt_set(6, 0, 0xfffff, 0x9E, 0xC);
    {
        uint32_t off = (uint32_t)cg_target;
        uint32_t lo = (off & 0xffff) | ((uint32_t)KCODE << 16);
        uint32_t hi = (off & 0xffff0000) | (0xECu << 8) | 2;
        gdt[7] = ((uint64_t)hi << 32) | lo;
    }
    asm volatile("lgdt gdt_ptr\n\tmovw %0, %%ax\n\tltr %%ax\n\txorl %%eax, %%eax\n\tlldt %%ax"
                 :
                 : "i"(TSS_SEL)
                 : "eax", "memory");

    /* IDT: int 0x80 with DPL 3, int 0x81 with DPL 0, exceptions recorded */
    idt_set_stub(0x80, 0xEE);
    idt_set_stub(0x81, 0x8E);
    idt_clear(0x90);
    for (int v = 0; v < 32; v++)
        set_handler(v, user_trap);
    set_handler(0x80, syscall_handler);
    set_handler(0x20, irq0_handler);

    /* paging: 8 MiB identity, user by default; kernel structures supervisor-only */
    for (uint32_t i = 0; i < 2048; i++)
        pt[i >> 10][i & 1023] = (i << 12) | P | W | U;
    pd[0] = (uint32_t)pt[0] | P | W | U;
    pd[1] = (uint32_t)pt[1] | P | W | U;
    pd[2] = (uint32_t)pt[2] | P | W;     /* supervisor PDE */
    pd[3] = (uint32_t)pt[3] | P | U;     /* read-only PDE */
    pt[2][0] = UPAGE | P | W | U;
    pt[3][0] = UPAGE | P | W | U;
    set_page(SPAGE, P | W);
    set_page(ROPAGE, P | U);
    set_page(NPPAGE, 0);
    set_page(SCODE, P | W);
    set_page(UPAGE, P | W | U);
    set_page(UCODEPG, P | W | U);
    kernel_pages(U);
    wr_cr0((rd_cr0() | CR0_PG) & ~CR0_WP);

    /* ring-3 code must not share a page with the supervisor-only structures */
    uint32_t um = (uint32_t)user_main, ut = (uint32_t)user_text_start;
    uint32_t utl = user_text_end - user_text_start;
    int bad = 0;
    uint32_t sup[][2] = {
        {(uint32_t)gdt, GDT_ENTRIES * 8}, {(uint32_t)idt, sizeof idt}, {(uint32_t)stack_bottom, 65536},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(sup); i++)
        bad |= overlaps(um, 1024, sup[i][0], sup[i][1]) || overlaps(ut, utl, sup[i][0], sup[i][1]);
    t_ok("layout: ring-3 code pages are apart from kernel structures", !bad);
}

/* ================================================================ */

static void test_basic(void)
{
    us_init(user_main, 0x202);
    uint32_t r = run();
    t_eq("ring 3 ran and exited through int 0x80", r, 0x80);
    t_eq("exit code in ebx", t_regs.ebx, 0x600d);
    t_eq("ring 3: cs", udata.cs & 0xffff, UCODE);
    t_eq("ring 3: ss", udata.ss & 0xffff, UDATA);
    t_ok("ring 3: ds es fs gs", (udata.ds & 0xffff) == UDATA && (udata.es & 0xffff) == UDATA &&
                                    (udata.fs & 0xffff) == UDATA && (udata.gs & 0xffff) == UDATA);
    uint32_t h = HASH_INIT;
    for (uint32_t i = 0; i < 1000; i++)
        h = hash32(h, i * i + 7);
    t_eq("ring 3: computation", udata.hash, h);
    t_eq("syscall add: result in eax", udata.add, 55);
    t_ok("syscall add: argument registers preserved", udata.add_regs);
    t_eq("syscall add: ebp preserved", udata.ebp1, udata.ebp0);
    t_eq("syscall info: result", udata.info_ret, 0x1f0);
    t_eq("syscall info: handler runs at CPL 0", sc_cpl, 0);
    t_eq("syscall info: saved cs has RPL 3", sc_cs & 0xffff, UCODE);
    t_eq("syscall info: saved ss", sc_ss & 0xffff, UDATA);
    t_eq("syscall info: saved esp is the user esp", sc_esp, udata.esp_info);
    t_eq("syscall info: frame on the TSS ESP0 stack", sc_top, tss.esp0);
    t_eq("syscall info: saved eip after int 0x80", sc_eip, udata.eip_info);
    t_ok("syscall info: saved ds/es", (sc_ds & 0xffff) == UDATA && (sc_es & 0xffff) == UDATA);
    t_eq("syscall info: saved eflags IF/IOPL", sc_eflags & 0x3200, 0x200);
    t_ok("after syscalls: ds es fs gs intact", (udata.ds2 & 0xffff) == UDATA && (udata.es2 & 0xffff) == UDATA &&
                                                   (udata.fs2 & 0xffff) == UDATA && (udata.gs2 & 0xffff) == UDATA);
    t_eq("pushf in ring 3: IF=1 IOPL=0", udata.fl0 & 0x3200, 0x200);
    t_eq("popf in ring 3 (IOPL 0): IF and IOPL unchanged", udata.fl1 & 0x3200, 0x200);
    {
        uint8_t g[8], i[8];
        uint16_t tr;
        asm volatile("sgdt %0\n\tsidt %1\n\tstr %2" : "=m"(g), "=m"(i), "=m"(tr));
        t_ok("sgdt in ring 3", memcmp(udata.sgdt, g, 6) == 0);
        t_ok("sidt in ring 3", memcmp(udata.sidt, i, 6) == 0);
        t_eq("smsw in ring 3", udata.smsw, rd_cr0() & 0xffff);
        t_eq("str in ring 3", udata.str, TSS_SEL);
        t_eq("sldt in ring 3", udata.sldt, 0);
    }
}

static void test_privileged(void)
{
    static uint8_t gdtr[8], idtr[8];
    asm volatile("sgdt %0\n\tsidt %1" : "=m"(gdtr), "=m"(idtr));
    struct {
        const char *name;
        char *stub;
        uint32_t eax, ebx, ecx, edx;
    } t[] = {
        {"hlt", u_hlt, 0, 0, 0, 0},
        {"cli", u_cli, 0, 0, 0, 0},
        {"sti", u_sti, 0, 0, 0, 0},
        {"mov cr0 -> eax", u_rd_cr0, 0, 0, 0, 0},
        {"mov eax -> cr0", u_wr_cr0, rd_cr0(), 0, 0, 0},
        {"mov cr3 -> eax", u_rd_cr3, 0, 0, 0, 0},
        {"mov eax -> cr3", u_wr_cr3, rd_cr3(), 0, 0, 0},
        {"mov cr4 -> eax", u_rd_cr4, 0, 0, 0, 0},
        {"mov dr7 -> eax", u_rd_dr7, 0, 0, 0, 0},
        {"mov eax -> dr7", u_wr_dr7, 0x400, 0, 0, 0},
        {"lgdt", u_lgdt, 0, (uint32_t)gdtr, 0, 0},
        {"lidt", u_lidt, 0, (uint32_t)idtr, 0, 0},
        {"lldt", u_lldt, 0, 0, 0, 0},
        {"ltr", u_ltr, TSS_SEL, 0, 0, 0},
        {"lmsw", u_lmsw, rd_cr0() & 0xffff, 0, 0, 0},
        {"clts", u_clts, 0, 0, 0, 0},
        {"invlpg", u_invlpg, 0, SPAGE, 0, 0},
        {"wbinvd", u_wbinvd, 0, 0, 0, 0},
        {"invd", u_invd, 0, 0, 0, 0},
        {"rdmsr", u_rdmsr, 0, 0, 0x10, 0},
        {"wrmsr", u_wrmsr, 0, 0, 0x10, 0},
        {"rdpmc (CR4.PCE=0)", u_rdpmc, 0, 0, 0, 0},
        {"inb imm (IOPL 0)", u_inb_imm, 0, 0, 0, 0},
        {"outb imm (IOPL 0)", u_outb_imm, 0, 0, 0, 0},
        {"inb dx (IOPL 0)", u_inb_dx, 0, 0, 0, 0x80},
        {"outl dx (IOPL 0)", u_outl_dx, 0, 0, 0, 0x80},
        {"inw imm (IOPL 0)", u_inw_imm, 0, 0, 0, 0},
        {"insb (IOPL 0)", u_insb, 0, 0, 1, 0x80},
        {"outsb (IOPL 0)", u_outsb, 0, 0, 1, 0x80},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
        char l[80];
        us_init(t[i].stub, 0x202);
        us.eax = t[i].eax;
        us.ebx = t[i].ebx;
        us.ecx = t[i].ecx;
        us.edx = t[i].edx;
        us.esi = us.edi = UCODEPG + 0x800;
        run();
        snprintf(l, sizeof l, "ring 3 %s: #GP(0) at the instruction", t[i].name);
        expect_gp(l, t[i].stub, 0);
    }
    /* rdtsc: allowed, #GP(0) with CR4.TSD */
    us_init(u_rdtsc, 0x202);
    run();
    expect_exit("ring 3 rdtsc (CR4.TSD=0): allowed");
    fault_reset();
    asm volatile(FAULT_SETUP "movl %0, %%cr4" FAULT_DONE : : "r"(rd_cr4() | CR4_TSD) : "memory");
    if (fault_vector != 0xffffffff) {
        t_print_fail("ring 3 rdtsc (CR4.TSD=1): ring 0 could not set CR4.TSD (vector %u err %x)", fault_vector,
                     fault_err);
    } else {
        us_init(u_rdtsc, 0x202);
        run();
        wr_cr4(rd_cr4() & ~CR4_TSD);
        expect_gp("ring 3 rdtsc (CR4.TSD=1): #GP(0)", u_rdtsc, 0);
    }
    us_init(u_nop, 0x202);
    run();
    expect_exit("ring 3 nop: exits normally");
}

static void test_io(void)
{
    /* one port open in the TSS I/O bitmap */
    tss_area.bitmap[0x80 / 8] = (uint8_t)~1u;
    us_init(u_inb_imm, 0x202);
    run();
    expect_exit("I/O bitmap: inb from the open port 0x80");
    us_init(u_outb_imm, 0x202);
    run();
    expect_exit("I/O bitmap: outb to the open port 0x80");
    us_init(u_inb_dx, 0x202);
    us.edx = 0x80;
    run();
    expect_exit("I/O bitmap: inb (dx) from port 0x80");
    us_init(u_inw_imm, 0x202);
    run();
    expect_gp("I/O bitmap: inw 0x80 (0x81 closed): #GP(0)", u_inw_imm, 0);
    us_init(u_inb_dx, 0x202);
    us.edx = 0x81;
    run();
    expect_gp("I/O bitmap: inb (dx) from the closed port 0x81: #GP(0)", u_inb_dx, 0);
    us_init(u_outl_dx, 0x202);
    us.edx = 0x7d;
    run();
    expect_gp("I/O bitmap: outl 0x7d..0x80: #GP(0)", u_outl_dx, 0);
    tss_area.bitmap[0x80 / 8] = 0xff;

    /* IOPL 3: in/out, cli/sti; popf may change IF but not IOPL */
    us_init(u_iopl3, 0x3202);
    run();
    expect_exit("IOPL 3: in/out/cli/sti allowed in ring 3");
    t_eq("IOPL 3: cli clears IF", t_regs.ebx & 0x3200, 0x3000);
    t_eq("IOPL 3: sti sets IF", t_regs.ecx & 0x3200, 0x3200);
    t_eq("IOPL 3: popf changes IF, not IOPL", t_regs.edx & 0x3200, 0x3000);

    /* IOPL 0: popf and iret ignore IF/IOPL, still set CF */
    us_init(u_popf, 0x002);
    run();
    expect_exit("popf IF=0: runs");
    t_eq("popf IF=0 IOPL=0: before", t_regs.ebx & 0x3201, 0);
    t_eq("popf IF=0 IOPL=0: IF/IOPL unchanged, CF set", t_regs.ecx & 0x3201, 1);
    us_init(u_popf, 0x202);
    run();
    t_eq("popf IF=1 IOPL=0: IF/IOPL unchanged, CF set", t_regs.ecx & 0x3201, 0x201);
    us_init(u_iret_flags, 0x002);
    run();
    expect_exit("iret to ring 3 from ring 3: runs");
    t_eq("iret in ring 3: IF/IOPL unchanged, CF set", t_regs.ecx & 0x3201, 1);
}

static void test_paging(void)
{
    /* supervisor page, after ring 0 read and wrote it */
    wr32(SPAGE + 0x10, 0x5a5a5a5a);
    (void)rd32(SPAGE + 0x10);
    us_init(u_read, 0x202);
    us.ebx = SPAGE + 0x10;
    run();
    expect_trap("ring 3 read of a supervisor page: #PF(5)", 14, 5, (uint32_t)u_read, USER_ESP, SPAGE + 0x10);
    us_init(u_write, 0x202);
    us.ebx = SPAGE + 0x20;
    us.ecx = 0xbad;
    run();
    expect_trap("ring 3 write to a supervisor page: #PF(7)", 14, 7, (uint32_t)u_write, USER_ESP, SPAGE + 0x20);
    t_eq("supervisor page unchanged", rd32(SPAGE + 0x20), 0);

    /* not present */
    us_init(u_read, 0x202);
    us.ebx = NPPAGE + 0x30;
    run();
    expect_trap("ring 3 read of a not-present page: #PF(4)", 14, 4, (uint32_t)u_read, USER_ESP, NPPAGE + 0x30);
    us_init(u_write, 0x202);
    us.ebx = NPPAGE + 0x34;
    run();
    expect_trap("ring 3 write to a not-present page: #PF(6)", 14, 6, (uint32_t)u_write, USER_ESP, NPPAGE + 0x34);

    /* read-only user page: ring 0 writes it (WP=0), ring 3 reads it, ring 3 writes fault */
    wr32(ROPAGE + 0x40, 0x0badf00d);
    us_init(u_read, 0x202);
    us.ebx = ROPAGE + 0x40;
    run();
    expect_exit("ring 3 read of a read-only user page");
    t_eq("ring 3 read of a read-only user page: value", t_regs.ebp, 0x0badf00d);
    us_init(u_write, 0x202);
    us.ebx = ROPAGE + 0x40;
    us.ecx = 0x1111;
    run();
    expect_trap("ring 3 write to a read-only user page (WP=0): #PF(7)", 14, 7, (uint32_t)u_write, USER_ESP,
                ROPAGE + 0x40);
    wr_cr0(rd_cr0() | CR0_WP);
    us_init(u_write, 0x202);
    us.ebx = ROPAGE + 0x44;
    us.ecx = 0x2222;
    run();
    expect_trap("ring 3 write to a read-only user page (WP=1): #PF(7)", 14, 7, (uint32_t)u_write, USER_ESP,
                ROPAGE + 0x44);
    wr_cr0(rd_cr0() & ~CR0_WP);
    t_ok("read-only user page unchanged", rd32(ROPAGE + 0x40) == 0x0badf00d && rd32(ROPAGE + 0x44) == 0);

    /* U/S and R/W from the PDE */
    wr32(VA_PDE_S + 0x50, 0x50505050);
    us_init(u_read, 0x202);
    us.ebx = VA_PDE_S + 0x50;
    run();
    expect_trap("ring 3 read under a supervisor PDE: #PF(5)", 14, 5, (uint32_t)u_read, USER_ESP, VA_PDE_S + 0x50);
    wr32(VA_PDE_RO + 0x60, 0x60606060); /* ring 0, WP=0 */
    us_init(u_read, 0x202);
    us.ebx = VA_PDE_RO + 0x60;
    run();
    expect_exit("ring 3 read under a read-only PDE");
    t_eq("ring 3 read under a read-only PDE: value", t_regs.ebp, 0x60606060);
    us_init(u_write, 0x202);
    us.ebx = VA_PDE_RO + 0x64;
    run();
    expect_trap("ring 3 write under a read-only PDE: #PF(7)", 14, 7, (uint32_t)u_write, USER_ESP, VA_PDE_RO + 0x64);
    t_eq("page under the read-only PDE unchanged", rd32(UPAGE + 0x64), 0);

    /* instruction fetch: supervisor code page (ring 0 ran it first), not present, user */
    {
        static const uint8_t code[] = {0xb8, 0x5c, 0, 0, 0, 0xc3}; /* mov $0x5c, %eax; ret */
        memcpy((void *)SCODE, code, sizeof code);
        memcpy((void *)UCODEPG, code, sizeof code);
        ((uint8_t *)UCODEPG)[1] = 0x77;
        uint32_t v = ((uint32_t(*)(void))SCODE)();
        t_eq("ring 0 runs the supervisor code page", v, 0x5c);
    }
    us_init(u_call, 0x202);
    us.ebx = SCODE;
    run();
    expect_trap("ring 3 call into a supervisor page: #PF(5) at the target", 14, 5, SCODE, USER_ESP - 4, SCODE);
    us_init(u_call, 0x202);
    us.ebx = NPPAGE + 0x100;
    run();
    expect_trap("ring 3 call into a not-present page: #PF(4)", 14, 4, NPPAGE + 0x100, USER_ESP - 4, NPPAGE + 0x100);
    us_init(u_call, 0x202);
    us.ebx = UCODEPG;
    run();
    expect_exit("ring 3 call into a user code page");
    t_eq("ring 3 call into a user code page: result", t_regs.ebp, 0x77);
}

static void test_gates_segments(void)
{
    us_init(u_int81, 0x202);
    run();
    expect_gp("int 0x81 (gate DPL 0): #GP(0x40a)", u_int81, 0x81 * 8 + 2);
    us_init(u_int3, 0x202);
    run();
    expect_gp("int3 (gate DPL 0): #GP(0x1a)", u_int3, 3 * 8 + 2);
    us_init(u_int_3, 0x202);
    run();
    expect_gp("int $3 (gate DPL 0): #GP(0x1a)", u_int_3, 3 * 8 + 2);
    us_init(u_into, 0xa02); /* OF=1 */
    run();
    expect_gp("into with OF=1 (gate DPL 0): #GP(0x22)", u_into, 4 * 8 + 2);
    us_init(u_int90, 0x202);
    run();
    expect_gp("int 0x90 (empty gate): #GP(0x482)", u_int90, 0x90 * 8 + 2);
    us_init(u_ud2, 0x202);
    run();
    expect_trap("ud2 in ring 3: #UD", 6, 0, (uint32_t)u_ud2, USER_ESP, ANY);
    us_init(u_div0, 0x202);
    us.ecx = 0;
    run();
    expect_trap("div by 0 in ring 3: #DE", 0, 0, (uint32_t)u_div0, USER_ESP, ANY);

    us_init(u_ld_ds_kdata, 0x202);
    us.eax = KDATA;
    run();
    expect_gp("mov 0x10 -> ds in ring 3: #GP(0x10)", u_ld_ds_kdata, KDATA);
    us_init(u_ld_ds_kdata, 0x202);
    us.eax = KDATA | 3;
    run();
    expect_gp("mov 0x13 -> ds in ring 3: #GP(0x10)", u_ld_ds_kdata, KDATA);
    us_init(u_ld_ss_kdata, 0x202);
    us.eax = KDATA | 3;
    run();
    expect_gp("mov 0x13 -> ss in ring 3: #GP(0x10)", u_ld_ss_kdata, KDATA);
    us_init(u_ld_ss_kdata, 0x202);
    us.eax = UDATA & ~3;
    run();
    expect_gp("mov 0x20 (RPL 0) -> ss in ring 3: #GP(0x20)", u_ld_ss_kdata, UDATA & ~3);
    us_init(u_ljmp_kcode, 0x202);
    run();
    expect_gp("ljmp to ring-0 code from ring 3: #GP(0x08)", u_ljmp_kcode, KCODE);
    us_init(u_lcall_kcode, 0x202);
    run();
    expect_gp("lcall to ring-0 code from ring 3: #GP(0x08)", u_lcall_kcode, KCODE);
    us_init(u_iret_kcode, 0x202);
    run();
    expect_trap("iret to ring 0 from ring 3: #GP(0x08)", 13, KCODE, (uint32_t)u_iret_kcode_insn, USER_ESP - 12, ANY);
    us_init(u_lret_kcode, 0x202);
    run();
    expect_trap("lret to ring 0 from ring 3: #GP(0x08)", 13, KCODE, (uint32_t)u_lret_kcode_insn, USER_ESP - 8, ANY);
    us_init(u_ld_ds_conf, 0x202);
    us.eax = CONF_SEL;
    run();
    expect_exit("conforming code segment into ds in ring 3");
    t_eq("conforming code segment into ds in ring 3: ds", t_regs.ebx & 0xffff, CONF_SEL);

    /* call gate with 2 parameters */
    us_init(u_callgate, 0x202);
    run();
    expect_exit("call gate to ring 0 and lret back");
    t_eq("call gate: result", t_regs.ebp, 5);
    t_eq("call gate: cs in ring 0", cg_cs & 0xffff, KCODE);
    t_eq("call gate: ss from the TSS", cg_ss & 0xffff, KDATA);
    t_eq("call gate: esp below ESP0 by 6 dwords", tss.esp0 - cg_esp, 24);
    t_ok("call gate: parameters copied", cg_p0 == 7 && cg_p1 == 2);
    t_ok("call gate: saved ss:esp", (cg_uss & 0xffff) == UDATA && cg_uesp == t_regs.esi - 8);
    t_eq("call gate: lret $8 released the parameters", t_regs.edi, t_regs.esi);

    /* iret to ring 3 nulls DS/ES/FS/GS with DPL < 3 */
    us_init(u_segs, 0x202);
    us.ds = KDATA;
    us.es = CONF_SEL;
    us.fs = KDATA;
    us.gs = UDATA;
    run();
    expect_exit("iret to ring 3 with kernel data segments: runs");
    t_eq("iret to ring 3: ds (kernel data) nulled", t_regs.ebx & 0xffff, 0);
    t_eq("iret to ring 3: es (conforming code) kept", t_regs.ecx & 0xffff, CONF_SEL);
    t_eq("iret to ring 3: fs (kernel data) nulled", t_regs.edx & 0xffff, 0);
    t_eq("iret to ring 3: gs (user data) kept", t_regs.esi & 0xffff, UDATA);
    us_init(u_sc_segs, 0x202);
    run();
    expect_exit("syscall returning kernel data segments: runs");
    t_eq("after syscall: ds (kernel data) nulled", t_regs.ebx & 0xffff, 0);
    t_eq("after syscall: es (conforming code) kept", t_regs.ecx & 0xffff, CONF_SEL);
    t_eq("after syscall: fs (kernel data) nulled", t_regs.edx & 0xffff, 0);
    t_eq("after syscall: gs (user data) kept", t_regs.esi & 0xffff, UDATA);
}

static void test_irq_esp0(void)
{
    /* a timer interrupt taken in ring 3 */
    udata.irq_count = 0;
    pit_periodic(1000);
    pic_unmask(0);
    us_init(u_wait_irq, 0x202);
    us.ebx = (uint32_t)&udata.irq_count;
    us.ecx = 400000000;
    run();
    pic_mask(0);
    expect_exit("timer interrupt in ring 3: loop ended");
    t_ok("timer interrupt in ring 3: taken", udata.irq_count > 0 && t_regs.ecx != 0);
    t_eq("timer interrupt in ring 3: saved cs", irq_cs & 0xffff, UCODE);
    t_eq("timer interrupt in ring 3: saved ss", irq_uss & 0xffff, UDATA);
    t_eq("timer interrupt in ring 3: frame on the ESP0 stack", irq_top, tss.esp0);

    /* a new ESP0 is used at the next entry */
    uint32_t old = tss.esp0;
    tss.esp0 = (uint32_t)kstack[1] + sizeof kstack[1] - 64;
    us_init(u_nop, 0x202);
    run();
    expect_exit("new ESP0: syscall frame on the new stack");
    us_init(u_hlt, 0x202);
    run();
    expect_gp("new ESP0: fault frame on the new stack", u_hlt, 0);
    tss.esp0 = old;
    us_init(u_nop, 0x202);
    run();
    expect_exit("ESP0 restored");
}

static void test_sysenter(void)
{
    uint32_t a = 1, b, c, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    uint32_t sep = (d >> 11) & 1;
    printf("cpuid.1:edx.sep=%u\n", sep);
    if (!sep)
        return;
    uint32_t top = (uint32_t)sestack + sizeof sestack;
    wrmsr(0x174, KCODE);
    wrmsr(0x175, top);
    wrmsr(0x176, (uint32_t)se_entry);
    us_init(u_sysenter, 0x202);
    run();
    expect_exit("sysenter/sysexit round trip");
    t_eq("sysenter: cs", se_cs & 0xffff, KCODE);
    t_eq("sysenter: ss", se_ss & 0xffff, KDATA);
    t_eq("sysenter: esp from the MSR", se_esp, top);
    t_eq("sysenter: IF cleared", se_eflags & FL_IF, 0);
    t_eq("sysexit: cs", t_regs.ebx & 0xffff, UCODE);
    t_eq("sysexit: ss", t_regs.esi & 0xffff, UDATA);
    t_eq("sysexit: esp from ecx", t_regs.edi, USER_ESP);
    t_eq("sysexit: eax from ring 0", t_regs.ebp, 0x2234);
    us_init(u_sysexit, 0x202);
    run();
    expect_gp("sysexit in ring 3: #GP(0)", u_sysexit, 0);
    wrmsr(0x174, 0);
    us_init(u_sysenter, 0x202);
    run();
    expect_gp("sysenter with SYSENTER_CS=0: #GP(0)", u_sysenter_insn, 0);
    wrmsr(0x174, KCODE);
}

/*
 * Last: the kernel's stacks, TSS, GDT, IDT and page tables become
 * supervisor-only, as in a real kernel.  The CPU's own accesses to them
 * during ring transitions (gate, TSS and descriptor reads, pushes on the
 * ring-0 stack, SS load at iret) are supervisor accesses and must work.
 */
static void test_supervisor_tables(void)
{
    kernel_pages(0);
    us_init(u_nop, 0x202);
    run();
    expect_exit("kernel tables supervisor-only: iret to ring 3, int 0x80 back");
    us_init(user_main, 0x202);
    uint32_t r = run();
    t_ok("kernel tables supervisor-only: ring-3 program with syscalls",
         r == 0x80 && t_regs.ebx == 0x600d && udata.add == 55 && udata.info_ret == 0x1f0 && sc_top == tss.esp0 &&
             (udata.ds2 & 0xffff) == UDATA && (udata.cs & 0xffff) == UCODE);
    us_init(u_hlt, 0x202);
    run();
    expect_gp("kernel tables supervisor-only: #GP from ring 3", u_hlt, 0);
    us_init(u_read, 0x202);
    us.ebx = SPAGE + 0x10;
    run();
    expect_trap("kernel tables supervisor-only: #PF from ring 3", 14, 5, (uint32_t)u_read, USER_ESP, SPAGE + 0x10);
    us_init(u_int81, 0x202);
    run();
    expect_gp("kernel tables supervisor-only: int 0x81 (gate DPL 0)", u_int81, 0x81 * 8 + 2);
    us_init(u_ld_ds_conf, 0x202);
    us.eax = CONF_SEL;
    run();
    expect_exit("kernel tables supervisor-only: segment load in ring 3");
    t_eq("kernel tables supervisor-only: segment load in ring 3: ds", t_regs.ebx & 0xffff, CONF_SEL);
    us_init(u_ld_ds_kdata, 0x202);
    us.eax = KDATA;
    run();
    expect_gp("kernel tables supervisor-only: mov 0x10 -> ds in ring 3", u_ld_ds_kdata, KDATA);
    us_init(u_segs, 0x202);
    us.ds = KDATA;
    run();
    expect_exit("kernel tables supervisor-only: iret with kernel ds");
    t_eq("kernel tables supervisor-only: iret with kernel ds: nulled", t_regs.ebx & 0xffff, 0);
    us_init(u_callgate, 0x202);
    run();
    expect_exit("kernel tables supervisor-only: call gate");
    t_eq("kernel tables supervisor-only: call gate result", t_regs.ebp, 5);
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("usermode");
    setup();
    test_basic();
    test_privileged();
    test_io();
    test_paging();
    test_gates_segments();
    test_irq_esp0();
    test_sysenter();
    test_supervisor_tables();
    t_end();
}
