/*
 * debugregs: the guest's own debug registers (Intel SDM Vol. 3B, 17.2-17.3).
 *  - instruction breakpoints (R/W = 00): #DB fault before the instruction, DR6.Bn, the
 *    handler sets RF in the saved EFLAGS so that iret runs the instruction once;
 *  - data breakpoints on writes (01) and on reads or writes (11), lengths 1, 2 and 4:
 *    #DB trap after the accessing instruction, saved EIP = the next instruction;
 *  - disabled breakpoints (L/G clear) never fire;
 *  - DR4/DR5 alias DR6/DR7 with CR4.DE = 0 and raise #UD with CR4.DE = 1.
 */
#include "rt.h"

static volatile uint32_t db_count, db_eip, db_dr6;
static volatile uint32_t var32 ALIGNED(16);
static volatile uint32_t other32;

static void db_handler(struct regs *r)
{
    uint32_t dr6;
    asm volatile("mov %%dr6, %0" : "=r"(dr6));
    db_count++;
    db_eip = r->eip;
    db_dr6 = dr6;
    asm volatile("mov %0, %%dr6" : : "r"(0xffff0ff0u));
    r->eflags |= 0x10000; /* RF: the faulting instruction runs once after iret */
}

static inline void set_dr(int n, uint32_t v)
{
    switch (n) {
    case 0: asm volatile("mov %0, %%dr0" : : "r"(v)); break;
    case 1: asm volatile("mov %0, %%dr1" : : "r"(v)); break;
    case 2: asm volatile("mov %0, %%dr2" : : "r"(v)); break;
    case 3: asm volatile("mov %0, %%dr3" : : "r"(v)); break;
    default: asm volatile("mov %0, %%dr7" : : "r"(v)); break;
    }
}

static uint32_t read_dr7(void) { uint32_t v; asm volatile("mov %%dr7, %0" : "=r"(v)); return v; }

/* Breakpoint n: enable (L bit), R/W and LEN fields. */
static uint32_t dr7_bits(int n, uint32_t rw, uint32_t len) { return (1u << (n * 2)) | (rw << (16 + n * 4)) | (len << (18 + n * 4)); }

static NOINLINE uint32_t target(uint32_t x) { return x * 3 + 1; }

extern char write_insn[], write_next[], read_insn[], read_next[];

static void reset_db(void) { db_count = 0; db_eip = 0; db_dr6 = 0; }

static void test_exec(void)
{
    reset_db();
    set_dr(0, (uint32_t)target);
    set_dr(7, dr7_bits(0, 0, 0));
    uint32_t v = target(5);
    t_eq("exec bp: one #DB per call", db_count, 1);
    t_eq("exec bp: saved EIP is the breakpoint", db_eip, (uint32_t)target);
    t_eq("exec bp: DR6.B0", db_dr6 & 0xf, 1);
    t_eq("exec bp: the function ran once (RF)", v, 16);
    v = target(6);
    t_eq("exec bp: fires again on the next call (RF lasted one instruction)", db_count, 2);
    t_eq("exec bp: result", v, 19);
    set_dr(7, 0);
    target(7);
    t_eq("exec bp: disabled in DR7, no #DB", db_count, 2);
    set_dr(7, 0);
}

static void test_data(void)
{
    reset_db();
    set_dr(1, (uint32_t)&var32);
    set_dr(7, dr7_bits(1, 1, 3)); /* write, 4 bytes */
    asm volatile("write_insn: movl $0x1234, var32\nwrite_next: nop" ::: "memory");
    t_eq("data write bp: #DB after the store", db_count, 1);
    t_eq("data write bp: saved EIP is the next instruction", db_eip, (uint32_t)write_next);
    t_eq("data write bp: DR6.B1", db_dr6 & 0xf, 2);
    t_eq("data write bp: the store happened", var32, 0x1234);
    uint32_t x = var32;
    t_eq("data write bp: a read does not fire", db_count, 1);
    *((volatile uint8_t *)&var32 + 3) = 0x55;
    t_eq("data write bp: a byte store inside the range fires", db_count, 2);
    other32 = 7;
    t_eq("data write bp: a store elsewhere does not", db_count, 2);

    reset_db();
    set_dr(2, (uint32_t)&var32 + 2);
    set_dr(7, dr7_bits(2, 3, 1)); /* read or write, 2 bytes at var32+2 */
    asm volatile("read_insn: movl var32, %%eax\nread_next: nop" : : : "eax", "memory");
    t_eq("data r/w bp: a 4-byte read overlapping it fires", db_count, 1);
    t_eq("data r/w bp: saved EIP after the load", db_eip, (uint32_t)read_next);
    t_eq("data r/w bp: DR6.B2", db_dr6 & 0xf, 4);
    x = *(volatile uint8_t *)&var32;
    t_eq("data r/w bp: a byte read below the range does not", db_count, 1);
    x += *((volatile uint8_t *)&var32 + 3);
    t_eq("data r/w bp: a byte read inside it does", db_count, 2);

    reset_db();
    set_dr(0, (uint32_t)&var32);
    set_dr(7, dr7_bits(0, 1, 0)); /* write, 1 byte */
    *((volatile uint8_t *)&var32 + 1) = 1;
    t_eq("data bp len 1: the next byte does not fire", db_count, 0);
    *(volatile uint16_t *)&var32 = 2;
    t_eq("data bp len 1: a word store covering it does", db_count, 1);
    set_dr(7, 0);
    (void)x;
}

static void test_alias(void)
{
    uint32_t v;
    set_dr(7, dr7_bits(1, 1, 3));
    asm volatile("mov %%dr5, %0" : "=r"(v));
    t_eq("CR4.DE = 0: DR5 reads DR7", v & 0xffff00ff, read_dr7() & 0xffff00ff);
    set_dr(7, 0);
    uint32_t cr4;
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    asm volatile("mov %0, %%cr4" : : "r"(cr4 | 8));
    fault_reset();
    set_handler(6, 0);
    asm volatile(FAULT_SETUP "mov %%dr4, %0" FAULT_DONE : "=r"(v));
    t_eq("CR4.DE = 1: DR4 is #UD", fault_vector, 6);
    asm volatile("mov %0, %%cr4" : : "r"(cr4));
}

int main(uint32_t magic, uint32_t info)
{
    (void)magic; (void)info;
    t_begin("debugregs");
    set_handler(1, db_handler);
    test_exec();
    test_data();
    test_alias();
    t_end();
}
