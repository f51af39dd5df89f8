/*
 * tasks: hardware task switching (Intel SDM Vol. 3A ch. 7), all at ring 0.
 *  - lcall to a 32-bit TSS and iret back: NT and the back link in the new
 *    task, busy bits in the GDT (both busy during a call, the callee freed by
 *    iret), TR, the caller's EIP/registers/EFLAGS saved in its TSS, EFLAGS
 *    restored from it, the callee's saved EIP after its iret and NT cleared
 *    in that image; a second call resumes the task after its iret;
 *  - lcall/ljmp through a task gate in the GDT; ljmp to a task and ljmp back
 *    (no NT, no back link, the old task's busy bit cleared);
 *  - int n through a task gate in the IDT;
 *  - a double fault (#DE with a bad IDT entry -> #GP -> #DF) and a #GP
 *    handled by a task gate: error code pushed on the new task's stack, the
 *    faulting EIP saved in the old TSS;
 *  - CR0.TS set by every task switch;
 *  - errors: #GP for a jmp/call to a busy TSS or through a gate to one,
 *    #GP for RPL 3 > DPL 0, #TS for a TSS limit below 0x67, #NP for a
 *    TSS or task gate not present, #TS for iret with NT to a non-busy TSS;
 *  - a not-present DS in the new TSS: #NP(DS) taken in the new task (the
 *    EIP is not checked: QEMU reports the jmp, the SDM the new task's EIP);
 *  - a ring-3 task (CPL from its CS): int n through a DPL 0 task gate and
 *    ljmp to a DPL 0 TSS give #GP; iret with NT returns from ring 3;
 *  - a 16-bit TSS (registers, FLAGS, back link, saved IP); the upper halves
 *    of the registers are printed (the SDM leaves them undefined: QEMU
 *    keeps them, so does tcg86);
 *  - last, with paging on: a task with its own page directory (CR3 loaded
 *    from its TSS, not saved for the old task).
 * Not checked (QEMU does not implement it): the T bit of the TSS.
 */
#include "rt.h"

#define FL_NT 0x4000u
#define CR0_TS 0x8u
#define CR0_PG 0x80000000u
#define CR4_PSE 0x10u

#define SEL_MAIN 0x18      /* gdt[3] */
#define SEL_A 0x20         /* gdt[4] */
#define SEL_B 0x28         /* gdt[5] */
#define SEL_GATE_A 0x30    /* gdt[6]: task gate -> A */
#define SEL_EXC 0x38       /* gdt[7]: exception task */
#define SEL_C 0x40         /* gdt[8]: int 0x40 task */
#define SEL_SMALL 0x48     /* gdt[9]: limit 0x66 */
#define SEL_NP 0x50        /* gdt[10]: not present */
#define SEL_P 0x58         /* gdt[11]: paging task */
#define SEL_GATE_MAIN 0x60 /* gdt[12]: task gate -> main (busy) */
#define SEL_GATE_NP 0x68   /* gdt[13]: task gate, not present */
#define SEL_DATA_NP 0x70   /* gdt[14]: data segment, not present */
#define SEL_BAD 0x78       /* gdt[15]: TSS whose DS is SEL_DATA_NP */
#define SEL_U 0x80         /* gdt[16]: TSS of a ring-3 task */
#define UCODE 0x8b         /* gdt[17]: ring-3 code */
#define UDATA 0x93         /* gdt[18]: ring-3 data */
#define SEL_T16 0x98       /* gdt[19]: 16-bit TSS */
#define SEL_CODE_1M 0xa0   /* gdt[20]: 32-bit code based at 1 MiB (16-bit IPs reach the kernel) */
#define SEL_SS16 0xa8      /* gdt[21]: 16-bit stack segment on stacks[T_16] */

enum { T_MAIN, T_A, T_B, T_EXC, T_C, T_SMALL, T_NP, T_P, T_BAD, T_U, T_UK, T_16, T_COUNT };

struct tss16 {
    uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2, ip, flags, ax, cx, dx, bx, sp, bp, si, di, es, cs, ss, ds, ldt;
} __attribute__((packed));

/* TSSs and stacks on pages of their own (no code shares them). */
static struct tss32 tss[T_COUNT] ALIGNED(4096);
static struct tss16 tss16 ALIGNED(64);
static uint8_t stacks[T_COUNT][4096] ALIGNED(4096);
static uint32_t pd1[1024] ALIGNED(4096), pd2[1024] ALIGNED(4096);

