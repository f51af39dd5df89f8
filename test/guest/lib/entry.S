/*
 * tcg86 guest runtime: multiboot v1 header, entry point, GDT, IDT stubs.
 *
 * _start: clears .bss, switches to our own stack and GDT
 * (0x08 flat 32-bit code, 0x10 flat 32-bit data, entries 3..GDT_ENTRIES-1
 * free for the tests), calls rt_init() (IDT, serial) and then
 * main(magic, mbi).  If main returns, its value is the exit code.
 *
 * isr_stubs: 256 stubs, 16 bytes apart (isr_stubs + 16*vector).  Each pushes
 * a dummy error code (unless the CPU pushes one for that vector), the
 * vector number and jumps to isr_common, which saves the registers as a
 * struct regs (see rt.h) and calls isr_dispatch(struct regs *).  The
 * handler may modify the frame (eip, eax, ...) before it is restored.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003     /* page-align modules, memory info */
#define GDT_ENTRIES 32

        .section .multiboot, "a"
        .balign 4
        .globl multiboot_header
multiboot_header:
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .section .text.entry, "ax"
        .globl _start
_start:
        cli
        cld
        movl %eax, %esi                 /* multiboot magic */
        movl %ebx, %edi                 /* multiboot info */
        movl $__bss_start, %ecx
1:      cmpl $__bss_end, %ecx
        jae 2f
        movl $0, (%ecx)
        addl $4, %ecx
        jmp 1b
2:      movl $stack_top, %esp
        movl %esi, mb_magic
        movl %edi, mb_info
        lgdt gdt_ptr
        ljmp $0x08, $3f
3:      movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        pushl $0
        popfl
        call rt_init
        pushl mb_info
        pushl mb_magic
        call main
        addl $8, %esp
        pushl %eax
        call exit_qemu
4:      cli
        hlt
        jmp 4b

/* Interrupt/exception stubs. */
        .balign 16
        .globl isr_stubs
isr_stubs:
        .set vec, 0
        .rept 256
        .balign 16
        .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
        nop
        nop
        .else
        pushl $0
        .endif
        pushl $vec
        jmp isr_common
        .set vec, vec + 1
        .endr

isr_common:
        pushal
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        cld
        pushl %esp
        call isr_dispatch
        addl $4, %esp
        popl %gs
        popl %fs
        popl %es
        popl %ds
        popal
        addl $8, %esp
        iretl

        .data
        .balign 8
        .globl gdt
gdt:
        .quad 0x0000000000000000        /* 0x00 null */
        .quad 0x00CF9A000000FFFF        /* 0x08 flat code, 32-bit, DPL0 */
        .quad 0x00CF92000000FFFF        /* 0x10 flat data, 32-bit, DPL0 */
        .fill GDT_ENTRIES - 3, 8, 0
        .balign 4
        .word 0
        .globl gdt_ptr
gdt_ptr:
        .word GDT_ENTRIES * 8 - 1
        .long gdt

        .globl mb_magic, mb_info
        .balign 4
mb_magic: .long 0
mb_info:  .long 0

        .bss
        .balign 16
        .globl stack_bottom, stack_top
stack_bottom:
        .skip 65536
stack_top:

        .section .note.GNU-stack, "", @progbits
