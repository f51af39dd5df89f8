/*
 * segments: data segments with a non-zero base (ES/FS/GS/DS, offsets that
 * wrap around 4 GiB), a code segment with base 0x1000 reached by far call
 * (direct and indirect), far jmp (direct and indirect), lret, lret imm16,
 * an exception taken while running in it (saved CS:EIP is segment
 * relative), a 16-bit code segment (operand size, 16-bit call/pop, lretl),
 * loading SS with a based segment (push/pop use base + ESP), a 16-bit stack
 * segment (push/pop use SP, the upper half of ESP is preserved),
 * lds/les/lfs/lgs/lss with 32- and 16-bit offsets, mov to/from segment
 * registers, segment override prefixes, the descriptor accessed bit.
 *
 * Segment limits are not checked here: QEMU's TCG does not enforce them.
 */
#include "rt.h"

#define SEL_DBASE 0x48 /* data, base = seg_buf + 0x100 */
#define SEL_CBASE 0x50 /* code, base = 0x1000 */
#define SEL_C16 0x58   /* 16-bit code, base = code16_start */
#define SEL_SBASE 0x60 /* stack, base = stk_buf */
#define SEL_S16 0x68   /* 16-bit stack, base = big_buf */
#define SEL_FRESH 0x70 /* flat data, accessed bit initially clear */
#define CBASE 0x1000

static uint8_t seg_buf[4096] ALIGNED(4096);
static uint8_t stk_buf[1024] ALIGNED(16);
static uint8_t big_buf[0x10000] ALIGNED(16);

/* ---- code run through the based code segment ---- */
void seg_code_fn(void), seg_code_l1(void), seg_code_int3(void), seg_code_fn2(void), far_jmp_test(void),
    far_jmp_test_ind(void), code16_start(void), code16_l1(void);
uint32_t fj_out_cs, fj_out_eip;
asm(".text\n"
    ".globl seg_code_fn, seg_code_l1, seg_code_int3, seg_code_fn2\n"
    "seg_code_fn:\n\t"
    "call seg_code_l1\n"
    "seg_code_l1:\n\t"
    "popl %eax\n\t"            /* offset of seg_code_l1 within the segment */
    "movl %cs, %edx\n"
    "seg_code_int3:\n\t"
    "int3\n\t"
    "lret\n"
    "seg_code_fn2:\n\t"        /* lret $8: two stack arguments */
    "movl 8(%esp), %eax\n\t"
    "subl 12(%esp), %eax\n\t"
    "lret $8\n"
    /* far jmp there and back */
    ".globl far_jmp_test\n"
    "far_jmp_test:\n\t"
    "ljmp $0x50, $(fj_target - 0x1000)\n"
    "fj_back:\n\t"
    "ret\n"
    "fj_target:\n\t"
    "movw %cs, fj_out_cs\n\t"
    "call 1f\n"
    "1:\tpopl fj_out_eip\n\t"
    "ljmp $0x08, $fj_back\n"
    ".globl far_jmp_test_ind\n"
    "far_jmp_test_ind:\n\t"
    "ljmp *fj_ptr\n"
    "fj_back2:\n\t"
    "ret\n"
    "fj_target2:\n\t"
    "movw %cs, fj_out_cs\n\t"
    "ljmp *fj_ptr_back\n"
    ".data\n.balign 4\n"
    "fj_ptr: .long fj_target2 - 0x1000\n\t.word 0x50\n"
    ".balign 4\n"
    "fj_ptr_back: .long fj_back2\n\t.word 0x08\n"
    ".text\n"
    /* 16-bit code segment: base = code16_start */
    ".globl code16_start, code16_l1\n"
    "code16_start:\n\t"
    ".code16\n\t"
    "movl $0xffffffff, %eax\n\t"
    "movw $0x1234, %ax\n\t"    /* no prefix in 16-bit code: 16-bit operand */
    "incw %ax\n\t"
    "movl $0x11112222, %ebx\n\t"
    "call code16_l1\n"
    "code16_l1:\n\t"
    "popw %si\n\t"             /* 16-bit call pushed IP (2 bytes) */
    "lretl\n\t"
    ".code32\n");

static volatile uint32_t bp_cs, bp_eip;
static void bp_handler(struct regs *r)
{
    bp_cs = r->cs;
    bp_eip = r->eip;
}

