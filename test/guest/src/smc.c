/*
 * smc: self-modifying code.
 *  (a) change the immediate of a function that already ran many times
 *      (translated and chained), call it again;
 *  (b) a store that modifies the very next instruction in the same basic
 *      block (immediate operand, and the opcode itself);
 *  (c) code written into a fresh page, called, rewritten, called again;
 *      also copied in with rep movsb;
 *  (d) a loop that patches a function's immediate and calls it, 1000 times
 *      (in assembly and from C);
 *  (e) rep stosb overwriting the instructions that follow it;
 *  (f) a patch written through a segment with a non-zero base.
 */
#include "rt.h"

void smc_a(void), smc_b(void), smc_b_insn(void), smc_b2(void), smc_b2_insn(void), smc_d_loop(void), smc_fn_d(void),
    smc_e(void), smc_e_patch(void), smc_e_template(void);
uint32_t smc_a_call(void);

asm(".section .smc, \"awx\"\n"
    /* (a) */
    ".globl smc_a\n"
    "smc_a:\n\t"
    "movl $0x11111111, %eax\n\t"
    "ret\n"
    /* (b) ecx -> immediate of the next instruction */
    ".globl smc_b, smc_b_insn\n"
    "smc_b:\n\t"
    "movl %ecx, smc_b_insn+1\n"
    "smc_b_insn:\n\t"
    "movl $0, %eax\n\t"
    "ret\n"
    /* (b2) cl -> opcode of the next instruction (inc/dec/nop on eax) */
    ".globl smc_b2, smc_b2_insn\n"
    "smc_b2:\n\t"
    "movl $100, %eax\n\t"
    "movb %cl, smc_b2_insn\n"
    "smc_b2_insn:\n\t"
    "nop\n\t"
    "ret\n"
    /* (d) ecx iterations: patch, call, accumulate */
    ".globl smc_d_loop, smc_fn_d\n"
    "smc_d_loop:\n\t"
    "pushl %ebx\n\t"
    "xorl %ebx, %ebx\n"
    "1:\tmovl %ecx, smc_fn_d+1\n\t"
    "call smc_fn_d\n\t"
    "addl %eax, %ebx\n\t"
    "loop 1b\n\t"
    "movl %ebx, %eax\n\t"
    "popl %ebx\n\t"
    "ret\n"
    "smc_fn_d:\n\t"
    "movl $0, %eax\n\t"
    "ret\n"
    /* (e) rep stosb over the following 5 bytes */
    ".globl smc_e, smc_e_patch, smc_e_template\n"
    "smc_e:\n\t"
    "pushl %edi\n\t"
    "movl $smc_e_patch, %edi\n\t"
    "movl $5, %ecx\n\t"
    "movl $0x90, %eax\n\t"
    "rep stosb\n"
    "smc_e_patch:\n\t"
    "movl $2, %eax\n\t"
    "popl %edi\n\t"
    "ret\n"
    "smc_e_template:\n\t"
    "movl $2, %eax\n\t"
    ".text\n");

static uint8_t codebuf[4096] ALIGNED(4096);

static uint32_t call_b(uint32_t v)
{
    uint32_t r;
    asm volatile("call smc_b" : "=a"(r) : "c"(v) : "memory", "cc");
    return r;
}
static uint32_t call_b2(uint32_t op)
{
    uint32_t r;
    asm volatile("call smc_b2" : "=a"(r) : "c"(op) : "memory", "cc");
    return r;
}
static uint32_t call_ptr(void *fn)
{
    uint32_t r;
    asm volatile("call *%1" : "=a"(r) : "r"(fn) : "ecx", "edx", "memory", "cc");
    return r;
}

