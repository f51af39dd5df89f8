/*
 * hello: the smallest test kernel (runtime bring-up): checks the multiboot
 * magic and that ud2 raises #UD through the IDT and resumes.
 */
#include "rt.h"
int main(uint32_t magic, uint32_t mbi)
{
    t_begin("hello");
    t_eq("magic", magic, MB_BOOT_MAGIC);
    fault_reset();
    asm volatile(FAULT_SETUP "ud2" FAULT_DONE ::: "memory");
    t_eq("ud2 vector", fault_vector, 6);
    t_end();
}
