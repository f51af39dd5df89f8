/*
 * align: the alignment-check exception (#AC, vector 17; Intel SDM Vol. 3A, 6.15 "Interrupt
 * 17" and table 6-7). With CR0.AM = 1, EFLAGS.AC = 1 and CPL = 3, a data access whose address
 * is not a multiple of its size (words 2, dwords 4, m64 and the 80-bit x87 formats 8) is a
 * fault with error code 0: the saved EIP is the instruction and nothing it would change has
 * changed. Checked here, from ring 3 (no paging, flat segments):
 *  - unaligned loads, stores and read-modify-writes of words and dwords, push/pop, call/ret/
 *    lret with a misaligned ESP, x87 m64/m80/m16, cmpxchg8b, MMX movq, lods/movs/rep stos,
 *    sgdt (limit word and base dword: only an address of 2 mod 4 passes) -> #AC;
 *  - the same accesses aligned, and byte accesses anywhere -> no fault;
 *  - AC = 0, or AM = 0 -> no fault; the same code faults once both are set (the translated
 *    code must not be reused across the change);
 *  - popf in ring 3 setting AC: the next instruction faults; clearing it: it does not;
 *  - int $0x80 with a misaligned user stack and a misaligned ring-0 stack (TSS ESP0): the
 *    pushes of the delivery are supervisor accesses, never checked;
 *  - CPL 0 with AM and AC set -> no fault.
 * QEMU does not implement #AC: the expected output follows the SDM (every check "ok"), and the
 * kernel is kept out of every comparison with QEMU (see tools/build-guests.sh).
 */
#include "rt.h"

#define UCODE 0x1b
#define UDATA 0x23
#define TSS_SEL 0x28
#define CR0_AM 0x40000u
#define CR0_EM 0x4u
#define CR0_TS 0x8u
#define FL_AC 0x40000u
#define EXC_AC 17
#define SYSCALL 0x80
#define ANY 0xffffffffu

struct uregs {
    uint32_t eip, esp, eflags, eax, ebx, ecx, edx, esi, edi;
};
uint32_t enter_user(const struct uregs *u);
void return_to_kernel(uint32_t v) __attribute__((noreturn));
uint32_t kernel_esp;
extern char u_exit[], u_ldb[], u_ldw[], u_ldl[], u_stw[], u_stl[], u_addl[], u_fldl[], u_fldt[], u_fnstcw[],
    u_sgdt[], u_cx8[], u_movq[], u_push[], u_pop[], u_call[], u_ret[], u_lret[], u_lodsl[], u_movsw[],
    u_rep_stosl[], u_popf_ac[], u_popf_ac_insn[], u_popf_noac[];

static struct tss32 tss ALIGNED(128);
static uint8_t kstack[4096] ALIGNED(16);
static uint8_t ustack[4096] ALIGNED(16);
static uint8_t data[64] ALIGNED(16);
#define DATA ((uint32_t)data)
#define KSP ((uint32_t)kstack + sizeof kstack)
#define USP ((uint32_t)ustack + sizeof ustack - 64)

static inline uint32_t rd_cr0(void) { uint32_t v; asm volatile("movl %%cr0, %0" : "=r"(v)); return v; }
static inline void wr_cr0(uint32_t v) { asm volatile("movl %0, %%cr0" : : "r"(v) : "memory"); }
static void set_am(int on) { wr_cr0(on ? rd_cr0() | CR0_AM : rd_cr0() & ~CR0_AM); }

/* ---------------- running ring-3 code ---------------- */
static struct uregs u;
/* How the last run ended: the vector that left ring 3, its error code, EIP, CS, user ESP, ECX. */
static volatile uint32_t r_vec, r_err, r_eip, r_cs, r_esp, r_ecx;

