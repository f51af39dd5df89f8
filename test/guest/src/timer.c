/*
 * timer: PIC remapped to 0x20/0x28, PIT channel 0 at 1000 Hz (mode 2),
 * IRQ0 counted in a handler with EOI, hlt until 50 ticks; the PIC's ISR
 * inside the handler; PIT counter latch (values decrease and stay below
 * the reload value), read-back status, channel 2 one-shot with OUT2 on port
 * 0x61 (the way Linux calibrates the TSC); the RTC: BCD/binary time fields
 * in range, status register D = 0x80, periodic interrupt on IRQ8 through
 * the slave PIC with register C acknowledgement.
 * Only deterministic facts are printed (never times or counts of polls).
 */
#include "rt.h"

static volatile uint32_t ticks, isr_in_handler, isr_after_eoi, rtc_irqs, rtc_regc;

static void tick_handler(struct regs *r)
{
    ticks++;
    if (ticks == 1) {
        outb(0x20, 0x0B); /* OCW3: read ISR */
        isr_in_handler = inb(0x20);
    }
    pic_eoi(0);
    if (ticks == 1) {
        isr_after_eoi = inb(0x20);
        outb(0x20, 0x0A); /* back to IRR reads */
    }
}

static void rtc_handler(struct regs *r)
{
    outb(0x70, 0x0C);
    rtc_regc |= inb(0x71);
    rtc_irqs++;
    pic_eoi(8);
}

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static int bcd_ok(uint8_t v, int max)
{
    if ((v & 0xf) > 9 || (v >> 4) > 9)
        return 0;
    return ((v >> 4) * 10 + (v & 0xf)) <= max;
}

int main(uint32_t magic, uint32_t mbi)
{
    t_begin("timer");

    /* ---- PIT channel 0 + IRQ0 ---- */
    set_handler(0x20, tick_handler);
    pit_periodic(1000);
    pic_unmask(0);
    sti();
    uint32_t spins = 0;
    while (ticks < 50) {
        hlt();
        if (++spins > 10000000)
            break;
    }
    cli();
    t_eq("ticks counted with hlt", ticks, 50);
    t_eq("PIC ISR bit 0 set in the IRQ0 handler", isr_in_handler, 0x01);
    t_eq("PIC ISR clear after EOI", isr_after_eoi, 0x00);
    outb(0x21, inb(0x21)); /* IMR read/write */
    t_eq("PIC IMR (only IRQ0 and the cascade unmasked)", inb(0x21), 0xFA);

    /* ---- counter latch ---- */
    {
        uint16_t prev = pit_read_counter(0);
        int in_range = prev <= 1193, decreased = 0;
        for (int i = 0; i < 200; i++) {
            for (volatile int k = 0; k < 20; k++)
                ;
            uint16_t v = pit_read_counter(0);
            if (v > 1193)
                in_range = 0;
            if (v < prev)
                decreased = 1;
            prev = v;
        }
        t_ok("pit counter latch values <= reload (1193)", in_range);
        t_ok("pit counter decreases", decreased);
        outb(0x43, 0xE2); /* read-back: latch status of channel 0 */
        t_eq("pit read-back status (lo/hi, mode 2, binary)", inb(0x40) & 0x3f, 0x34);
    }

    /* ---- channel 2 one-shot, OUT2 on port 0x61 bit 5 ---- */
    {
        outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
        outb(0x43, 0xB0);                      /* channel 2, lo/hi, mode 0 */
        outb(0x42, 0xff);
        outb(0x42, 0xff);
        uint16_t a = pit_read_counter(2);
        for (volatile int k = 0; k < 2000; k++)
            ;
        uint16_t b = pit_read_counter(2);
        t_ok("pit channel 2 counts down", b < a);
        t_eq("pit channel 2 OUT low while counting", inb(0x61) & 0x20, 0);
        outb(0x43, 0xB0);
        outb(0x42, 100); /* ~84 us */
        outb(0x42, 0);
        uint32_t n = 0;
        while (!(inb(0x61) & 0x20) && n < 50000000)
            n++;
        t_ok("pit channel 2 OUT goes high at terminal count", (inb(0x61) & 0x20) != 0);
        outb(0x61, inb(0x61) & ~0x03);
    }

    /* ---- RTC ---- */
    {
        uint32_t n = 0;
        while ((cmos(0x0A) & 0x80) && n < 10000000)
            n++;
        uint8_t b = cmos(0x0B);
        uint8_t sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04), day = cmos(0x07), mon = cmos(0x08),
                year = cmos(0x09);
        int ok;
        if (b & 0x04) { /* binary */
            ok = sec < 60 && min < 60 && (hour & 0x7f) < 24 && day >= 1 && day <= 31 && mon >= 1 && mon <= 12 &&
                 year < 100;
        } else {
            ok = bcd_ok(sec, 59) && bcd_ok(min, 59) && bcd_ok(hour & 0x7f, 23) && bcd_ok(day, 31) && day &&
                 bcd_ok(mon, 12) && mon && bcd_ok(year, 99);
        }
        t_ok("rtc time fields plausible", ok);
        t_eq("rtc status register D", cmos(0x0D), 0x80);

        /* periodic interrupt: IRQ8 on the slave PIC */
        set_handler(0x28, rtc_handler);
        uint8_t olda = cmos(0x0A);
        outb(0x70, 0x0A);
        outb(0x71, (olda & 0xf0) | 0x06); /* 1024 Hz */
        (void)cmos(0x0C);                 /* clear pending flags */
        outb(0x70, 0x0B);
        outb(0x71, b | 0x40); /* PIE */
        pic_unmask(8);
        sti();
        spins = 0;
        while (rtc_irqs < 10 && spins++ < 10000000)
            hlt();
        cli();
        outb(0x70, 0x0B);
        outb(0x71, b);
        pic_mask(8);
        t_ok("rtc periodic interrupts (10 on IRQ8)", rtc_irqs >= 10);
        t_eq("rtc register C flags on interrupt (IRQF|PF)", rtc_regc & 0xc0, 0xc0);
    }
    pic_mask(0);
    t_end();
}