/* ---- stack segment tests ---- */
uint32_t ss_saved[2], ss_out[4];
struct farptr {
    uint32_t off;
    uint16_t sel;
} __attribute__((packed));
struct farptr ss_ptr, ss16_ptr;
void ss_test(void);
asm(".text\nss_test:\n\t"
    "pushal\n\t"
    "movl %esp, ss_saved\n\t"
    "movw %ss, ss_saved+4\n\t"
    "lss ss_ptr, %esp\n\t"
    "pushl $0xdeadbeef\n\t"
    "pushl $0x12345678\n\t"
    "popl %eax\n\t"
    "movl %eax, ss_out\n\t"
    "movl %esp, ss_out+4\n\t"
    "lss ss16_ptr, %esp\n\t"   /* 16-bit stack segment */
    "pushl $0xcafebabe\n\t"
    "movl %esp, ss_out+8\n\t"
    "popl %eax\n\t"
    "movl %esp, ss_out+12\n\t"
    "lss ss_saved, %esp\n\t"
    "popal\n\t"
    "ret\n");

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("segments");
    uint32_t dbase = (uint32_t)seg_buf + 0x100;
    gdt_set(9, dbase, 0xfffff, 0x93, 0xC);
    gdt_set(10, CBASE, 0xfffff, 0x9B, 0xC);
    gdt_set(11, (uint32_t)code16_start, 0xffff, 0x9B, 0x0);
    gdt_set(12, (uint32_t)stk_buf, 0xfffff, 0x93, 0xC);
    gdt_set(13, (uint32_t)big_buf, 0xffff, 0x93, 0x0);
    gdt_set(14, 0, 0xfffff, 0x92, 0xC);

    /* ---- data segment with a base ---- */
    {
        uint32_t v1, v2, v3;
        asm volatile("movw %w3, %%es\n\tmovl $0xa1b2c3d4, %%es:0x10\n\tmovl %%es:0x20, %0\n\t"
                     "movw %w3, %%fs\n\tmovl %%fs:0x30, %1\n\tmovw %w3, %%gs\n\tmovl $0x55667788, %%gs:0x40\n\t"
                     "movl $0xffffff00, %%eax\n\tmovl %%es:(%%eax), %2\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%es\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs"
                     : "=&r"(v1), "=&r"(v2), "=&r"(v3)
                     : "r"(SEL_DBASE)
                     : "eax", "memory");
        (void)v1;
        t_eq("es base: write lands at base+offset", *(uint32_t *)(seg_buf + 0x110), 0xa1b2c3d4);
        t_eq("gs base: write lands at base+offset", *(uint32_t *)(seg_buf + 0x140), 0x55667788);
        *(uint32_t *)(seg_buf + 0x120) = 0x01020304;
        *(uint32_t *)(seg_buf + 0x130) = 0x0a0b0c0d;
        *(uint32_t *)(seg_buf + 0x000) = 0x99887766;
        asm volatile("movw %w2, %%es\n\tmovl %%es:0x20, %0\n\tmovw %w2, %%fs\n\tmovl %%fs:0x30, %1\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%es\n\tmovw %%ax, %%fs"
                     : "=&r"(v1), "=&r"(v2)
                     : "r"(SEL_DBASE)
                     : "eax", "memory");
        t_eq("es base: read", v1, 0x01020304);
        t_eq("fs base: read", v2, 0x0a0b0c0d);
        asm volatile("movw %w1, %%es\n\tmovl $0xffffff00, %%eax\n\tmovl %%es:(%%eax), %0\n\t"
                     "movw $0x10, %%ax\n\tmovw %%ax, %%es"
                     : "=&r"(v3)
                     : "r"(SEL_DBASE)
                     : "eax", "memory");
        t_eq("es base: offset wraps around 4 GiB", v3, 0x99887766);
        /* DS with a base, for a moment (restored before anything else touches memory) */
        uint32_t v4;
        *(uint32_t *)(seg_buf + 0x180) = 0x4d4d4d4d;
        asm volatile("movw %w1, %%ds\n\tmovl 0x80, %0\n\tmovl $0x7e7e7e7e, 0x84\n\tmovw $0x10, %%ax\n\tmovw %%ax, %%ds"
                     : "=&r"(v4)
                     : "r"(SEL_DBASE)
                     : "eax", "memory");
        t_eq("ds base: read", v4, 0x4d4d4d4d);
        t_eq("ds base: write", *(uint32_t *)(seg_buf + 0x184), 0x7e7e7e7e);
        /* string instruction through a based ES: edi is an offset */
        uint32_t edi = 0x200, ecx = 4;
        asm volatile("movw %w2, %%es\n\tmovl $0x3c3c3c3c, %%eax\n\trep stosl\n\tmovw $0x10, %%ax\n\tmovw %%ax, %%es"
                     : "+D"(edi), "+c"(ecx)
                     : "r"(SEL_DBASE)
                     : "eax", "memory");
        t_ok("rep stosl through based es", edi == 0x210 && *(uint32_t *)(seg_buf + 0x300) == 0x3c3c3c3c &&
                                               *(uint32_t *)(seg_buf + 0x30c) == 0x3c3c3c3c);
    }

    /* ---- far call / lret / lret imm16 / exception in a based code segment ---- */
    {
        uint32_t eax, edx;
        set_handler(3, bp_handler);
        asm volatile("lcall $0x50, $(seg_code_fn - 0x1000)" : "=a"(eax), "=d"(edx) : : "memory", "cc");
        set_handler(3, 0);
        t_eq("far call: eip is segment relative", eax, (uint32_t)seg_code_l1 - CBASE);
        t_eq("far call: cs", edx & 0xffff, SEL_CBASE);
        t_eq("int3 in based segment: saved cs", bp_cs, SEL_CBASE);
        t_eq("int3 in based segment: saved eip", bp_eip, (uint32_t)seg_code_int3 + 1 - CBASE);
        static struct farptr fp;
        fp.off = (uint32_t)seg_code_fn2 - CBASE;
        fp.sel = SEL_CBASE;
        uint32_t esp0, esp1;
        asm volatile("movl %%esp, %1\n\tpushl $30\n\tpushl $100\n\tlcall *%3\n\tmovl %%esp, %2"
                     : "=a"(eax), "=&r"(esp0), "=&r"(esp1)
                     : "m"(fp)
                     : "memory", "cc");
        t_eq("indirect far call + lret $8: result", eax, 70);
        t_eq("lret $8 pops the arguments", esp1, esp0);
        fj_out_cs = 0;
        far_jmp_test();
        t_eq("far jmp direct: cs", fj_out_cs & 0xffff, SEL_CBASE);
        fj_out_cs = 0;
        far_jmp_test_ind();
        t_eq("far jmp indirect: cs", fj_out_cs & 0xffff, SEL_CBASE);
    }

    /* ---- 16-bit code segment ---- */
    {
        uint32_t eax, ebx, esi, esp0, esp1;
        asm volatile("movl %%esp, %3\n\tlcall $0x58, $0\n\tmovl %%esp, %4"
                     : "=a"(eax), "=b"(ebx), "=S"(esi), "=&r"(esp0), "=&r"(esp1)
                     :
                     : "memory", "cc");
        t_eq("16-bit code: 16-bit operand size", eax, 0xffff1235);
        t_eq("16-bit code: 0x66 prefix gives 32-bit", ebx, 0x11112222);
        t_eq("16-bit code: call pushes a 16-bit ip", esi & 0xffff, (uint32_t)code16_l1 - (uint32_t)code16_start);
        t_eq("16-bit code: lretl balanced the stack", esp1, esp0);
    }

    /* ---- SS with a base, and a 16-bit stack segment ---- */
    {
        ss_ptr.off = 0x100;
        ss_ptr.sel = SEL_SBASE;
        ss16_ptr.off = 0xabcd0000;
        ss16_ptr.sel = SEL_S16;
        ss_test();
        t_eq("based ss: pop value", ss_out[0], 0x12345678);
        t_eq("based ss: esp", ss_out[1], 0xfc);
        t_eq("based ss: push lands at base+esp", *(uint32_t *)(stk_buf + 0xfc), 0xdeadbeef);
        t_eq("16-bit ss: sp wraps, esp upper half kept", ss_out[2], 0xabcdfffc);
        t_eq("16-bit ss: push lands at base+sp", *(uint32_t *)(big_buf + 0xfffc), 0xcafebabe);
        t_eq("16-bit ss: pop wraps back", ss_out[3], 0xabcd0000);
    }

    /* ---- lds les lfs lgs lss ---- */
    {
        static struct farptr p32 = {0x12345678, SEL_DBASE};
        static struct {
            uint16_t off, sel;
        } p16 = {0x9abc, SEL_DBASE};
        uint32_t r, s;
        asm volatile("lesl %2, %0\n\tmovl %%es, %1\n\tmovw $0x10, %%cx\n\tmovw %%cx, %%es" : "=&r"(r), "=&r"(s) : "m"(p32) : "ecx", "memory");
        t_ok("les", r == 0x12345678 && (s & 0xffff) == SEL_DBASE);
        asm volatile("lfsl %2, %0\n\tmovl %%fs, %1\n\tmovw $0x10, %%cx\n\tmovw %%cx, %%fs" : "=&r"(r), "=&r"(s) : "m"(p32) : "ecx", "memory");
        t_ok("lfs", r == 0x12345678 && (s & 0xffff) == SEL_DBASE);
        asm volatile("lgsl %2, %0\n\tmovl %%gs, %1\n\tmovw $0x10, %%cx\n\tmovw %%cx, %%gs" : "=&r"(r), "=&r"(s) : "m"(p32) : "ecx", "memory");
        t_ok("lgs", r == 0x12345678 && (s & 0xffff) == SEL_DBASE);
        asm volatile("ldsl %2, %0\n\tmovl %%ds, %1\n\tmovw $0x10, %%cx\n\tmovw %%cx, %%ds" : "=&r"(r), "=&r"(s) : "m"(p32) : "ecx", "memory");
        t_ok("lds", r == 0x12345678 && (s & 0xffff) == SEL_DBASE);
        r = 0xffff0000;
        asm volatile("lesw %2, %w0\n\tmovl %%es, %1\n\tmovw $0x10, %%cx\n\tmovw %%cx, %%es" : "+&r"(r), "=&r"(s) : "m"(p16) : "ecx", "memory");
        t_ok("les 16-bit offset", r == 0xffff9abc && (s & 0xffff) == SEL_DBASE);
        static struct farptr sp32;
        static uint32_t lss_esp, lss_ss;
        sp32.off = 0x200;
        sp32.sel = SEL_SBASE;
        asm volatile("movl %%esp, %%ecx\n\tmovw %%ss, %%dx\n\tlssl %0, %%esp\n\tmovl %%esp, lss_esp_out\n\tmovw %%ss, "
                     "lss_ss_out\n\tmovw %%dx, %%ss\n\tmovl %%ecx, %%esp"
                     :
                     : "m"(sp32)
                     : "ecx", "edx", "memory");
        extern uint32_t lss_esp_out, lss_ss_out;
        lss_esp = lss_esp_out;
        lss_ss = lss_ss_out;
        t_ok("lss", lss_esp == 0x200 && (lss_ss & 0xffff) == SEL_SBASE);
    }

    /* ---- segment override prefixes ---- */
    {
        static uint32_t cell = 0x600df00d;
        uint32_t a, b, c;
        asm volatile("movl %%cs:(%3), %0\n\tmovl %%ss:(%3), %1\n\tmovl %%ds:(%3), %2" : "=&r"(a), "=&r"(b), "=&r"(c) : "r"(&cell));
        t_ok("cs:/ss:/ds: overrides (flat)", a == 0x600df00d && b == a && c == a);
        *(uint32_t *)(seg_buf + 0x100 + 0x44) = 0x44444444;
        asm volatile("movw %w1, %%gs\n\tmovl $0x44, %%eax\n\tmovl %%gs:(%%eax), %0\n\tmovw $0x10, %%ax\n\tmovw %%ax, %%gs"
                     : "=&r"(a)
                     : "r"(SEL_DBASE)
                     : "eax", "memory");
        t_eq("gs: override with base", a, 0x44444444);
    }

    /* ---- accessed bit ---- */
    {
        uint32_t before = (uint32_t)(gdt[14] >> 40) & 0xff;
        asm volatile("movw $0x70, %%ax\n\tmovw %%ax, %%gs\n\tmovw $0x10, %%ax\n\tmovw %%ax, %%gs" ::: "eax", "memory");
        uint32_t after = (uint32_t)(gdt[14] >> 40) & 0xff;
        t_eq("descriptor access byte before load", before, 0x92);
        t_eq("descriptor accessed bit set by the load", after, 0x93);
    }
    t_end();
}

uint32_t lss_esp_out, lss_ss_out;