static void trap(struct regs *r)
{
    if ((r->cs & 3) != 3) {
        if (fault_resume) { /* a fault expected in ring 0 (FAULT_SETUP) */
            fault_vector = r->vector;
            fault_err = r->err;
            fault_eip = r->eip;
            r->eip = fault_resume;
            fault_resume = 0;
            return;
        }
        printf("FAIL align: ring-0 exception %u err %x eip %08x\n", r->vector, r->err, r->eip);
        exit_qemu(1);
    }
    r_vec = r->vector;
    r_err = r->err;
    r_eip = r->eip;
    r_cs = r->cs;
    r_esp = ((uint32_t *)(r + 1))[0]; /* the user ESP pushed by the CPU above the frame */
    r_ecx = r->ecx;
    return_to_kernel(r->vector);
}

/* Run a stub at CPL 3 with EBX = ESI = EDI = `addr`, ECX = `ecx`, ESP = `esp`, EFLAGS = `eflags`. */
static void run_ecx(void *stub, uint32_t addr, uint32_t ecx, uint32_t esp, uint32_t eflags)
{
    memset(&u, 0, sizeof u);
    u.eip = (uint32_t)stub;
    u.esp = esp;
    u.eflags = eflags;
    u.eax = 0x01010101; /* what stores and adds would write */
    u.ebx = u.esi = u.edi = addr;
    u.ecx = ecx;
    r_vec = r_err = r_eip = r_cs = r_esp = r_ecx = ANY;
    enter_user(&u);
}
static void run(void *stub, uint32_t addr, uint32_t esp, uint32_t eflags) { run_ecx(stub, addr, 0, esp, eflags); }

#define AC_ON (0x202 | FL_AC)
#define AC_OFF 0x202

/* #AC with error code 0 from ring 3, saved EIP = `insn`, user ESP still `esp`. */
static void expect_ac(const char *label, void *insn, uint32_t esp)
{
    if (r_vec == EXC_AC && r_err == 0 && r_eip == (uint32_t)insn && (r_cs & 0xffff) == UCODE && r_esp == esp) {
        t_ok(label, 1);
        return;
    }
    t_print_fail("%s: got vector %x err %x eip %08x cs %x esp %08x; expected #AC (11) err 0 eip %08x cs %x esp %08x",
                 label, r_vec, r_err, r_eip, r_cs, r_esp, (uint32_t)insn, UCODE, esp);
}
/* The stub ran to its end (int $0x80 at u_exit). */
static void expect_exit(const char *label)
{
    if (r_vec == SYSCALL && r_eip == (uint32_t)u_exit + 2) {
        t_ok(label, 1);
        return;
    }
    t_print_fail("%s: got vector %x err %x eip %08x; expected the exit syscall (80) at %08x", label, r_vec, r_err,
                 r_eip, (uint32_t)u_exit + 2);
}

/* ---------------- the checks ---------------- */

static void test_operands(void)
{
    run(u_ldw, DATA + 1, USP, AC_ON);
    expect_ac("word load at 1 mod 2: #AC", u_ldw, USP);
    run(u_ldw, DATA + 2, USP, AC_ON);
    expect_exit("word load at 2 mod 4: no fault");
    run(u_stw, DATA + 3, USP, AC_ON);
    expect_ac("word store at 3 mod 4: #AC", u_stw, USP);
    run(u_ldl, DATA + 2, USP, AC_ON);
    expect_ac("dword load at 2 mod 4: #AC", u_ldl, USP);
    run(u_stl, DATA + 1, USP, AC_ON);
    expect_ac("dword store at 1 mod 4: #AC", u_stl, USP);
    data[8] = 0x11;
    run(u_addl, DATA + 7, USP, AC_ON);
    expect_ac("dword add to memory at 3 mod 4: #AC", u_addl, USP);
    t_eq("... and memory is unchanged", data[8], 0x11);
    run(u_ldl, DATA + 4, USP, AC_ON);
    expect_exit("dword load at 0 mod 4: no fault");
    run(u_stl, DATA + 8, USP, AC_ON);
    expect_exit("dword store at 0 mod 4: no fault");
    run(u_ldb, DATA + 3, USP, AC_ON);
    expect_exit("byte load at 3 mod 4: no fault");
}

