/*
 * align: the ring transition and the ring-3 code of the alignment-check tests (see align.c).
 *
 * enter_user(const struct uregs *u) saves the kernel's callee-saved registers, EFLAGS and ESP,
 * loads DS/ES/FS/GS with the user data selector and EAX..EDI from *u, and irets to
 * CS=0x1b SS=0x23 at u->eip / u->esp with u->eflags. A ring-0 handler ends the run with
 * return_to_kernel(value): enter_user then returns value, with the kernel's EFLAGS back (an
 * interrupt gate from ring 3 keeps EFLAGS.AC, which must not leak into the kernel).
 * Every ring-3 stub ends at u_exit (int $0x80).
 */
#define KDATA 0x10
#define UCODE 0x1b
#define UDATA 0x23

        .text
        .globl enter_user
enter_user:
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        pushfl
        movl %esp, kernel_esp
        movl 24(%esp), %ebp             /* struct uregs * */
        pushl $UDATA                    /* ss */
        pushl 4(%ebp)                   /* esp */
        pushl 8(%ebp)                   /* eflags */
        pushl $UCODE                    /* cs */
        pushl 0(%ebp)                   /* eip */
        movw $UDATA, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movl 12(%ebp), %eax
        movl 16(%ebp), %ebx
        movl 20(%ebp), %ecx
        movl 24(%ebp), %edx
        movl 28(%ebp), %esi
        movl 32(%ebp), %edi
        iretl

        .globl return_to_kernel
return_to_kernel:
        movl 4(%esp), %eax
        movw $KDATA, %cx
        movw %cx, %ds
        movw %cx, %es
        movw %cx, %fs
        movw %cx, %gs
        movl kernel_esp, %esp
        popfl
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

/* ---------------- ring-3 code: each stub is its instruction, then u_exit ---------------- */
#define STUB(name, ...) \
        .globl name; name: __VA_ARGS__; jmp u_exit

        .globl u_exit
u_exit:
        int $0x80
        ud2

/* explicit operands, ebx = address */
STUB(u_ldb, movb (%ebx), %al)
STUB(u_ldw, movw (%ebx), %ax)
STUB(u_ldl, movl (%ebx), %eax)
STUB(u_stw, movw %ax, (%ebx))
STUB(u_stl, movl %eax, (%ebx))
STUB(u_addl, addl %eax, (%ebx))
STUB(u_fldl, fldl (%ebx))
STUB(u_fldt, fldt (%ebx))
STUB(u_fnstcw, fnstcw (%ebx))
STUB(u_sgdt, sgdt (%ebx))
/* cmpxchg8b reads EBX as data: address in esi */
STUB(u_cx8, cmpxchg8b (%esi))
        .globl u_movq
u_movq: movq (%ebx), %mm0
        emms
        jmp u_exit

/* the stack: esp as entered */
STUB(u_push, pushl %eax)
STUB(u_pop, popl %eax)
STUB(u_call, call u_exit)
STUB(u_ret, ret)
STUB(u_lret, lret)

/* strings: esi, edi, ecx */
STUB(u_lodsl, lodsl)
STUB(u_movsw, movsw)
STUB(u_rep_stosl, rep stosl)

/* popf sets (clears) EFLAGS.AC; the load after it is the instruction checked */
        .globl u_popf_ac, u_popf_ac_insn
u_popf_ac:
        pushfl
        orl $0x40000, (%esp)
        popfl
u_popf_ac_insn:
        movl (%ebx), %eax
        jmp u_exit
        .globl u_popf_noac
u_popf_noac:
        pushfl
        andl $~0x40000, (%esp)
        popfl
        movl (%ebx), %eax
        jmp u_exit

        .section .note.GNU-stack, "", @progbits
