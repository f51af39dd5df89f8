/*
 * debugregs: the guest's own debug registers (Intel SDM Vol. 3B, 17.2-17.3).
 *  - instruction breakpoints (R/W = 00): #DB fault before the instruction, DR6.Bn, the
 *    handler sets RF in the saved EFLAGS so that iret runs the instruction once;
 *  - data breakpoints on writes (01) and on reads or writes (11), lengths 1, 2 and 4:
 *    #DB trap after the accessing instruction, saved EIP = the next instruction;
 *  - disabled breakpoints (L/G clear) never fire;
 *  - two instruction breakpoints (DR0, DR1) at one address: one #DB with DR6.B0 and B1;
 *  - I/O breakpoints (R/W = 10, CR4.DE = 1) of 1, 2 and 4 ports: in, out, ins and outs of
 *    bytes, words and dwords touching any port of the range trap after the instruction with
 *    DR6.Bn (two at once: both bits); ports next to the range do not fire;
 *  - DR4/DR5 alias DR6/DR7 with CR4.DE = 0 and raise #UD with CR4.DE = 1.
 * Left to test/emu/translate-i386/debug-regs.test.ts, where QEMU 7.2 departs from the SDM:
 * R/W = 10 with CR4.DE = 0 (undefined by the SDM, ignored by tcg86; QEMU treats it as an I/O
 * breakpoint anyway) and rep ins/outs (the SDM traps after the first iteration with EIP at the
 * rep instruction and ECX counted down; QEMU traps with EIP after it and ECX not decremented).
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
extern char io_out_next[], io_in_next[], io_ins_next[], io_outs_next[];

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

/* Two instruction breakpoints at the same address: both conditions are met, one #DB reports both. */
static void test_exec_twice(void)
{
    reset_db();
    set_dr(0, (uint32_t)target);
    set_dr(1, (uint32_t)target);
    set_dr(7, dr7_bits(0, 0, 0) | dr7_bits(1, 0, 0));
    uint32_t v = target(8);
    t_eq("exec bp x2: one #DB", db_count, 1);
    t_eq("exec bp x2: DR6.B0 and B1", db_dr6 & 0xf, 3);
    t_eq("exec bp x2: result", v, 25);
    set_dr(7, 0);
    set_dr(0, 0);
    set_dr(1, 0);
}

/* Free ports (nothing decodes 0x300-0x31f on either machine). */
#define IOBP 0x308

static inline void out_port(uint16_t port, uint32_t v, int size)
{
    if (size == 1) asm volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
    else if (size == 2) asm volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
    else asm volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}
static inline uint32_t in_port(uint16_t port, int size)
{
    uint32_t v = 0;
    if (size == 1) asm volatile("inb %w1, %b0" : "+a"(v) : "Nd"(port));
    else if (size == 2) asm volatile("inw %w1, %w0" : "+a"(v) : "Nd"(port));
    else asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* The number of #DBs one port access raises (db_dr6 holds the DR6 of the last). */
static uint32_t io_hits(uint16_t port, int size, int write)
{
    reset_db();
    if (write) out_port(port, 0, size); else (void)in_port(port, size);
    return db_count;
}

static void test_io(void)
{
    static uint8_t buf[4];
    uint8_t *p;
    uint32_t cr4;
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    asm volatile("mov %0, %%cr4" : : "r"(cr4 | 8));

    /* one port */
    reset_db();
    set_dr(0, IOBP);
    set_dr(7, dr7_bits(0, 2, 0));
    asm volatile("outb %%al, %%dx\nio_out_next: nop" : : "a"(0), "d"(IOBP));
    t_eq("io bp: #DB after outb", db_count, 1);
    t_eq("io bp: saved EIP is the next instruction", db_eip, (uint32_t)io_out_next);
    t_eq("io bp: DR6.B0", db_dr6 & 0xf, 1);
    reset_db();
    asm volatile("inb %%dx, %%al\nio_in_next: nop" : : "d"(IOBP) : "eax");
    t_eq("io bp: inb fires too, trap after it", db_count * 0x100 + (db_eip == (uint32_t)io_in_next), 0x101);
    t_eq("io bp len 1: inb of the next port does not fire", io_hits(IOBP + 1, 1, 0), 0);
    t_eq("io bp len 1: inw covering it from below fires", io_hits(IOBP - 1, 2, 0), 1);
    t_eq("io bp len 1: outl covering it fires", io_hits(IOBP, 4, 1), 1);
    reset_db();
    p = buf;
    asm volatile("insb\nio_ins_next: nop" : "+D"(p) : "d"(IOBP) : "memory");
    t_eq("io bp: insb fires, trap after it", db_count * 0x100 + (db_eip == (uint32_t)io_ins_next), 0x101);
    reset_db();
    p = buf;
    asm volatile("outsb\nio_outs_next: nop" : "+S"(p) : "d"(IOBP) : "memory");
    t_eq("io bp: outsb fires, trap after it", db_count * 0x100 + (db_eip == (uint32_t)io_outs_next), 0x101);

    /* two ports (DR1), four ports (DR2) */
    set_dr(1, IOBP + 2);
    set_dr(2, IOBP + 4);
    set_dr(7, dr7_bits(1, 2, 1) | dr7_bits(2, 2, 3));
    t_eq("io bp len 2: inw of its ports fires", io_hits(IOBP + 2, 2, 0), 1);
    t_eq("io bp len 2: DR6.B1", db_dr6 & 0xf, 2);
    t_eq("io bp len 2: outb of its second port fires", io_hits(IOBP + 3, 1, 1), 1);
    t_eq("io bp len 2: inb below it does not", io_hits(IOBP + 1, 1, 0), 0);
    t_eq("io bp len 4: outb of its last port fires", io_hits(IOBP + 7, 1, 1), 1);
    t_eq("io bp len 4: DR6.B2", db_dr6 & 0xf, 4);
    t_eq("io bp len 4: inl of its ports fires", io_hits(IOBP + 4, 4, 0), 1);
    t_eq("io bp len 4: inw above it does not", io_hits(IOBP + 8, 2, 0), 0);
    t_eq("io bp: inl over both ranges fires once", io_hits(IOBP + 2, 4, 0), 1);
    t_eq("io bp: ... with DR6.B1 and B2", db_dr6 & 0xf, 6);

    set_dr(7, 0);
    t_eq("io bp: disabled in DR7, no #DB", io_hits(IOBP + 4, 4, 0), 0);
    set_dr(0, 0);
    set_dr(1, 0);
    set_dr(2, 0);
    asm volatile("mov %0, %%cr4" : : "r"(cr4));
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
    test_exec_twice();
    test_io();
    test_alias();
    t_end();
}