static void test_wide(void)
{
    static const double one = 1.0;
    memcpy(data + 8, &one, 8);
    run(u_fldl, DATA + 4, USP, AC_ON);
    expect_ac("fldl m64 at 4 mod 8: #AC", u_fldl, USP);
    run(u_fldl, DATA + 8, USP, AC_ON);
    expect_exit("fldl m64 at 0 mod 8: no fault");
    asm volatile("fninit");
    run(u_fldt, DATA + 4, USP, AC_ON);
    expect_ac("fldt m80 at 4 mod 8: #AC", u_fldt, USP);
    run(u_fldt, DATA + 8, USP, AC_ON);
    expect_exit("fldt m80 at 0 mod 8: no fault");
    asm volatile("fninit");
    run(u_fnstcw, DATA + 1, USP, AC_ON);
    expect_ac("fnstcw m16 at 1 mod 2: #AC", u_fnstcw, USP);
    run(u_cx8, DATA + 12, USP, AC_ON);
    expect_ac("cmpxchg8b at 4 mod 8: #AC", u_cx8, USP);
    run(u_cx8, DATA + 16, USP, AC_ON);
    expect_exit("cmpxchg8b at 0 mod 8: no fault");
    run(u_movq, DATA + 4, USP, AC_ON);
    expect_ac("movq mm0, m64 at 4 mod 8: #AC", u_movq, USP);
    run(u_movq, DATA + 8, USP, AC_ON);
    expect_exit("movq mm0, m64 at 0 mod 8: no fault");
    run(u_sgdt, DATA + 4, USP, AC_ON);
    expect_ac("sgdt at 0 mod 4 (base at 2 mod 4): #AC", u_sgdt, USP);
    run(u_sgdt, DATA + 6, USP, AC_ON);
    expect_exit("sgdt at 2 mod 4 (base at 0 mod 4): no fault");
}

static void test_stack(void)
{
    uint32_t *top = (uint32_t *)(USP - 2);
    run(u_push, 0, USP - 2, AC_ON);
    expect_ac("push with ESP at 2 mod 4: #AC, ESP unchanged", u_push, USP - 2);
    run(u_push, 0, USP, AC_ON);
    expect_exit("push with ESP at 0 mod 4: no fault");
    run(u_pop, 0, USP - 1, AC_ON);
    expect_ac("pop with ESP at 3 mod 4: #AC", u_pop, USP - 1);
    run(u_call, 0, USP - 2, AC_ON);
    expect_ac("call with ESP at 2 mod 4: #AC", u_call, USP - 2);
    run(u_ret, 0, USP - 2, AC_ON);
    expect_ac("ret with ESP at 2 mod 4: #AC", u_ret, USP - 2);
    run(u_lret, 0, USP - 2, AC_ON);
    expect_ac("lret with ESP at 2 mod 4: #AC", u_lret, USP - 2);
    top[0] = (uint32_t)u_exit;
    top[1] = UCODE;
    run(u_lret, 0, USP - 2, AC_OFF);
    expect_exit("lret with ESP at 2 mod 4, AC = 0: no fault");
}

static void test_strings(void)
{
    run(u_lodsl, DATA + 2, USP, AC_ON);
    expect_ac("lodsl at 2 mod 4: #AC", u_lodsl, USP);
    run(u_movsw, DATA + 1, USP, AC_ON);
    expect_ac("movsw at 1 mod 2: #AC", u_movsw, USP);
    data[4] = 0x22;
    run_ecx(u_rep_stosl, DATA + 1, 2, USP, AC_ON);
    expect_ac("rep stosl at 1 mod 4: #AC", u_rep_stosl, USP);
    t_eq("... before the first iteration (ECX and memory unchanged)", r_ecx * 0x100 + data[4], 0x222);
    run_ecx(u_rep_stosl, DATA + 4, 2, USP, AC_ON);
    expect_exit("rep stosl at 0 mod 4: no fault");
}

