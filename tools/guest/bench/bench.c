/*
 * tcg86 benchmark kernel (multiboot v1): a CPU-bound integer mix with fixed
 * workloads.  Prints one checksum line per part and "BENCH DONE <checksum>",
 * then exits through isa-debug-exit (port 0xf4) with code 0.
 *
 * Parts: sieve of Eratosthenes, table-driven CRC32, quicksort of
 * pseudo-random ints, 64x64 integer matrix multiply, memcpy/memset of large
 * buffers (rep movsl/stosl and plain loops), a switch-dispatched bytecode
 * interpreter.  With "timing" in the multiboot command line, each part also
 * prints its TSC cycle count (not deterministic; off by default).
 *
 * With "paging", the same parts run with paging on (4 KiB pages identity-mapping
 * all of the first 128 MiB, CR0.WP set): their checksums must not change.  With
 * "mmu", two paging-heavy parts run instead: a pointer chase through 32 MiB
 * (a random cycle over 4-byte slots, a new page at almost every step) and a
 * syscall loop (int $0x80 from ring 3 to a DPL 3 gate and iret back).
 *
 * Built by tools/build-guests.sh; tools/guest/bench/expected.txt is the
 * output under QEMU.
 */
#include "rt.h"

static int timing;
static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint32_t total = HASH_INIT;
static uint64_t t_start;
static void part_begin(void) { t_start = rdtsc(); }
static void part_end(const char *name, uint32_t sum)
{
    uint64_t t = rdtsc() - t_start;
    printf("%-10s checksum %08x", name, sum);
    if (timing)
        printf("  (%u Mcycles)", (uint32_t)(t / 1000000));
    printf("\n");
    total = hash32(total, sum);
}

/* ---- 1. sieve ---- */
#define SIEVE_N 2000000
static uint8_t sieve_buf[SIEVE_N + 1];
static uint32_t bench_sieve(void)
{
    uint32_t sum = 0;
    for (int rep = 0; rep < 56; rep++) {
        uint32_t n = SIEVE_N - rep * 1000;
        for (uint32_t i = 0; i <= n; i++)
            sieve_buf[i] = i >= 2;
        for (uint32_t i = 2; i * i <= n; i++)
            if (sieve_buf[i])
                for (uint32_t j = i * i; j <= n; j += i)
                    sieve_buf[j] = 0;
        uint32_t count = 0, last = 0;
        for (uint32_t i = 0; i <= n; i++)
            if (sieve_buf[i]) {
                count++;
                last = i;
            }
        sum = hash32(hash32(sum, count), last);
    }
    return sum;
}

/* ---- 2. CRC32 ---- */
#define CRC_BUF (1 << 20)
static uint8_t crc_buf[CRC_BUF];
static uint32_t crc_table[256];
static uint32_t bench_crc(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320 & -(c & 1));
        crc_table[i] = c;
    }
    rng_seed(0xc0ffee);
    for (uint32_t i = 0; i < CRC_BUF; i += 4)
        *(uint32_t *)(crc_buf + i) = rng();
    uint32_t sum = 0;
    for (int rep = 0; rep < 180; rep++) {
        uint32_t c = 0xffffffff;
        crc_buf[rep * 4099 % CRC_BUF] ^= (uint8_t)rep;
        for (uint32_t i = 0; i < CRC_BUF; i++)
            c = crc_table[(c ^ crc_buf[i]) & 0xff] ^ (c >> 8);
        sum = hash32(sum, ~c);
    }
    return sum;
}

