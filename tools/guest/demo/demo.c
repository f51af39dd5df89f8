/*
 * tcg86 demo kernel (multiboot v1): prints the multiboot information,
 * computes a few things, sleeps a second on the PIT with hlt, then echoes
 * what is typed on the serial port (interrupt-driven receive on IRQ4)
 * until it reads 'q', and exits through the isa-debug-exit port (0xf4)
 * with code 0.
 *
 * Built by tools/build-guests.sh together with the test kernels.
 */
#include "rt.h"

/* ---- multiboot info ---- */
struct mb_mmap {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
} __attribute__((packed));

static void show_multiboot(uint32_t magic, uint32_t addr)
{
    if (magic != MB_BOOT_MAGIC) {
        printf("not started by a multiboot loader (eax=%08x)\n", magic);
        return;
    }
    const struct mb_info *mbi = (const struct mb_info *)addr;
    printf("multiboot info at %08x, flags %08x\n", addr, mbi->flags);
    if (mbi->flags & (1 << 0))
        printf("  memory: %u KiB lower, %u KiB upper (%u MiB total)\n", mbi->mem_lower, mbi->mem_upper,
               (mbi->mem_upper + 1024) / 1024);
    if (mbi->flags & (1 << 2))
        printf("  command line: \"%s\"\n", (const char *)mbi->cmdline);
    if (mbi->flags & (1 << 9))
        printf("  boot loader: %s\n", (const char *)mbi->boot_loader_name);
    if (mbi->flags & (1 << 3))
        printf("  modules: %u\n", mbi->mods_count);
    if (mbi->flags & (1 << 6)) {
        printf("  memory map:\n");
        uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
        while (p < end) {
            const struct mb_mmap *e = (const struct mb_mmap *)p;
            printf("    %08llx-%08llx %s\n", e->addr, e->addr + e->len - 1,
                   e->type == 1 ? "available" : e->type == 3 ? "ACPI" : "reserved");
            p += e->size + 4;
        }
    }
}

/* ---- a few computations ---- */
static uint8_t sieve[100001];

static uint32_t crc32(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint32_t c = 0xffffffff;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c;
}

static void compute(void)
{
    uint32_t count = 0;
    for (uint32_t i = 2; i <= 100000; i++)
        sieve[i] = 1;
    for (uint32_t i = 2; i * i <= 100000; i++)
        if (sieve[i])
            for (uint32_t j = i * i; j <= 100000; j += i)
                sieve[j] = 0;
    printf("primes below 60:");
    for (uint32_t i = 2; i < 60; i++)
        if (sieve[i])
            printf(" %u", i);
    for (uint32_t i = 2; i <= 100000; i++)
        count += sieve[i];
    printf("\nprimes up to 100000: %u\n", count);
    printf("crc32(\"123456789\") = %08x\n", crc32("123456789", 9));
    uint64_t f = 1;
    for (uint32_t i = 1; i <= 20; i++)
        f *= i;
    printf("20! = %llu\n", f);
}

/* ---- timer ---- */
static volatile uint32_t ticks;
static void tick(struct regs *r)
{
    ticks++;
    pic_eoi(0);
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* ---- serial receive ---- */
static volatile uint8_t rx_buf[256];
static volatile uint32_t rx_head, rx_tail;
static void serial_irq(struct regs *r)
{
    while (inb(COM1 + 5) & 1) {
        uint8_t c = inb(COM1);
        if (rx_head - rx_tail < sizeof rx_buf)
            rx_buf[rx_head++ % sizeof rx_buf] = c;
    }
    pic_eoi(4);
}

int main(uint32_t magic, uint32_t mbi)
{
    printf("\n==================\n tcg86 demo kernel\n==================\n");
    show_multiboot(magic, mbi);
    compute();

    set_handler(0x20, tick);
    pit_periodic(100);
    pic_unmask(0);
    uint64_t t0 = rdtsc();
    sti();
    while (ticks < 100)
        hlt();
    uint64_t t1 = rdtsc();
    printf("slept 1 s with hlt: %u PIT ticks at 100 Hz, TSC ~%u MHz\n", ticks, (uint32_t)((t1 - t0) / 1000000));

    set_handler(0x24, serial_irq);
    outb(COM1 + 2, 0x07); /* FIFO on, receive trigger at 1 byte */
    outb(COM1 + 4, 0x0B); /* DTR RTS OUT2 (OUT2 gates the IRQ on a PC) */
    outb(COM1 + 1, 0x01); /* received data interrupt */
    pic_unmask(4);
    printf("type something (q quits):\n");
    for (;;) {
        cli();
        if (rx_tail == rx_head) {
            asm volatile("sti\n\thlt" ::: "memory"); /* no lost wakeup: sti takes effect after hlt starts */
            continue;
        }
        uint8_t c = rx_buf[rx_tail++ % sizeof rx_buf];
        sti();
        if (c == 'q') {
            printf("\nbye (%u timer ticks)\n", ticks);
            exit_qemu(0);
        }
        if (c == '\r' || c == '\n')
            puts_raw("\r\n");
        else if (c == 0x7f || c == 8)
            puts_raw("\b \b");
        else
            serial_putc((char)c);
    }
}