static void emit_mov_ret(uint8_t *p, uint32_t imm)
{
    p[0] = 0xb8; /* mov $imm, %eax */
    p[1] = (uint8_t)imm;
    p[2] = (uint8_t)(imm >> 8);
    p[3] = (uint8_t)(imm >> 16);
    p[4] = (uint8_t)(imm >> 24);
    p[5] = 0xc3;
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("smc");

    /* (a) */
    {
        uint32_t sum = 0;
        for (int i = 0; i < 5000; i++)
            sum += call_ptr(smc_a);
        t_eq("(a) hot function before the patch", sum, 5000u * 0x11111111u);
        *(volatile uint32_t *)((uint8_t *)smc_a + 1) = 0x22222222;
        t_eq("(a) after patching the immediate", call_ptr(smc_a), 0x22222222);
        sum = 0;
        for (int i = 0; i < 1000; i++)
            sum += call_ptr(smc_a);
        t_eq("(a) hot again after the patch", sum, 1000u * 0x22222222u);
        *(volatile uint8_t *)smc_a = 0xb9; /* mov $imm, %ecx: eax no longer set */
        uint32_t r;
        asm volatile("movl $0x77, %%eax\n\tcall smc_a" : "=a"(r) : : "ecx", "memory");
        t_eq("(a) after patching the opcode", r, 0x77);
        *(volatile uint8_t *)smc_a = 0xb8;
    }

    /* (b) */
    {
        int ok = 1;
        for (uint32_t i = 0; i < 300; i++) {
            uint32_t v = i * 0x01010101u ^ 0x5a5a5a5a;
            ok &= call_b(v) == v;
        }
        t_ok("(b) store to the immediate of the next instruction, 300 values", ok);
        ok = 1;
        static const uint8_t ops[3] = {0x40, 0x48, 0x90}; /* inc, dec, nop */
        static const uint32_t res[3] = {101, 99, 100};
        for (int i = 0; i < 300; i++)
            ok &= call_b2(ops[i % 3]) == res[i % 3];
        t_ok("(b) store to the opcode of the next instruction, alternating", ok);
    }

    /* (c) */
    {
        emit_mov_ret(codebuf, 0xaaaa5555);
        t_eq("(c) fresh page, first code", call_ptr(codebuf), 0xaaaa5555);
        emit_mov_ret(codebuf, 0x12344321);
        t_eq("(c) rewritten", call_ptr(codebuf), 0x12344321);
        /* a longer routine at an offset in the same page: eax = ecx * 3 + 7 */
        static const uint8_t f[] = {0xb9, 0x05, 0, 0, 0, /* mov $5, %ecx */
                                    0x8d, 0x04, 0x49,    /* lea (%ecx,%ecx,2), %eax */
                                    0x83, 0xc0, 0x07,    /* add $7, %eax */
                                    0xc3};
        memcpy(codebuf + 0x800, f, sizeof f);
        t_eq("(c) second routine in the page", call_ptr(codebuf + 0x800), 22);
        t_eq("(c) first routine still there", call_ptr(codebuf), 0x12344321);
        codebuf[0x801] = 9;
        t_eq("(c) patched second routine", call_ptr(codebuf + 0x800), 34);
        /* copy in with rep movsb */
        uint8_t tmpl[6];
        emit_mov_ret(tmpl, 0x0badcafe);
        uint32_t s = (uint32_t)tmpl, d = (uint32_t)codebuf, c = 6;
        asm volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
        t_eq("(c) code copied with rep movsb", call_ptr(codebuf), 0x0badcafe);
        /* many generations in a row */
        int ok = 1;
        for (uint32_t g = 0; g < 200; g++) {
            emit_mov_ret(codebuf + (g & 7) * 16, g * 7);
            ok &= call_ptr(codebuf + (g & 7) * 16) == g * 7;
        }
        t_ok("(c) 200 generations", ok);
    }

    /* (d) */
    {
        uint32_t r, n = 1000;
        asm volatile("call smc_d_loop" : "=a"(r), "+c"(n) : : "memory", "cc");
        t_eq("(d) asm loop: patch + call 1000 times", r, 1000 * 1001 / 2);
        uint32_t sum = 0;
        for (uint32_t i = 1; i <= 1000; i++) {
            *(volatile uint32_t *)((uint8_t *)smc_fn_d + 1) = i * i;
            sum += call_ptr(smc_fn_d);
        }
        t_eq("(d) C loop: patch + call 1000 times", sum, 333833500u);
    }

    /* (e) */
    {
        uint32_t r;
        asm volatile("call smc_e" : "=a"(r) : : "ecx", "memory", "cc");
        t_eq("(e) rep stosb over the following instructions", r, 0x90);
        memcpy((void *)smc_e_patch, (void *)smc_e_template, 5);
        asm volatile("call smc_e" : "=a"(r) : : "ecx", "memory", "cc");
        t_eq("(e) again after restoring", r, 0x90);
    }

    /* (f) */
    {
        gdt_set(9, (uint32_t)codebuf - 0x100, 0xfffff, 0x93, 0xC);
        emit_mov_ret(codebuf, 1);
        t_eq("(f) before", call_ptr(codebuf), 1);
        asm volatile("movw $0x48, %%ax\n\tmovw %%ax, %%es\n\tmovl $0x31337, %%es:0x101\n\tmovw $0x10, %%ax\n\tmovw %%ax, "
                     "%%es" ::: "eax", "memory");
        t_eq("(f) patched through a based segment", call_ptr(codebuf), 0x31337);
    }
    t_end();
}
