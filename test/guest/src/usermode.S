/*
 * usermode: ring transitions and ring-3 code stubs (see usermode.c).
 *
 * enter_user(struct ustate *u) saves the kernel's callee-saved registers
 * and ESP, loads ES/FS/GS/DS and the general registers from *u and irets
 * to CS=0x1b SS=0x23 at u->eip / u->esp with u->eflags.  It "returns"
 * when a ring-0 handler calls return_to_kernel(value), which reloads the
 * kernel data segments and the saved ESP and returns value from
 * enter_user.  The ring-3 stubs below end with u_exit (syscall 0), whose
 * handler records the registers and calls return_to_kernel.
 */
#define SYS_EXIT 0
#define SYS_SETSEG 3
#define KDATA 0x10
#define UCODE 0x1b
#define UDATA 0x23
#define COMMA ,

        .text
        .globl enter_user
enter_user:
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, kernel_esp
        movl 20(%esp), %eax             /* struct ustate * */
        pushl $UDATA                    /* ss */
        pushl 4(%eax)                   /* esp */
        pushl 8(%eax)                   /* eflags */
        pushl $UCODE                    /* cs */
        pushl 0(%eax)                   /* eip */
        movw 16(%eax), %es
        movw 20(%eax), %fs
        movw 24(%eax), %gs
        movl 32(%eax), %ebx
        movl 36(%eax), %ecx
        movl 40(%eax), %edx
        movl 44(%eax), %esi
        movl 48(%eax), %edi
        movl 52(%eax), %ebp
        pushl 28(%eax)                  /* eax */
        movw 12(%eax), %ds
        popl %eax
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
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

/* Call gate target (ring 0, reached from ring 3 with 2 parameters). */
        .globl cg_target
cg_target:
        movl %cs, %ecx
        movl %ecx, cg_cs
        movl %ss, %ecx
        movl %ecx, cg_ss
        movl %esp, cg_esp
        movl 8(%esp), %eax
        movl %eax, cg_p0
        movl 12(%esp), %ecx
        movl %ecx, cg_p1
        movl 16(%esp), %edx
        movl %edx, cg_uesp
        movl 20(%esp), %edx
        movl %edx, cg_uss
        subl %ecx, %eax
        lret $8

/* sysenter target (ring 0): eax += 0x1000, back with sysexit (edx = eip, ecx = esp). */
        .globl se_entry
se_entry:
        movw %cs, se_cs
        movw %ss, se_ss
        movl %esp, se_esp
        pushfl
        popl se_eflags
        addl $0x1000, %eax
        sysexit

/* ---------------- ring-3 code: its own pages ---------------- */
        .section .text.user, "ax"
        .balign 4096
        .globl user_text_start
user_text_start:

        .globl u_exit
u_exit:
        movl $SYS_EXIT, %eax
        int $0x80
        ud2

#define STUB(name, insn) \
        .globl name; name: insn; jmp u_exit

STUB(u_nop, nop)
STUB(u_hlt, hlt)
STUB(u_cli, cli)
STUB(u_sti, sti)
STUB(u_rd_cr0, movl %cr0 COMMA %eax)
STUB(u_wr_cr0, movl %eax COMMA %cr0)
STUB(u_rd_cr3, movl %cr3 COMMA %eax)
STUB(u_wr_cr3, movl %eax COMMA %cr3)
STUB(u_rd_cr4, movl %cr4 COMMA %eax)
STUB(u_rd_dr7, movl %dr7 COMMA %eax)
STUB(u_wr_dr7, movl %eax COMMA %dr7)
STUB(u_lgdt, lgdt (%ebx))
STUB(u_lidt, lidt (%ebx))
STUB(u_lldt, lldt %ax)
STUB(u_ltr, ltr %ax)
STUB(u_lmsw, lmsw %ax)
STUB(u_clts, clts)
STUB(u_invlpg, invlpg (%ebx))
STUB(u_wbinvd, wbinvd)
STUB(u_invd, invd)
STUB(u_rdmsr, rdmsr)
STUB(u_wrmsr, wrmsr)
STUB(u_rdpmc, rdpmc)
STUB(u_rdtsc, rdtsc)
STUB(u_inb_imm, inb $0x80 COMMA %al)
STUB(u_outb_imm, outb %al COMMA $0x80)
STUB(u_inb_dx, inb (%dx) COMMA %al)
STUB(u_outl_dx, outl %eax COMMA (%dx))
STUB(u_inw_imm, inw $0x80 COMMA %ax)
STUB(u_insb, insb)
STUB(u_outsb, outsb)
STUB(u_sysexit, sysexit)
STUB(u_int81, int $0x81)
STUB(u_int3, int3)
STUB(u_int_3, .byte 0xcd COMMA 0x03)
STUB(u_into, into)
STUB(u_int90, int $0x90)
STUB(u_ud2, ud2)
STUB(u_div0, divl %ecx)
STUB(u_ld_ds_kdata, movw %ax COMMA %ds)
STUB(u_ld_ss_kdata, movw %ax COMMA %ss)
STUB(u_ljmp_kcode, ljmp $0x08 COMMA $u_exit)
STUB(u_lcall_kcode, lcall $0x08 COMMA $u_exit)