/* ---- 3. quicksort ---- */
#define SORT_N 200000
static int32_t sort_buf[SORT_N];
static void qsort_int(int32_t *a, int lo, int hi)
{
    while (lo < hi) {
        if (hi - lo < 16) {
            for (int i = lo + 1; i <= hi; i++) {
                int32_t v = a[i];
                int j = i - 1;
                while (j >= lo && a[j] > v) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        int32_t p = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* recurse into the smaller half */
        if (j - lo < hi - i) {
            qsort_int(a, lo, j);
            lo = i;
        } else {
            qsort_int(a, i, hi);
            hi = j;
        }
    }
}
static uint32_t bench_sort(void)
{
    uint32_t sum = 0;
    rng_seed(0x5017);
    for (int rep = 0; rep < 38; rep++) {
        for (int i = 0; i < SORT_N; i++)
            sort_buf[i] = (int32_t)rng() >> (rep & 3);
        qsort_int(sort_buf, 0, SORT_N - 1);
        int sorted = 1;
        for (int i = 1; i < SORT_N; i++)
            sorted &= sort_buf[i - 1] <= sort_buf[i];
        sum = hash32(sum, sorted);
        for (int i = 0; i < SORT_N; i += 997)
            sum = hash32(sum, (uint32_t)sort_buf[i]);
    }
    return sum;
}

/* ---- 4. matrix multiply ---- */
#define MN 64
static int32_t ma[MN][MN], mb[MN][MN], mc[MN][MN];
static uint32_t bench_matrix(void)
{
    rng_seed(0x3a7);
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            ma[i][j] = (int32_t)(rng() % 201) - 100;
            mb[i][j] = (int32_t)(rng() % 201) - 100;
        }
    uint32_t sum = 0;
    for (int rep = 0; rep < 2000; rep++) {
        for (int i = 0; i < MN; i++)
            for (int j = 0; j < MN; j++) {
                int32_t s = 0;
                for (int k = 0; k < MN; k++)
                    s += ma[i][k] * mb[k][j];
                mc[i][j] = s;
            }
        /* feed back so the repetitions are not identical */
        for (int i = 0; i < MN; i++)
            ma[i][(i + rep) % MN] = mc[i][i] % 1000;
        for (int i = 0; i < MN; i++)
            sum = hash32(sum, (uint32_t)mc[i][(i * 7) % MN]);
    }
    return sum;
}

/* ---- 5. memcpy / memset ---- */
#define MEM_BUF (4 << 20)
static uint8_t mem_a[MEM_BUF] ALIGNED(16), mem_b[MEM_BUF] ALIGNED(16);
static void rep_movsl(void *d, const void *s, uint32_t n)
{
    asm volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static void rep_stosl(void *d, uint32_t v, uint32_t n)
{
    asm volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}
static void rep_movsb(void *d, const void *s, uint32_t n)
{
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
static uint32_t bench_mem(void)
{
    uint32_t sum = 0;
    for (int rep = 0; rep < 7; rep++) {
        rep_stosl(mem_a, 0x01010101u * (uint32_t)rep, MEM_BUF / 4);
        mem_a[rep * 12345 % MEM_BUF] = (uint8_t)(rep + 1);
        rep_movsl(mem_b, mem_a, MEM_BUF / 4);
        rep_movsb(mem_a + 1, mem_b + 3, MEM_BUF - 4); /* unaligned */
        sum = hash32(sum, *(uint32_t *)(mem_b + (rep * 4099 % (MEM_BUF - 4))));
        sum = hash32(sum, *(uint32_t *)(mem_a + (rep * 12345 % (MEM_BUF - 4))));
    }
    /* plain loops, word at a time */
    for (int rep = 0; rep < 6; rep++) {
        uint32_t *a = (uint32_t *)mem_a, *b = (uint32_t *)mem_b;
        for (uint32_t i = 0; i < MEM_BUF / 4; i++)
            a[i] = i * 2654435761u + (uint32_t)rep;
        for (uint32_t i = 0; i < MEM_BUF / 4; i++)
            b[i] = a[MEM_BUF / 4 - 1 - i];
        sum = hash32(sum, b[rep * 1000]);
    }
    return sum;
}

/* ---- 6. bytecode interpreter ---- */
enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_XOR, OP_SHR, OP_DUP, OP_JNZ, OP_JMP, OP_HALT, OP_LT, OP_INC };
struct insn {
    uint8_t op;
    int32_t arg;
};
/* vars: 0 i, 1 acc, 2 n, 3 x */
static const struct insn prog[] = {
    {OP_PUSH, 0},   {OP_STORE, 0},            /* i = 0 */
    {OP_PUSH, 7},   {OP_STORE, 1},            /* acc = 7 */
    /* loop: 4 */
    {OP_LOAD, 1},   {OP_PUSH, 1103515245}, {OP_MUL, 0}, {OP_PUSH, 12345}, {OP_ADD, 0}, {OP_STORE, 1},
    {OP_LOAD, 1},   {OP_PUSH, 16},         {OP_SHR, 0}, {OP_LOAD, 3},     {OP_XOR, 0}, {OP_PUSH, 0xffff},
    {OP_AND, 0},    {OP_STORE, 3},                                   /* x = ((acc >> 16) ^ x) & 0xffff */
    {OP_LOAD, 0},   {OP_INC, 0},           {OP_DUP, 0}, {OP_STORE, 0},
    {OP_LOAD, 2},   {OP_LT, 0},            {OP_JNZ, 4},              /* while (++i < n) */
    {OP_LOAD, 3},   {OP_LOAD, 1},          {OP_XOR, 0}, {OP_HALT, 0},
};
static uint32_t run_vm(uint32_t n, uint32_t x0)
{
    int32_t stack[32], vars[4] = {0, 0, (int32_t)n, (int32_t)x0};
    int sp = 0, pc = 0;
    for (;;) {
        const struct insn *in = &prog[pc++];
        switch (in->op) {
        case OP_PUSH: stack[sp++] = in->arg; break;
        case OP_LOAD: stack[sp++] = vars[in->arg]; break;
        case OP_STORE: vars[in->arg] = stack[--sp]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] * (uint32_t)stack[sp]); break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_SHR: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] >> stack[sp]); break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_INC: stack[sp - 1]++; break;
        case OP_JNZ: if (stack[--sp]) pc = in->arg; break;
        case OP_JMP: pc = in->arg; break;
        case OP_HALT: return (uint32_t)stack[sp - 1];
        default: return 0xdeadbeef;
        }
    }
}
static uint32_t bench_vm(void)
{
    uint32_t sum = 0;
    for (uint32_t rep = 0; rep < 14; rep++)
        sum = hash32(sum, run_vm(300000 + rep, rep));
    return sum;
}

