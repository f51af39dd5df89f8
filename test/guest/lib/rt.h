/*
 * tcg86 guest runtime (freestanding, i386, multiboot v1).
 */
#ifndef RT_H
#define RT_H

typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long long int64_t;
typedef unsigned int size_t;
typedef unsigned int uintptr_t;

#define NULL ((void *)0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOINLINE __attribute__((noinline))
#define ALIGNED(n) __attribute__((aligned(n)))
#define UNUSED __attribute__((unused))

typedef __builtin_va_list va_list;
#define va_start(v, l) __builtin_va_start(v, l)
#define va_end(v) __builtin_va_end(v)
#define va_arg(v, t) __builtin_va_arg(v, t)

/* EFLAGS bits */
#define FL_CF 0x0001
#define FL_PF 0x0004
#define FL_AF 0x0010
#define FL_ZF 0x0040
#define FL_SF 0x0080
#define FL_TF 0x0100
#define FL_IF 0x0200
#define FL_DF 0x0400
#define FL_OF 0x0800
#define FL_ARITH 0x08D5 /* OF SF ZF AF PF CF */
#define FL_FIXED 0x0002 /* bit 1, always set */

/* ---- port I/O ---- */
static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void io_delay(void) { outb(0x80, 0); }

static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }
static inline void hlt(void) { asm volatile("hlt" ::: "memory"); }
static inline void barrier(void) { asm volatile("" ::: "memory"); }
static inline uint32_t read_eflags(void) { uint32_t f; asm volatile("pushfl; popl %0" : "=r"(f)); return f; }

/* ---- multiboot v1 ---- */
#define MB_BOOT_MAGIC 0x2BADB002
struct mb_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
    uint32_t apm_table;
};
extern uint32_t mb_magic, mb_info;

/* ---- descriptor tables ---- */
#define GDT_ENTRIES 32
extern uint64_t gdt[GDT_ENTRIES];
extern uint64_t idt[256];
extern char isr_stubs[];
#define SEL_CODE 0x08
#define SEL_DATA 0x10

/* access byte examples: 0x9A code r/x, 0x92 data r/w, 0x93 accessed data.
 * flags nibble: 0xC = 4K granularity + 32-bit, 0x4 = byte granularity + 32-bit. */
void gdt_set(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
uint64_t gdt_make(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
/* Point vector at its generic stub; type_attr 0x8E interrupt gate, 0x8F trap gate. */
void idt_set_stub(int vec, uint8_t type_attr);
void idt_set_gate(int vec, uint32_t offset, uint16_t sel, uint8_t type_attr);
void idt_clear(int vec);

struct regs {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
    uint32_t vector, err;
    uint32_t eip, cs, eflags;
};
typedef void (*isr_fn)(struct regs *r);
extern isr_fn isr_handlers[256];
void set_handler(int vec, isr_fn fn);

/*
 * Expected faults.  Without a handler for an exception vector, the
 * dispatcher resumes at fault_resume if it is non-zero (recording vector,
 * error code and EIP in fault_*); otherwise it reports an unexpected
 * exception and exits with FAIL.
 *
 * EXPECT_FAULT("insn") runs insn with fault_ip = address of insn and
 * fault_resume = address after it.  Use the "asm goto"-free form: the
 * operand list follows as in extended asm.
 */
extern volatile uint32_t fault_resume, fault_ip, fault_vector, fault_err, fault_eip, fault_count;
#define FAULT_SETUP "movl $1f, fault_ip\n\tmovl $2f, fault_resume\n1:\n\t"
#define FAULT_DONE "\n2:\n\tmovl $0, fault_resume\n\t"
void fault_reset(void);

/* ---- serial / output ---- */
#define COM1 0x3F8
void serial_init(void);
void serial_putc(char c);
int serial_can_read(void);
int serial_getc(void);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void puts_raw(const char *s);

/* ---- libc bits ---- */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* ---- PIC / PIT ---- */
void pic_remap(uint8_t master_base, uint8_t slave_base); /* masks all IRQs */
void pic_unmask(int irq);
void pic_mask(int irq);
void pic_eoi(int irq);
#define PIT_HZ 1193182u
void pit_periodic(uint32_t hz); /* channel 0, mode 2 */
uint16_t pit_read_counter(int channel); /* latch command + lo/hi read */

/* ---- exit ---- */
void exit_qemu(int code) __attribute__((noreturn));

/* ---- test framework ---- */
/*
 * t_begin(name)              start the kernel's test run
 * t_eq(label, got, exp)      one named check, prints "label ok" or FAIL line
 * t_ok(label, cond)          same for a condition
 * grp_begin()/grp_end(label) a group of quiet checks (sweeps): grp_check()
 *                            counts, prints details of the first failures;
 *                            grp_hash() folds values into a hash printed at
 *                            grp_end as "label n=<checks> hash=<h> ok"
 * t_end()                    prints "PASS name n checks" or
 *                            "FAIL name k of n failed" and exits.
 */
void t_begin(const char *name);
int t_eq(const char *label, uint32_t got, uint32_t exp);
int t_ok(const char *label, int cond);
void t_print_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void grp_begin(void);
int grp_check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void grp_hash(uint32_t v);
uint32_t grp_hash_value(void);
void grp_end(const char *label);
void t_end(void) __attribute__((noreturn));
extern unsigned t_checks, t_failures;

/* FNV-1a over 32-bit words */
static inline uint32_t hash32(uint32_t h, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 16777619u;
    }
    return h;
}
#define HASH_INIT 2166136261u

/* xorshift32 */
extern uint32_t rng_state;
#include "rng.h"

/* a "random" operand biased toward interesting values */
uint32_t rng_operand(void);

static inline int parity8(uint32_t v)
{
    v &= 0xff;
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return !(v & 1); /* PF = 1 when even */
}

/* The 32-bit task-state segment (Intel SDM Vol. 3A, 7.2.1), without an I/O bitmap. */
struct tss32 {
    uint16_t link, r0;
    uint32_t esp0;
    uint16_t ss0, r1;
    uint32_t esp1;
    uint16_t ss1, r2;
    uint32_t esp2;
    uint16_t ss2, r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10, trap, iomap;
} __attribute__((packed));

/* True when `w` occurs in `s` (a kernel command-line word such as "verbose"). */
static inline int has_word(const char *s, const char *w)
{
    int n = strlen(w);
    for (; *s; s++)
        if (!memcmp(s, w, n)) return 1;
    return 0;
}

#endif