static void test_enables(void)
{
    /* the same code under both settings (each run must use code translated for its own) */
    run(u_ldl, DATA + 2, USP, AC_OFF);
    expect_exit("AM = 1, AC = 0: dword load at 2 mod 4, no fault");
    run(u_push, 0, USP - 2, AC_OFF);
    expect_exit("AM = 1, AC = 0: push with ESP at 2 mod 4, no fault");
    run(u_ldl, DATA + 2, USP, AC_ON);
    expect_ac("AM = 1, AC = 1: the same load now faults", u_ldl, USP);
    set_am(0);
    run(u_ldl, DATA + 2, USP, AC_ON);
    expect_exit("AM = 0, AC = 1: no fault");
    run(u_fldl, DATA + 4, USP, AC_ON);
    expect_exit("AM = 0, AC = 1: fldl at 4 mod 8, no fault");
    asm volatile("fninit");
    set_am(1);
    run(u_popf_ac, DATA + 2, USP, AC_OFF);
    expect_ac("popf setting AC in ring 3: the next load faults", u_popf_ac_insn, USP);
    run(u_popf_noac, DATA + 2, USP, AC_ON);
    expect_exit("popf clearing AC in ring 3: the next load does not");
}

static void test_supervisor(void)
{
    /* int $0x80: its pushes go to the TSS stack at CPL 0, even misaligned */
    tss.esp0 = KSP - 2;
    run(u_exit, 0, USP - 2, AC_ON);
    tss.esp0 = KSP;
    expect_exit("int $0x80 from a misaligned stack to a misaligned ESP0: no fault");
    t_eq("... the handler saw the user ESP", r_esp, USP - 2);

    /* CPL 0 with AM and AC set */
    uint32_t v = 0;
    fault_reset();
    asm volatile("pushfl\n\torl $0x40000, (%%esp)\n\tpopfl\n\t" FAULT_SETUP
                 "movl 2(%1), %0\n\t"
                 "movw 1(%1), %w0\n\t"
                 "movl %0, 5(%1)\n\t"
                 "fldl 4(%1)\n\t"
                 "fstp %%st(0)\n\t"
                 "subl $2, %%esp\n\t"
                 "pushl %0\n\t"
                 "popl %0\n\t"
                 "addl $2, %%esp" FAULT_DONE "pushfl\n\tandl $~0x40000, (%%esp)\n\tpopfl"
                 : "+&r"(v)
                 : "r"(data)
                 : "memory", "cc");
    t_eq("CPL 0, AM = 1, AC = 1: unaligned loads, stores, fldl, push: no fault", fault_vector, ANY);
    t_eq("... and EFLAGS.AC is clear again", read_eflags() & FL_AC, 0);
}

static void setup(void)
{
    gdt_set(3, 0, 0xfffff, 0xFA, 0xC); /* 0x18: ring-3 code */
    gdt_set(4, 0, 0xfffff, 0xF2, 0xC); /* 0x20: ring-3 data */
    memset(&tss, 0, sizeof tss);
    tss.ss0 = 0x10;
    tss.esp0 = KSP;
    tss.iomap = sizeof tss;
    gdt_set(5, (uint32_t)&tss, sizeof tss - 1, 0x89, 0x0);
    asm volatile("movw %0, %%ax\n\tltr %%ax" : : "i"(TSS_SEL) : "eax", "memory");
    idt_set_stub(SYSCALL, 0xEE);
    for (int v = 0; v < 32; v++)
        set_handler(v, trap);
    set_handler(SYSCALL, trap);
    wr_cr0(rd_cr0() & ~(CR0_EM | CR0_TS));
    asm volatile("fninit");
    set_am(1);
}

int main(uint32_t magic, uint32_t info)
{
    (void)magic;
    (void)info;
    t_begin("align");
    setup();
    test_operands();
    test_wide();
    test_stack();
    test_strings();
    test_enables();
    test_supervisor();
    t_end();
}