/* ---- paging: page tables, the pointer chase, ring 3 <-> ring 0 ---- */
#define MAP_MB 128
static uint32_t pgdir[1024] __attribute__((aligned(4096)));
static uint32_t pgtab[MAP_MB / 4][1024] __attribute__((aligned(4096)));
static void paging_on(void)
{
    for (uint32_t t = 0; t < MAP_MB / 4; t++) {
        for (uint32_t i = 0; i < 1024; i++)
            pgtab[t][i] = ((t * 1024 + i) << 12) | 7; /* present, writable, user */
        pgdir[t] = (uint32_t)pgtab[t] | 7;
    }
    asm volatile("movl %0, %%cr3" : : "r"(pgdir) : "memory");
    uint32_t cr0;
    asm volatile("movl %%cr0, %0" : "=r"(cr0));
    asm volatile("movl %0, %%cr0" : : "r"(cr0 | 0x80010000u) : "memory"); /* PG | WP */
}

#define CHASE_SLOTS (8u << 20) /* 32 MiB of 4-byte slots */
static uint32_t chase[CHASE_SLOTS];
static uint32_t bench_chase(void)
{
    /* Sattolo's shuffle: one cycle through every slot. */
    uint32_t seed = 12345;
    for (uint32_t i = 0; i < CHASE_SLOTS; i++)
        chase[i] = i;
    for (uint32_t i = CHASE_SLOTS - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        uint32_t j = (seed >> 8) % i;
        uint32_t t = chase[i]; chase[i] = chase[j]; chase[j] = t;
    }
    uint32_t p = 0, sum = 0;
    for (uint32_t n = 0; n < 3 * CHASE_SLOTS; n++) {
        p = chase[p];
        sum += p;
    }
    return hash32(sum, p);
}

