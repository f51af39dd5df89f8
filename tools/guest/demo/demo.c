/* The demo kernel `npm start` boots: multiboot info, a little arithmetic, the PIT, and an
 * echo loop on the serial port until 'q'. */
#include "rt.h"

static volatile uint32_t ticks;
static void on_timer(struct regs *r) { (void)r; ticks++; pic_eoi(0); }

int main(uint32_t magic, uint32_t mbi_addr)
{
    struct mb_info *mbi = (struct mb_info *)mbi_addr;
    printf("tcg86 demo kernel\n");
    printf("multiboot magic %08x, memory %u KiB low + %u KiB high\n", magic, mbi->mem_lower, mbi->mem_upper);
    if (mbi->flags & 4) printf("command line: %s\n", (const char *)mbi->cmdline);
    if (mbi->flags & 0x200) printf("boot loader: %s\n", (const char *)mbi->boot_loader_name);
    uint32_t count = 0, last = 0;
    for (uint32_t n = 2; n < 20000; n++) {
        int prime = 1;
        for (uint32_t d = 2; d * d <= n; d++) if (n % d == 0) { prime = 0; break; }
        if (prime) { count++; last = n; }
    }
    printf("%u primes below 20000, the largest %u\n", count, last);
    pic_remap(0x20, 0x28);
    set_handler(0x20, on_timer);
    pit_periodic(100);
    pic_unmask(0);
    sti();
    while (ticks < 100) hlt();
    printf("PIT: %u ticks at 100 Hz while sleeping in hlt\n", ticks);
    printf("type characters to echo them; 'q' quits\n");
    for (;;) {
        while (!serial_can_read()) hlt();
        int c = serial_getc();
        if (c == 'q') break;
        serial_putc((char)c);
    }
    printf("\nbye\n");
    exit_qemu(0);
    return 0;
}
