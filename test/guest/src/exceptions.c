/*
 * exceptions: int3 / int $3 (#BP, trap: saved EIP after the instruction),
 * into with OF set (#OF) and clear, bound (#BR, fault), ud2 and other
 * invalid opcodes (#UD, EIP at the instruction), #GP with error codes from
 * bad selector loads (beyond the GDT limit, LDT selector without LDT,
 * execute-only code into DS, read-only data / null into SS,
 * RPL > DPL), #NP / #SS for not-present segments, #GP for an empty IDT
 * entry and #NP for a not-present gate (error code = vector*8+2), #GP for a
 * vector beyond the IDT limit, software interrupts through a gate at
 * 0x40 with registers preserved, iret, IF inside interrupt vs trap gates,
 * single-step (#DB after the instruction following the popf that sets TF).
 */
#include "rt.h"

#define EXPECT(label, vec, err, at_insn)                                                                           \
    do {                                                                                                           \
        char l_[64];                                                                                               \
        snprintf(l_, sizeof l_, "%s vector", label);                                                               \
        t_eq(l_, fault_vector, vec);                                                                               \
        if ((err) != 0xffffffffu) {                                                                                \
            snprintf(l_, sizeof l_, "%s error code", label);                                                       \
            t_eq(l_, fault_err, err);                                                                              \
        }                                                                                                          \
        snprintf(l_, sizeof l_, "%s saved eip", label);                                                            \
        t_eq(l_, fault_eip - fault_ip, (at_insn));                                                                 \
    } while (0)

static struct regs seen;
static uint32_t seen_count, seen_if;
static void record_handler(struct regs *r)
{
    seen = *r;
    seen_count++;
    seen_if = read_eflags() & FL_IF;
    r->eax = 0xc0de0000 | (r->vector & 0xffff);
}

static uint32_t db_count, db_eip, db_dr6;
static void db_handler(struct regs *r)
{
    uint32_t dr6;
    asm volatile("movl %%dr6, %0" : "=r"(dr6));
    db_count++;
    db_eip = r->eip;
    db_dr6 = dr6;
    r->eflags &= ~FL_TF;
}