static struct tss32 tss __attribute__((aligned(128)));
static uint8_t ring0_stack[8192] __attribute__((aligned(16)));
uint8_t ring3_stack[8192] __attribute__((aligned(16)));
volatile uint32_t sc_count, sc_sum, saved_esp;
void sc_entry(void), back_entry(void);
uint32_t enter_user(uint32_t n);
/* int $0x80 counts and adds eax; int $0x81 leaves ring 3 for good and returns from enter_user. */
asm(".text\n"
    "sc_entry: incl sc_count\n addl %eax, sc_sum\n iretl\n"
    "back_entry: movl $0x10, %eax\n movw %ax, %ds\n movw %ax, %es\n"
    "  movl saved_esp, %esp\n popl %ebp\n popl %edi\n popl %esi\n popl %ebx\n movl sc_count, %eax\n ret\n"
    "enter_user: pushl %ebx\n pushl %esi\n pushl %edi\n pushl %ebp\n movl %esp, saved_esp\n"
    "  movl 20(%esp), %ecx\n movl $0x23, %eax\n movw %ax, %ds\n movw %ax, %es\n"
    "  pushl $0x23\n pushl $ring3_stack + 8192\n pushl $0x2\n pushl $0x1b\n pushl $user_loop\n iretl\n"
    "user_loop: movl %ecx, %eax\n int $0x80\n decl %ecx\n jnz user_loop\n int $0x81\n");
static uint32_t bench_syscall(void)
{
    gdt_set(3, 0, 0xfffff, 0xfa, 0xc); /* 0x1b: ring 3 code */
    gdt_set(4, 0, 0xfffff, 0xf2, 0xc); /* 0x23: ring 3 data */
    tss.ss0 = 0x10;
    tss.esp0 = (uint32_t)(ring0_stack + sizeof ring0_stack);
    gdt_set(5, (uint32_t)&tss, sizeof tss - 1, 0x89, 0x0); /* 0x28: available 32-bit TSS */
    asm volatile("ltr %w0" : : "r"(0x28));
    idt_set_gate(0x80, (uint32_t)sc_entry, 0x08, 0xee);
    idt_set_gate(0x81, (uint32_t)back_entry, 0x08, 0xee);
    sc_count = 0;
    sc_sum = 0;
    uint32_t n = enter_user(2000000);
    return hash32(n, sc_sum);
}

int main(uint32_t magic, uint32_t mbi)
{
    int paging = 0, mmu = 0;
    if (magic == MB_BOOT_MAGIC) {
        const struct mb_info *mi = (const struct mb_info *)mbi;
        if (mi->flags & (1 << 2)) {
            const char *c = (const char *)mi->cmdline;
            for (; *c; c++) {
                if (memcmp(c, "timing", 6) == 0)
                    timing = 1;
                if (memcmp(c, "paging", 6) == 0)
                    paging = 1;
                if (memcmp(c, "mmu", 3) == 0)
                    mmu = 1;
            }
        }
    }
    printf("tcg86 benchmark kernel%s\n", mmu ? " (paging parts)" : paging ? " (paging on)" : "");
    uint64_t t0 = rdtsc();
    if (paging || mmu)
        paging_on();
    if (mmu) {
        part_begin();
        part_end("chase", bench_chase());
        part_begin();
        part_end("syscall", bench_syscall());
        printf("BENCH DONE %08x\n", total);
        exit_qemu(0);
    }
    part_begin();
    part_end("sieve", bench_sieve());
    part_begin();
    part_end("crc32", bench_crc());
    part_begin();
    part_end("quicksort", bench_sort());
    part_begin();
    part_end("matrix", bench_matrix());
    part_begin();
    part_end("memcpy", bench_mem());
    part_begin();
    part_end("interp", bench_vm());
    if (timing)
        printf("total %u Mcycles\n", (uint32_t)((rdtsc() - t0) / 1000000));
    printf("BENCH DONE %08x\n", total);
    exit_qemu(0);
}