static inline uint32_t read_cr0(void) { uint32_t v; asm volatile("movl %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; asm volatile("movl %%cr3, %0" : "=r"(v)); return v; }
static inline void clts(void) { asm volatile("clts"); }
static inline uint32_t read_tr(void) { uint32_t v = 0; asm volatile("str %w0" : "+r"(v)); return v & 0xffff; }
static uint32_t gdt_type(int idx) { return (uint32_t)(gdt[idx] >> 40) & 0xf; }
static uint64_t task_gate(uint16_t tss_sel, int present) { return (uint64_t)((present ? 0x80 : 0) | 0x05) << 40 | (uint64_t)tss_sel << 16; }

/* ---- task A: called or jumped to; returns with iret (NT) or ljmp to main ---- */
volatile uint32_t a_runs, a_eflags, a_link, a_type_main, a_type_a, a_tr, a_cr0;
volatile uint32_t a_main_eip, a_main_ebx, a_main_esi, a_main_eflags;
extern char a_after_iret[], a_after_jmp[];
NOINLINE static void task_a(void)
{
    for (;;) {
        a_runs++;
        a_eflags = read_eflags();
        a_link = tss[T_A].link;
        a_type_main = gdt_type(3);
        a_type_a = gdt_type(4);
        a_tr = read_tr();
        a_cr0 = read_cr0();
        a_main_eip = tss[T_MAIN].eip;
        a_main_ebx = tss[T_MAIN].ebx;
        a_main_esi = tss[T_MAIN].esi;
        a_main_eflags = tss[T_MAIN].eflags;
        if (a_eflags & FL_NT)
            asm volatile("iret\n\t.globl a_after_iret\na_after_iret:" ::: "memory");
        else
            asm volatile("ljmp $0x18, $0\n\t.globl a_after_jmp\na_after_jmp:" ::: "memory");
    }
}

/* ---- task B: jumped to, jumps back ---- */
volatile uint32_t b_runs, b_eflags, b_link, b_type_main, b_type_b, b_main_eip, b_main_eflags;
extern char b_after_jmp[];
NOINLINE static void task_b(void)
{
    for (;;) {
        b_runs++;
        b_eflags = read_eflags();
        b_link = tss[T_B].link;
        b_type_main = gdt_type(3);
        b_type_b = gdt_type(5);
        b_main_eip = tss[T_MAIN].eip;
        b_main_eflags = tss[T_MAIN].eflags;
        asm volatile("ljmp $0x18, $0\n\t.globl b_after_jmp\nb_after_jmp:" ::: "memory");
    }
}

/* ---- task C: int 0x40 through a task gate ---- */
volatile uint32_t c_runs, c_eflags, c_link, c_main_eip, c_type_c;
NOINLINE static void task_c(void)
{
    for (;;) {
        c_runs++;
        c_eflags = read_eflags();
        c_link = tss[T_C].link;
        c_type_c = gdt_type(8);
        c_main_eip = tss[T_MAIN].eip;
        asm volatile("iret" ::: "memory");
    }
}

/* ---- exception task: pops the error code, resumes main at exc_resume ---- */
volatile uint32_t e_runs, e_err, e_esp, e_link, e_main_eip, e_eflags, exc_resume;
void exc_task_body(void);
void exc_task_body(void)
{
    e_runs++;
    e_link = tss[T_EXC].link;
    e_main_eip = tss[T_MAIN].eip;
    e_eflags = read_eflags();
    tss[T_MAIN].eip = exc_resume;
}
extern char exc_task_entry[];
asm(".text\n"
    "exc_task_entry:\n\t"
    "movl %esp, e_esp\n\t"
    "popl %eax\n\t"
    "movl %eax, e_err\n\t"
    "call exc_task_body\n\t"
    "iret\n\t"
    "jmp exc_task_entry\n");

/* ---- paging task: reads through its own page directory ---- */
volatile uint32_t p_val, p_cr3;
NOINLINE static void task_p(void)
{
    for (;;) {
        p_val = *(volatile uint32_t *)0x400000;
        p_cr3 = read_cr3();
        asm volatile("iret" ::: "memory");
    }
}

/* ---- ring-3 task: int n through a DPL 0 task gate, ljmp to a DPL 0 TSS ---- */
volatile uint32_t u_runs, u_cs, u_int_vec, u_int_err, u_int_eip_ok, u_jmp_vec, u_jmp_err, u_jmp_eip_ok;
NOINLINE static void task_u(void)
{
    for (;;) {
        uint32_t cs;
        u_runs++;
        asm volatile("movl %%cs, %0" : "=r"(cs));
        u_cs = cs;
        fault_reset();
        asm volatile(FAULT_SETUP "int $0x41" FAULT_DONE ::: "memory", "cc");
        u_int_vec = fault_vector;
        u_int_err = fault_err;
        u_int_eip_ok = fault_eip == fault_ip;
        fault_reset();
        asm volatile(FAULT_SETUP "ljmp $0x20, $0" FAULT_DONE ::: "memory", "cc");
        u_jmp_vec = fault_vector;
        u_jmp_err = fault_err;
        u_jmp_eip_ok = fault_eip == fault_ip;
        asm volatile("iret" ::: "memory"); /* NT: back to the caller, from ring 3 */
    }
}

/* ---- a fault while loading the new task: taken in the new task ---- */
volatile uint32_t bad_vec, bad_err, bad_tr, bad_runs;
extern char back_to_main[];
asm(".text\nback_to_main:\n\tljmp $0x18, $0\n");
static void bad_task_np(struct regs *r)
{
    bad_runs++;
    bad_vec = r->vector;
    bad_err = r->err;
    bad_tr = read_tr();
    r->ds = SEL_DATA; /* the selector that faulted would fault again at the handler's return */
    r->eip = (uint32_t)back_to_main;
}

/* ---- task with a 16-bit TSS: registers come with 16-bit images (no stack use but pushf) ---- */
volatile uint32_t h_runs, h_eax, h_ebx, h_esp, h_eflags;
extern char task16_entry[], h_after_iret[];
asm(".text\n"
    "task16_entry:\n\t"
    "incl h_runs\n\t"
    "movl %eax, h_eax\n\t"
    "movl %ebx, h_ebx\n\t"
    "movl %esp, h_esp\n\t"
    "pushfl\n\t"
    "popl h_eflags\n\t"
    "movl $0x9999, %eax\n\t"
    "iret\n"
    ".globl h_after_iret\n"
    "h_after_iret:\n\t"
    "jmp task16_entry\n");

static void init_task(int t, void (*entry)(void))
{
    memset(&tss[t], 0, sizeof tss[t]);
    tss[t].eip = (uint32_t)entry;
    tss[t].eflags = FL_FIXED;
    tss[t].esp = (uint32_t)stacks[t] + sizeof stacks[t];
    tss[t].cs = SEL_CODE;
    tss[t].ss = tss[t].ds = tss[t].es = tss[t].fs = tss[t].gs = SEL_DATA;
    tss[t].iomap = sizeof(struct tss32);
}

/* ---- main-task side ---- */
volatile uint32_t ret_addr, after_eflags;

NOINLINE static void call_a(uint16_t sel)
{
    /* CF and SF from the cmp, DF set: all must be saved in main's TSS and restored */
    asm volatile("movl $0x11223344, %%ebx\n\t"
                 "movl $0x55667788, %%esi\n\t"
                 "movl $1f, ret_addr\n\t"
                 "movl $1, %%eax\n\t"
                 "cmpl $2, %%eax\n\t"
                 "jmp 2f\n"      /* QEMU 7.2 does not sync its lazy flags before lcall: end its TB here */
                 "2:\n\t"
                 "std\n\t"
                 "pushl %0\n\t"
                 "pushl $0\n\t"
                 "lcall *(%%esp)\n"
                 "1:\n\t"
                 "pushfl\n\t"
                 "popl after_eflags\n\t"
                 "cld\n\t"
                 "addl $8, %%esp"
                 : : "r"((uint32_t)sel) : "eax", "ebx", "esi", "memory", "cc");
}

NOINLINE static void jmp_to(uint16_t sel)
{
    asm volatile("movl $1f, ret_addr\n\t"
                 "pushl %0\n\t"
                 "pushl $0\n\t"
                 "ljmp *(%%esp)\n"
                 "1:\n\t"
                 "addl $8, %%esp"
                 : : "r"((uint32_t)sel) : "memory", "cc");
}

static void test_call_iret(void)
{
    clts();
    call_a(SEL_A);
    t_eq("call: task ran", a_runs, 1);
    t_eq("call: NT in the new task", a_eflags & FL_NT, FL_NT);
    t_eq("call: back link", a_link, SEL_MAIN);
    t_eq("call: caller busy", a_type_main, 0xb);
    t_eq("call: callee busy", a_type_a, 0xb);
    t_eq("call: TR", a_tr, SEL_A);
    t_eq("call: CR0.TS set", a_cr0 & CR0_TS, CR0_TS);
    t_eq("call: saved EIP", a_main_eip, ret_addr);
    t_eq("call: saved EBX", a_main_ebx, 0x11223344);
    t_eq("call: saved ESI", a_main_esi, 0x55667788);
    t_eq("call: saved EFLAGS", a_main_eflags & (FL_CF | FL_ZF | FL_SF | FL_DF | FL_NT), FL_CF | FL_SF | FL_DF);
    t_eq("iret: EFLAGS restored", after_eflags & (FL_CF | FL_ZF | FL_SF | FL_DF | FL_NT), FL_CF | FL_SF | FL_DF);
    t_eq("iret: callee not busy", gdt_type(4), 0x9);
    t_eq("iret: caller busy", gdt_type(3), 0xb);
    t_eq("iret: TR", read_tr(), SEL_MAIN);
    t_eq("iret: callee saved EIP", tss[T_A].eip, (uint32_t)a_after_iret);
    t_eq("iret: callee image NT clear", tss[T_A].eflags & FL_NT, 0);
    t_eq("iret: callee image ESP", tss[T_A].esp <= (uint32_t)stacks[T_A] + 4096 && tss[T_A].esp > (uint32_t)stacks[T_A], 1);
    t_eq("iret: CR0.TS set", read_cr0() & CR0_TS, CR0_TS);
    clts();

    call_a(SEL_A);
    t_eq("call again: resumed after iret", a_runs, 2);
    t_eq("call again: back link", a_link, SEL_MAIN);

    a_link = 0;
    call_a(SEL_GATE_A);
    t_eq("call gate: task ran", a_runs, 3);
    t_eq("call gate: NT", a_eflags & FL_NT, FL_NT);
    t_eq("call gate: back link", a_link, SEL_MAIN);
    t_eq("call gate: callee busy", a_type_a, 0xb);
}

static void test_jmp(void)
{
    tss[T_B].link = 0x1234;
    clts();
    jmp_to(SEL_B);
    t_eq("jmp: task ran", b_runs, 1);
    t_eq("jmp: no NT", b_eflags & FL_NT, 0);
    t_eq("jmp: back link untouched", b_link, 0x1234);
    t_eq("jmp: old task not busy", b_type_main, 0x9);
    t_eq("jmp: new task busy", b_type_b, 0xb);
    t_eq("jmp: saved EIP", b_main_eip, ret_addr);
    t_eq("jmp back: B not busy", gdt_type(5), 0x9);
    t_eq("jmp back: main busy", gdt_type(3), 0xb);
    t_eq("jmp back: B saved EIP", tss[T_B].eip, (uint32_t)b_after_jmp);
    t_eq("jmp back: TR", read_tr(), SEL_MAIN);
    t_eq("jmp back: CR0.TS set", read_cr0() & CR0_TS, CR0_TS);
    clts();
    jmp_to(SEL_B);
    t_eq("jmp again: resumed", b_runs, 2);

    jmp_to(SEL_GATE_A);
    t_eq("jmp gate: task ran", a_runs, 4);
    t_eq("jmp gate: no NT", a_eflags & FL_NT, 0);
    t_eq("jmp gate: old task not busy", a_type_main, 0x9);
    t_eq("jmp gate: saved EIP", a_main_eip, ret_addr);
    t_eq("jmp gate: A not busy after", gdt_type(4), 0x9);
    t_eq("jmp gate: A saved EIP", tss[T_A].eip, (uint32_t)a_after_jmp);
}

static void test_int(void)
{
    uint32_t next;
    idt_set_gate(0x40, 0, SEL_C, 0x85);
    asm volatile("movl $1f, %0\n\tint $0x40\n1:" : "=m"(next) : : "memory");
    t_eq("int gate: task ran", c_runs, 1);
    t_eq("int gate: NT", c_eflags & FL_NT, FL_NT);
    t_eq("int gate: back link", c_link, SEL_MAIN);
    t_eq("int gate: busy", c_type_c, 0xb);
    t_eq("int gate: saved EIP after int", c_main_eip, next);
    t_eq("int gate: not busy after", gdt_type(8), 0x9);
    asm volatile("int $0x40" ::: "memory");
    t_eq("int gate again", c_runs, 2);
}

static void test_exceptions(void)
{
    uint32_t at;
    uint32_t top = (uint32_t)stacks[T_EXC] + sizeof stacks[T_EXC];
    idt_set_gate(8, 0, SEL_EXC, 0x85);

    /* #DE through an empty IDT entry -> #GP(3) -> #DF through the task gate */
    uint64_t saved0 = idt[0];
    idt_clear(0);
    asm volatile("movl $1f, %0\n\t"
                 "movl $2f, exc_resume\n\t"
                 "xorl %%ecx, %%ecx\n\t"
                 "xorl %%edx, %%edx\n"
                 "1:\n\t"
                 "divl %%ecx\n"
                 "2:"
                 : "=m"(at) : : "eax", "ecx", "edx", "memory", "cc");
    idt[0] = saved0;
    t_eq("#DF task: ran", e_runs, 1);
    t_eq("#DF task: error code", e_err, 0);
    t_eq("#DF task: error on the new stack", e_esp, top - 4);
    t_eq("#DF task: back link", e_link, SEL_MAIN);
    t_eq("#DF task: NT", e_eflags & FL_NT, FL_NT);
    t_eq("#DF task: saved EIP = faulting insn", e_main_eip, at);

    /* #GP(0x1000) through a task gate */
    uint64_t saved13 = idt[13];
    idt_set_gate(13, 0, SEL_EXC, 0x85);
    asm volatile("movl $1f, %0\n\t"
                 "movl $2f, exc_resume\n"
                 "1:\n\t"
                 "ljmp $0x1000, $0\n"
                 "2:"
                 : "=m"(at) : : "memory");
    idt[13] = saved13;
    t_eq("#GP task: ran", e_runs, 2);
    t_eq("#GP task: error code", e_err, 0x1000);
    t_eq("#GP task: error on the new stack", e_esp, top - 4);
    t_eq("#GP task: saved EIP = faulting insn", e_main_eip, at);
    t_eq("#GP task: not busy after", gdt_type(7), 0x9);
}

#define EXPECT(label, insn, vec, err)                                                                             \
    do {                                                                                                          \
        fault_reset();                                                                                            \
        asm volatile(FAULT_SETUP insn FAULT_DONE ::: "memory", "cc");                                             \
        t_eq(label ": vector", fault_vector, vec);                                                                \
        t_eq(label ": error code", fault_err, err);                                                               \
        t_eq(label ": EIP", fault_eip, fault_ip);                                                                 \
    } while (0)

static void test_errors(void)
{
    EXPECT("ljmp busy TSS", "ljmp $0x18, $0", 13, SEL_MAIN);
    EXPECT("lcall busy TSS", "lcall $0x18, $0", 13, SEL_MAIN);
    EXPECT("ljmp gate to busy TSS", "ljmp $0x60, $0", 13, SEL_MAIN);
    EXPECT("ljmp RPL 3 > DPL 0", "ljmp $0x23, $0", 13, SEL_A);
    EXPECT("lcall gate RPL 3 > DPL 0", "lcall $0x33, $0", 13, SEL_GATE_A);
    EXPECT("ljmp small TSS limit", "ljmp $0x48, $0", 10, SEL_SMALL);
    EXPECT("lcall TSS not present", "lcall $0x50, $0", 11, SEL_NP);
    EXPECT("ljmp gate not present", "ljmp $0x68, $0", 11, SEL_GATE_NP);
    t_eq("errors: nothing busy", gdt_type(4) == 9 && gdt_type(9) == 9 && gdt_type(10) == 9, 1);
    t_eq("errors: TR", read_tr(), SEL_MAIN);

    /* iret with NT to a task that is not busy: #TS(back link) at the iret */
    tss[T_MAIN].link = SEL_A;
    fault_reset();
    asm volatile("pushfl\n\torl $0x4000, (%%esp)\n\tpopfl\n\t" FAULT_SETUP "iret" FAULT_DONE
                 "pushfl\n\tandl $~0x4000, (%%esp)\n\tpopfl" ::: "memory", "cc");
    t_eq("iret NT to non-busy TSS: vector", fault_vector, 10);
    t_eq("iret NT to non-busy TSS: error code", fault_err, SEL_A);
    t_eq("iret NT to non-busy TSS: EIP", fault_eip, fault_ip);
    t_eq("iret NT: NT cleared again", read_eflags() & FL_NT, 0);
}

static void test_new_task_faults(void)
{
    /* DS of the new task not present: #NP(DS) after the switch, in the new task */
    set_handler(11, bad_task_np);
    jmp_to(SEL_BAD);
    set_handler(11, 0);
    t_eq("new task #NP: handled", bad_runs, 1);
    t_eq("new task #NP: vector", bad_vec, 11);
    t_eq("new task #NP: error code", bad_err, SEL_DATA_NP);
    t_eq("new task #NP: in the new task", bad_tr, SEL_BAD);
    t_eq("new task #NP: back in main", read_tr(), SEL_MAIN);
    t_eq("new task #NP: not busy after", gdt_type(15), 0x9);

    /* a ring-3 task, called from ring 0 */
    idt_set_gate(0x41, 0, SEL_C, 0x85); /* task gate, DPL 0 */
    call_a(SEL_U);
    t_eq("ring-3 task: ran", u_runs, 1);
    t_eq("ring-3 task: CS (CPL 3)", u_cs, UCODE);
    t_eq("ring-3 int through DPL 0 task gate: vector", u_int_vec, 13);
    t_eq("ring-3 int through DPL 0 task gate: error code", u_int_err, 0x41 * 8 + 2);
    t_eq("ring-3 int through DPL 0 task gate: EIP", u_int_eip_ok, 1);
    t_eq("ring-3 ljmp to DPL 0 TSS: vector", u_jmp_vec, 13);
    t_eq("ring-3 ljmp to DPL 0 TSS: error code", u_jmp_err, SEL_A);
    t_eq("ring-3 ljmp to DPL 0 TSS: EIP", u_jmp_eip_ok, 1);
    t_eq("ring-3 iret: back at CPL 0", read_tr() == SEL_MAIN && gdt_type(16) == 9, 1);
    t_eq("ring-3 int: task C not run", c_runs, 2);
}

static void test_tss16(void)
{
    memset(&tss16, 0, sizeof tss16);
    tss16.ip = (uint16_t)((uint32_t)task16_entry - 0x100000);
    tss16.flags = FL_FIXED | FL_CF;
    tss16.ax = 0x1234;
    tss16.bx = 0x5678;
    tss16.sp = 0x1000;
    tss16.cs = SEL_CODE_1M;
    tss16.ss = SEL_SS16;
    tss16.ds = tss16.es = SEL_DATA;
    gdt_set(19, (uint32_t)&tss16, sizeof tss16 - 1, 0x81, 0);
    gdt_set(20, 0x100000, 0xfffff, 0x9a, 0xc);
    gdt_set(21, (uint32_t)stacks[T_16], 0xffff, 0x92, 0x0);
    call_a(SEL_T16);
    t_eq("16-bit TSS: ran", h_runs, 1);
    t_eq("16-bit TSS: AX", h_eax & 0xffff, 0x1234);
    t_eq("16-bit TSS: BX", h_ebx & 0xffff, 0x5678);
    t_eq("16-bit TSS: SP", h_esp & 0xffff, 0x1000);
    t_eq("16-bit TSS: FLAGS with NT", h_eflags & (FL_NT | FL_CF), FL_NT | FL_CF);
    t_eq("16-bit TSS: link", tss16.link, SEL_MAIN);
    t_eq("16-bit TSS: saved IP", tss16.ip, (uint32_t)h_after_iret - 0x100000);
    t_eq("16-bit TSS: saved AX", tss16.ax, 0x9999);
    t_eq("16-bit TSS: saved FLAGS NT clear", tss16.flags & FL_NT, 0);
    t_eq("16-bit TSS: not busy after", gdt_type(19), 0x1);
    printf("16-bit TSS: upper halves eax %08x esp %08x\n", h_eax & 0xffff0000, h_esp & 0xffff0000);
    call_a(SEL_T16);
    t_eq("16-bit TSS: again", h_runs, 2);
}

static void test_paging(void)
{
    for (int i = 0; i < 1024; i++)
        pd1[i] = pd2[i] = 0;
    pd1[0] = pd2[0] = 0x000000 | 0x83; /* 4 MiB pages: P W PS */
    pd1[1] = 0x400000 | 0x83;
    pd2[1] = 0x800000 | 0x83;
    *(volatile uint32_t *)0x400000 = 0xaaaa0001;
    *(volatile uint32_t *)0x800000 = 0xbbbb0002;
    for (int t = 0; t < T_COUNT; t++)
        tss[t].cr3 = (uint32_t)pd1;
    tss[T_P].cr3 = (uint32_t)pd2;
    uint32_t cr4;
    asm volatile("movl %%cr4, %0" : "=r"(cr4));
    asm volatile("movl %0, %%cr4" : : "r"(cr4 | CR4_PSE));
    asm volatile("movl %0, %%cr3" : : "r"((uint32_t)pd1));
    asm volatile("movl %0, %%cr0" : : "r"(read_cr0() | CR0_PG) : "memory");
    t_eq("paging: main sees its mapping", *(volatile uint32_t *)0x400000, 0xaaaa0001);
    call_a(SEL_P);
    t_eq("paging: task sees its own mapping", p_val, 0xbbbb0002);
    t_eq("paging: task CR3", p_cr3, (uint32_t)pd2);
    t_eq("paging: main CR3 back", read_cr3(), (uint32_t)pd1);
    t_eq("paging: main mapping back", *(volatile uint32_t *)0x400000, 0xaaaa0001);
    call_a(SEL_P);
    t_eq("paging: task again", p_val, 0xbbbb0002);
    asm volatile("movl %0, %%cr0" : : "r"(read_cr0() & ~CR0_PG) : "memory");
}

int main(uint32_t magic, uint32_t info)
{
    t_begin("tasks");
    init_task(T_MAIN, NULL);
    init_task(T_A, task_a);
    init_task(T_B, task_b);
    init_task(T_EXC, (void (*)(void))exc_task_entry);
    init_task(T_C, task_c);
    init_task(T_SMALL, task_a);
    init_task(T_NP, task_a);
    init_task(T_P, task_p);
    gdt_set(3, (uint32_t)&tss[T_MAIN], sizeof(struct tss32) - 1, 0x89, 0);
    gdt_set(4, (uint32_t)&tss[T_A], sizeof(struct tss32) - 1, 0x89, 0);
    gdt_set(5, (uint32_t)&tss[T_B], sizeof(struct tss32) - 1, 0x89, 0);
    gdt[6] = task_gate(SEL_A, 1);
    gdt_set(7, (uint32_t)&tss[T_EXC], sizeof(struct tss32) - 1, 0x89, 0);
    gdt_set(8, (uint32_t)&tss[T_C], sizeof(struct tss32) - 1, 0x89, 0);
    gdt_set(9, (uint32_t)&tss[T_SMALL], 0x66, 0x89, 0);
    gdt_set(10, (uint32_t)&tss[T_NP], sizeof(struct tss32) - 1, 0x09, 0);
    gdt_set(11, (uint32_t)&tss[T_P], sizeof(struct tss32) - 1, 0x89, 0);
    gdt[12] = task_gate(SEL_MAIN, 1);
    gdt[13] = task_gate(SEL_A, 0);
    gdt_set(14, 0, 0xfffff, 0x12, 0xc); /* data, DPL 0, not present */
    init_task(T_BAD, task_a);
    tss[T_BAD].ds = SEL_DATA_NP;
    gdt_set(15, (uint32_t)&tss[T_BAD], sizeof(struct tss32) - 1, 0x89, 0);
    init_task(T_U, task_u);
    tss[T_U].cs = UCODE;
    tss[T_U].ss = tss[T_U].ds = tss[T_U].es = tss[T_U].fs = tss[T_U].gs = UDATA;
    tss[T_U].ss0 = SEL_DATA;
    tss[T_U].esp0 = (uint32_t)stacks[T_UK] + sizeof stacks[T_UK];
    gdt_set(16, (uint32_t)&tss[T_U], sizeof(struct tss32) - 1, 0x89, 0);
    gdt_set(17, 0, 0xfffff, 0xfa, 0xc);
    gdt_set(18, 0, 0xfffff, 0xf2, 0xc);
    uint16_t ldt0 = 0;
    asm volatile("lldt %0" : : "r"(ldt0));
    asm volatile("ltr %w0" : : "r"(SEL_MAIN));
    t_eq("ltr: main busy", gdt_type(3), 0xb);

    test_call_iret();
    test_jmp();
    test_int();
    test_exceptions();
    test_errors();
    test_new_task_faults();
    test_tss16();
    test_paging();
    t_end();
}