/* iret / lret to ring 0 from ring 3: #GP(new CS) */
        .globl u_iret_kcode, u_iret_kcode_insn
u_iret_kcode:
        pushfl
        pushl $0x08
        pushl $u_exit
u_iret_kcode_insn:
        iretl
        .globl u_lret_kcode, u_lret_kcode_insn
u_lret_kcode:
        pushl $0x08
        pushl $u_exit
u_lret_kcode_insn:
        lret

/* memory access stubs: ebx = address, ecx = value */
STUB(u_read, movl (%ebx) COMMA %ebp)
STUB(u_write, movl %ecx COMMA (%ebx))
        .globl u_call
u_call:
        call *%ebx
        movl %eax, %ebp
        jmp u_exit

/* data segment loads that work: conforming code (DPL 0) into DS, user data into SS */
        .globl u_ld_ds_conf
u_ld_ds_conf:
        movw %ax, %ds
        movl %ds, %ebx
        movw $UDATA, %ax
        movw %ax, %ds
        jmp u_exit

/* report the segment registers as they are after the iret into ring 3 */
        .globl u_segs
u_segs:
        movl %ds, %ebx
        movl %es, %ecx
        movl %fs, %edx
        movl %gs, %esi
        movw $UDATA, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        jmp u_exit

/* same after a syscall whose handler put KDATA into the frame's DS/FS */
        .globl u_sc_segs
u_sc_segs:
        movl $SYS_SETSEG, %eax
        int $0x80
        movl %ds, %ebx
        movl %es, %ecx
        movl %fs, %edx
        movl %gs, %esi
        movw $UDATA, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        jmp u_exit

/* popf (IOPL 0, CPL 3): try to set IOPL=3, IF=1 and CF; ebx = before, ecx = after */
        .globl u_popf
u_popf:
        pushfl
        popl %ebx
        movl %ebx, %eax
        xorl $0x3201, %eax
        pushl %eax
        popfl
        pushfl
        popl %ecx
        jmp u_exit

/* same-privilege iret trying the same; ebx = before, ecx = after */
        .globl u_iret_flags
u_iret_flags:
        pushfl
        popl %ebx
        movl %ebx, %eax
        xorl $0x3201, %eax
        pushl %eax
        pushl $UCODE
        pushl $1f
        iretl
1:      pushfl
        popl %ecx
        jmp u_exit

/* IOPL 3: in/out, cli/sti allowed; popf may change IF but not IOPL */
        .globl u_iopl3
u_iopl3:
        inb $0x80, %al
        outb %al, $0x80
        cli
        pushfl
        popl %ebx
        sti
        pushfl
        popl %ecx
        pushfl
        popl %eax
        andl $~0x3200, %eax
        pushl %eax
        popfl
        pushfl
        popl %edx
        jmp u_exit

/* call gate with 2 parameters: eax = 7 - 2, esi = esp before, edi = esp after */
        .globl u_callgate
u_callgate:
        movl %esp, %esi
        pushl $2
        pushl $7
        lcall $0x3b, $0
        movl %esp, %edi
        movl %eax, %ebp
        jmp u_exit

/* sysenter round trip: ebx = cs, esi = ss, edi = esp after, ebp = eax after, ecx = esp before */
        .globl u_sysenter
u_sysenter:
        movl %esp, %ecx
        movl $1f, %edx
        movl $0x1234, %eax
        .globl u_sysenter_insn
u_sysenter_insn:
        sysenter
1:      movl %cs, %ebx
        movl %ss, %esi
        movl %esp, %edi
        movl %eax, %ebp
        jmp u_exit

/* wait for an interrupt: ebx = &counter, ecx = max iterations */
        .globl u_wait_irq
u_wait_irq:
1:      cmpl $0, (%ebx)
        jne 2f
        decl %ecx
        jnz 1b
2:      jmp u_exit

        .balign 4096
        .globl user_text_end
user_text_end:

        .section .note.GNU-stack, "", @progbits