static void load_ds_fault(const char *label, uint32_t sel, uint32_t vec, uint32_t err)
{
    fault_reset();
    asm volatile(FAULT_SETUP "movw %w0, %%ds" FAULT_DONE "movw $0x10, %%ax\n\tmovw %%ax, %%ds"
                 :
                 : "r"(sel)
                 : "eax", "memory");
    EXPECT(label, vec, err, 0);
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("exceptions");

    /* ---- #BP ---- */
    fault_reset();
    asm volatile(FAULT_SETUP "int3" FAULT_DONE ::: "memory");
    EXPECT("int3", 3, 0, 1);
    fault_reset();
    asm volatile(FAULT_SETUP ".byte 0xcd, 0x03" FAULT_DONE ::: "memory"); /* int $3, 2-byte form */
    EXPECT("int $3 (cd 03)", 3, 0, 2);
    {
        /* with a handler: registers visible in the frame, eax modified on return */
        set_handler(3, record_handler);
        uint32_t a = 0x1111, b = 0x2222, c = 0x3333, d = 0x4444, s = 0x5555, di = 0x6666;
        asm volatile("int3" : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di) : : "memory");
        set_handler(3, 0);
        t_ok("int3 frame registers", seen.eax == 0x1111 && seen.ebx == 0x2222 && seen.ecx == 0x3333 &&
                                         seen.edx == 0x4444 && seen.esi == 0x5555 && seen.edi == 0x6666);
        t_ok("int3 frame cs/ds", seen.cs == 0x08 && (seen.ds & 0xffff) == 0x10);
        t_ok("int3 handler result and preserved registers",
             a == 0xc0de0003 && b == 0x2222 && c == 0x3333 && d == 0x4444 && s == 0x5555 && di == 0x6666);
    }

    /* ---- #OF ---- */
    fault_reset();
    asm volatile("movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\t" FAULT_SETUP "into" FAULT_DONE ::: "eax", "memory", "cc");
    EXPECT("into OF=1", 4, 0, 1);
    fault_reset();
    asm volatile("xorl %%eax, %%eax\n\t" FAULT_SETUP "into" FAULT_DONE ::: "eax", "memory", "cc");
    t_eq("into OF=0 no exception", fault_vector, 0xffffffff);

    /* ---- #BR ---- */
    {
        static int32_t bounds[2] = {-5, 100};
        static int16_t bounds16[2] = {10, 20};
        int32_t idx;
        const char *names[6] = {"bound in range (low)", "bound in range (high)", "bound below", "bound above",
                                "bound16 below", "bound16 in range"};
        int32_t vals[6] = {-5, 100, -6, 101, 9, 20};
        for (int i = 0; i < 6; i++) {
            fault_reset();
            idx = vals[i];
            if (i < 4)
                asm volatile(FAULT_SETUP "boundl %0, %1" FAULT_DONE : : "r"(idx), "m"(bounds) : "memory");
            else
                asm volatile(FAULT_SETUP "boundw %w0, %1" FAULT_DONE : : "r"(idx), "m"(bounds16) : "memory");
            if (i == 0 || i == 1 || i == 5)
                t_eq(names[i], fault_vector, 0xffffffff);
            else
                EXPECT(names[i], 5, 0, 0);
        }
    }

    /* ---- #UD ---- */
    {
        static const char *const names[] = {"ud2", "ud1 (0f b9)", "fe /7", "lock nop", "lea reg,reg", "mov cs,ax",
                                            "lock add reg,reg"};
        for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
            fault_reset();
            switch (i) {
            case 0: asm volatile(FAULT_SETUP "ud2" FAULT_DONE ::: "memory"); break;
            case 1: asm volatile(FAULT_SETUP ".byte 0x0f, 0xb9, 0xc0" FAULT_DONE ::: "memory"); break;
            case 2: asm volatile(FAULT_SETUP ".byte 0xfe, 0xf8" FAULT_DONE ::: "memory"); break;
            case 3: asm volatile(FAULT_SETUP ".byte 0xf0, 0x90" FAULT_DONE ::: "memory"); break;
            case 4: asm volatile(FAULT_SETUP ".byte 0x8d, 0xc0" FAULT_DONE ::: "memory"); break;
            case 5: asm volatile(FAULT_SETUP ".byte 0x8e, 0xc8" FAULT_DONE ::: "memory"); break;
            case 6: asm volatile(FAULT_SETUP ".byte 0xf0, 0x01, 0xc0" FAULT_DONE ::: "memory"); break;
            }
            EXPECT(names[i], 6, 0, 0);
        }
    }

    /* ---- #GP / #NP / #SS from segment loads ---- */
    asm volatile("xorl %%eax, %%eax\n\tlldt %%ax" ::: "eax"); /* no LDT: LDT selectors fault */
    gdt_set(5, 0, 0xfffff, 0x98, 0xC); /* 0x28 execute-only code */
    gdt_set(6, 0, 0xfffff, 0x12, 0xC); /* 0x30 not-present writable data */
    gdt_set(7, 0, 0xfffff, 0x90, 0xC); /* 0x38 read-only data */
    gdt_set(8, 0, 0xfffff, 0x92, 0xC); /* 0x40 flat writable data */
    load_ds_fault("ds=0x100 beyond the GDT limit", 0x100, 13, 0x100);
    load_ds_fault("ds=0x1f8 beyond the GDT limit", 0x1f8, 13, 0x1f8);
    load_ds_fault("ds=0x1ff LDT selector, RPL 3", 0x1ff, 13, 0x1fc);
    load_ds_fault("ds=0x0c LDT selector without LDT", 0x0c, 13, 0x0c);
    load_ds_fault("ds=0x28 execute-only code", 0x28, 13, 0x28);
    load_ds_fault("ds=0x30 not present", 0x30, 11, 0x30);
    load_ds_fault("ds=0x33 not present, RPL 3 > DPL 0", 0x33, 13, 0x30);
    {
        fault_reset();
        asm volatile("movw $0x38, %%ax\n\t" FAULT_SETUP "movw %%ax, %%ss" FAULT_DONE ::: "eax", "memory");
        EXPECT("ss=0x38 read-only", 13, 0x38, 0);
        fault_reset();
        asm volatile("movw $0x30, %%ax\n\t" FAULT_SETUP "movw %%ax, %%ss" FAULT_DONE ::: "eax", "memory");
        EXPECT("ss=0x30 not present", 12, 0x30, 0);
        fault_reset();
        asm volatile("movw $0, %%ax\n\t" FAULT_SETUP "movw %%ax, %%ss" FAULT_DONE ::: "eax", "memory");
        EXPECT("ss=0 null", 13, 0, 0);
        /* loading a valid second data selector into SS works */
        uint32_t ss;
        asm volatile("movw $0x40, %%ax\n\tmovw %%ax, %%ss\n\tpushl $1\n\tpopl %%eax\n\tmovl %%ss, %0\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%ss"
                     : "=r"(ss)
                     :
                     : "eax", "memory");
        t_eq("ss=0x40 loads", ss & 0xffff, 0x40);
    }
    /*
     * Not tested: faults on *accesses* (null selector in ES used for a write,
     * write through a read-only data segment, segment limit violations):
     * QEMU's TCG does not check them, so it cannot be the reference.
     */

    /* ---- interrupts through the IDT ---- */
    {
        idt_set_stub(0x40, 0x8E); /* interrupt gate */
        idt_set_stub(0x41, 0x8F); /* trap gate */
        set_handler(0x40, record_handler);
        set_handler(0x41, record_handler);
        uint32_t a = 0xa, b = 0xb, c = 0xc, d = 0xd, s = 0x5, di = 0x7, esp0, esp1, after;
        seen_count = 0;
        asm volatile("movl %%esp, %[e0]\n\tint $0x40\n\t1:\n\tmovl $1b, %[after]\n\tmovl %%esp, %[e1]"
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di), [e0] "=m"(esp0), [e1] "=m"(esp1),
                       [after] "=m"(after)
                     :
                     : "memory");
        t_eq("int $0x40 handler ran once", seen_count, 1);
        t_eq("int $0x40 result in eax", a, 0xc0de0040);
        t_ok("int $0x40 registers preserved", b == 0xb && c == 0xc && d == 0xd && s == 0x5 && di == 0x7);
        t_ok("int $0x40 esp preserved", esp0 == esp1);
        t_eq("int $0x40 saved eip is after the int", seen.eip, after);
        t_eq("int $0x40 saved cs", seen.cs, 0x08);
        t_eq("int $0x40 frame esp", seen.esp_pusha, esp0 - 12 - 8);

        /* IF: cleared by interrupt gates, kept by trap gates (all IRQs are masked) */
        asm volatile("sti\n\tint $0x40\n\tcli" ::: "eax", "memory");
        t_ok("interrupt gate: IF=0 in handler, IF=1 saved", seen_if == 0 && (seen.eflags & FL_IF));
        asm volatile("sti\n\tint $0x41\n\tcli" ::: "eax", "memory");
        t_ok("trap gate: IF=1 in handler", seen_if == FL_IF && (seen.eflags & FL_IF));
        asm volatile("int $0x41" ::: "eax", "memory");
        t_ok("trap gate with IF=0", seen_if == 0 && !(seen.eflags & FL_IF));
        t_eq("interrupt count", seen_count, 4);

        /* iret by hand */
        uint32_t fl, lbl;
        asm volatile("pushl $0x8c3\n\tpushl $0x08\n\tpushl $1f\n\tiret\n\t1:\n\tmovl $1b, %1\n\tpushfl\n\tpopl %0\n\t"
                     "pushl $2\n\tpopfl"
                     : "=r"(fl), "=r"(lbl)
                     :
                     : "memory", "cc");
        t_eq("iret loads eflags", fl, 0x8c3);

        /* empty IDT entry (type 0 is not a gate): #GP(vector*8+2) */
        fault_reset();
        asm volatile(FAULT_SETUP "int $0x80" FAULT_DONE ::: "memory");
        EXPECT("int $0x80 empty IDT entry", 13, 0x80 * 8 + 2, 0);
        /* valid gate type but not present: #NP(vector*8+2) */
        idt_set_gate(0x81, (uint32_t)isr_stubs + 16 * 0x81, SEL_CODE, 0x0E);
        fault_reset();
        asm volatile(FAULT_SETUP "int $0x81" FAULT_DONE ::: "memory");
        EXPECT("int $0x81 not-present gate", 11, 0x81 * 8 + 2, 0);
        idt_clear(0x81);

        /* beyond the IDT limit: #GP(vector*8+2) */
        struct {
            uint16_t limit;
            uint32_t base;
        } __attribute__((packed)) small = {0x48 * 8 - 1, (uint32_t)idt}, full = {256 * 8 - 1, (uint32_t)idt};
        fault_reset();
        asm volatile("lidt %0\n\t" FAULT_SETUP "int $0x50" FAULT_DONE "lidt %1" : : "m"(small), "m"(full) : "memory");
        EXPECT("int $0x50 beyond the IDT limit", 13, 0x50 * 8 + 2, 0);
        uint8_t sidt[6];
        asm volatile("sidt %0" : "=m"(sidt));
        t_ok("sidt", *(uint16_t *)sidt == 256 * 8 - 1 && *(uint32_t *)(sidt + 2) == (uint32_t)idt);
    }

    /* ---- single step ---- */
    {
        set_handler(1, db_handler);
        db_count = 0;
        uint32_t first;
        asm volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\tnop\n\t1:\n\tnop\n\tnop\n\tmovl $1b, %0"
                     : "=r"(first)
                     :
                     : "memory", "cc");
        set_handler(1, 0);
        t_eq("single step: one #DB", db_count, 1);
        t_eq("single step: eip after the first instruction", db_eip, first);
        t_ok("single step: DR6.BS", (db_dr6 & 0x4000) != 0);
    }

    t_end();
}
