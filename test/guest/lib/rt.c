/*
 * tcg86 guest runtime: serial, printf, descriptor tables, interrupt
 * dispatch, PIC/PIT helpers, exit, test framework.
 */
#include "rt.h"

uint64_t idt[256] ALIGNED(8);
isr_fn isr_handlers[256];
volatile uint32_t fault_resume, fault_ip, fault_vector, fault_err, fault_eip, fault_count;
uint32_t rng_state = 0x12345678;
unsigned t_checks, t_failures;
static const char *t_name = "?";

/* ---------------- serial ---------------- */

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* IER: no interrupts */
    outb(COM1 + 3, 0x80); /* LCR: DLAB */
    outb(COM1 + 0, 0x01); /* DLL: 115200 baud */
    outb(COM1 + 1, 0x00); /* DLM */
    outb(COM1 + 3, 0x03); /* LCR: 8N1 */
    outb(COM1 + 2, 0xC7); /* FCR: enable, clear, 14-byte trigger */
    outb(COM1 + 4, 0x0B); /* MCR: DTR RTS OUT2 */
}

void serial_putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (uint8_t)c);
}

int serial_can_read(void) { return inb(COM1 + 5) & 1; }

int serial_getc(void)
{
    while (!serial_can_read())
        ;
    return inb(COM1);
}

void puts_raw(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

/* ---------------- printf ---------------- */

struct out {
    char *buf;
    size_t size, pos;
};

static void out_c(struct out *o, char c)
{
    if (o->buf) {
        if (o->pos + 1 < o->size)
            o->buf[o->pos] = c;
    } else {
        serial_putc(c);
    }
    o->pos++;
}

static void out_num(struct out *o, uint64_t v, unsigned base, int upper, int neg, int width, int zero, int left)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + neg;
    if (!left && !zero)
        for (; width > len; width--)
            out_c(o, ' ');
    if (neg)
        out_c(o, '-');
    if (!left && zero)
        for (; width > len; width--)
            out_c(o, '0');
    while (n)
        out_c(o, tmp[--n]);
    if (left)
        for (; width > len; width--)
            out_c(o, ' ');
}

static int do_printf(struct out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_c(o, *fmt);
            continue;
        }
        fmt++;
        int zero = 0, left = 0, width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '0')
                zero = 1;
            else if (*fmt == '-')
                left = 1;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int);
            int neg = v < 0;
            out_num(o, neg ? (uint64_t)-v : (uint64_t)v, 10, 0, neg, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            out_num(o, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', 0, width, zero, left);
            break;
        }
        case 'p':
            out_num(o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, 8, 1, 0);
            break;
        case 'c':
            out_c(o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = strlen(s);
            if (!left)
                for (; width > len; width--)
                    out_c(o, ' ');
            while (*s)
                out_c(o, *s++);
            if (left)
                for (; width > len; width--)
                    out_c(o, ' ');
            break;
        }
        case '%':
            out_c(o, '%');
            break;
        case 0:
            return o->pos;
        default:
            out_c(o, '%');
            out_c(o, *fmt);
        }
    }
    return o->pos;
}

int vprintf(const char *fmt, va_list ap)
{
    struct out o = {0, 0, 0};
    return do_printf(&o, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
    struct out o = {buf, n, 0};
    va_list ap;
    va_start(ap, fmt);
    do_printf(&o, fmt, ap);
    va_end(ap);
    if (n)
        buf[o.pos < n ? o.pos : n - 1] = 0;
    return o.pos;
}

/* ---------------- libc ---------------- */

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    if (dp < sp) {
        while (n--)
            *dp++ = *sp++;
    } else {
        while (n--)
            dp[n] = sp[n];
    }
    return d;
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *dp = d;
    while (n--)
        *dp++ = (uint8_t)c;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (uint8_t)*a - (uint8_t)*b;
}

/* ---------------- descriptor tables ---------------- */

uint64_t gdt_make(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint64_t d = 0;
    d |= limit & 0xffff;
    d |= (uint64_t)(base & 0xffffff) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xf) << 48;
    d |= (uint64_t)(flags & 0xf) << 52;
    d |= (uint64_t)(base >> 24) << 56;
    return d;
}

void gdt_set(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[index] = gdt_make(base, limit, access, flags);
}

void idt_set_gate(int vec, uint32_t offset, uint16_t sel, uint8_t type_attr)
{
    uint32_t lo = (offset & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi = (offset & 0xffff0000) | ((uint32_t)type_attr << 8);
    idt[vec] = ((uint64_t)hi << 32) | lo;
}

void idt_set_stub(int vec, uint8_t type_attr)
{
    idt_set_gate(vec, (uint32_t)isr_stubs + 16 * vec, SEL_CODE, type_attr);
}

void idt_clear(int vec) { idt[vec] = 0; }

void set_handler(int vec, isr_fn fn) { isr_handlers[vec] = fn; }

void fault_reset(void)
{
    fault_resume = 0;
    fault_ip = 0;
    fault_vector = 0xffffffff;
    fault_err = 0xffffffff;
    fault_eip = 0xffffffff;
}

static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
};

void isr_dispatch(struct regs *r);
void isr_dispatch(struct regs *r)
{
    uint32_t v = r->vector & 0xff;
    if (isr_handlers[v]) {
        isr_handlers[v](r);
        return;
    }
    if (v < 32 && fault_resume) {
        fault_vector = v;
        fault_err = r->err;
        fault_eip = r->eip;
        fault_count++;
        r->eip = fault_resume;
        fault_resume = 0;
        return;
    }
    if (v >= 0x20 && v < 0x30) {
        /* unhandled IRQ: acknowledge and ignore */
        pic_eoi(v - 0x20);
        return;
    }
    printf("FAIL %s unexpected %s vector %u err %x eip %08x cs %x eflags %08x\n", t_name,
           v < 32 ? exc_names[v] : "interrupt", v, r->err, r->eip, r->cs, r->eflags);
    printf("  eax %08x ebx %08x ecx %08x edx %08x esi %08x edi %08x ebp %08x\n", r->eax, r->ebx, r->ecx, r->edx,
           r->esi, r->edi, r->ebp);
    exit_qemu(1);
}

void rt_init(void);
void rt_init(void)
{
    serial_init();
    /* IRQs 0-15 at vectors 0x20-0x2F, all masked: the BIOS leaves the PIT
     * running with IRQ0 on vector 8, which would look like a #DF. */
    pic_remap(0x20, 0x28);
    for (int v = 0; v < 0x30; v++)
        idt_set_stub(v, 0x8E);
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};
    asm volatile("lidt %0" : : "m"(idtr));
    fault_reset();
}

/* ---------------- PIC / PIT ---------------- */

void pic_remap(uint8_t master_base, uint8_t slave_base)
{
    outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
    outb(0xA0, 0x11);
    outb(0x21, master_base); /* ICW2 */
    outb(0xA1, slave_base);
    outb(0x21, 0x04); /* ICW3: slave on IRQ2 */
    outb(0xA1, 0x02);
    outb(0x21, 0x01); /* ICW4: 8086 mode */
    outb(0xA1, 0x01);
    outb(0x21, 0xFB); /* mask all but the cascade */
    outb(0xA1, 0xFF);
}

void pic_unmask(int irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xA1;
    outb(port, inb(port) & ~(1 << (irq & 7)));
}

void pic_mask(int irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xA1;
    outb(port, inb(port) | (1 << (irq & 7)));
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(0xA0, 0x20);
    outb(0x20, 0x20);
}

void pit_periodic(uint32_t hz)
{
    uint32_t div = (PIT_HZ + hz / 2) / hz;
    outb(0x43, 0x34); /* channel 0, lo/hi, mode 2, binary */
    outb(0x40, div & 0xff);
    outb(0x40, (div >> 8) & 0xff);
}

uint16_t pit_read_counter(int channel)
{
    outb(0x43, (uint8_t)(channel << 6)); /* counter latch */
    uint8_t lo = inb(0x40 + channel);
    uint8_t hi = inb(0x40 + channel);
    return (uint16_t)(lo | (hi << 8));
}

/* ---------------- exit ---------------- */

void exit_qemu(int code)
{
    outb(0xf4, (uint8_t)code); /* isa-debug-exit: status (code << 1) | 1 */
    for (;;) {
        cli();
        hlt();
    }
}

/* ---------------- test framework ---------------- */

static unsigned grp_n, grp_fail;
static uint32_t grp_h;

void t_begin(const char *name)
{
    t_name = name;
    t_checks = 0;
    t_failures = 0;
    printf("TEST %s\n", name);
}

int t_eq(const char *label, uint32_t got, uint32_t exp)
{
    t_checks++;
    if (got == exp) {
        printf("%s ok\n", label);
        return 1;
    }
    t_failures++;
    printf("FAIL %s got %08x expected %08x\n", label, got, exp);
    return 0;
}

int t_ok(const char *label, int cond)
{
    t_checks++;
    if (cond) {
        printf("%s ok\n", label);
        return 1;
    }
    t_failures++;
    printf("FAIL %s\n", label);
    return 0;
}

void t_print_fail(const char *fmt, ...)
{
    va_list ap;
    t_checks++;
    t_failures++;
    puts_raw("FAIL ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    serial_putc('\n');
}

void grp_begin(void)
{
    grp_n = 0;
    grp_fail = 0;
    grp_h = HASH_INIT;
}

int grp_check(int cond, const char *fmt, ...)
{
    grp_n++;
    if (cond)
        return 1;
    grp_fail++;
    if (grp_fail <= 8) {
        va_list ap;
        puts_raw("FAIL ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        serial_putc('\n');
    }
    return 0;
}

void grp_hash(uint32_t v) { grp_h = hash32(grp_h, v); }
uint32_t grp_hash_value(void) { return grp_h; }

void grp_end(const char *label)
{
    t_checks += grp_n;
    t_failures += grp_fail;
    if (grp_fail)
        printf("FAIL %s %u of %u failed hash=%08x\n", label, grp_fail, grp_n, grp_h);
    else
        printf("%s n=%u hash=%08x ok\n", label, grp_n, grp_h);
}

void t_end(void)
{
    if (t_failures) {
        printf("FAIL %s %u of %u failed\n", t_name, t_failures, t_checks);
        exit_qemu(1);
    }
    printf("PASS %s %u checks\n", t_name, t_checks);
    exit_qemu(0);
}

uint32_t rng_operand(void)
{
    static const uint32_t special[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
        0xfffffffe, 0xffffffff,
    };
    uint32_t r = rng();
    switch (r & 7) {
    case 0:
        return special[(r >> 3) & 15];
    case 1:
        return special[(r >> 3) & 15] + ((r >> 8) & 3) - 1; /* near a boundary */
    case 2:
        return (r >> 3) & 0xff;
    default:
        return rng();
    }
}
