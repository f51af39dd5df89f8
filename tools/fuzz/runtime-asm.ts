// NASM source shared by the fuzz kernels: multiboot header, flat GDT, COM1 output, hex
// printing, an IDT for the 32 exception vectors (stubs push a dummy error code where the CPU
// pushes none, then the vector, then jump to `isr_common`, which each kernel defines).

/** Linker script: the multiboot header first, everything at 1 MiB. */
/** One xorshift32 step on eax (edx scratch): the fuzz kernels fill their data with it. */
export const XORSHIFT32_EAX = `    mov edx, eax
    shl edx, 13
    xor eax, edx
    mov edx, eax
    shr edx, 17
    xor eax, edx
    mov edx, eax
    shl edx, 5
    xor eax, edx
`;

export const LINK_LD = `ENTRY(_start)
SECTIONS
{
  . = 0x100000;
  .text : { *(.multiboot) *(.text) }
  .data : ALIGN(16) { *(.data) }
  .bss : ALIGN(16) { *(.bss) }
  /DISCARD/ : { *(.note*) *(.comment) }
}
`;

/** Vectors for which the CPU pushes an error code. */
const ERR_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

/**
 * Entry: flat segments, COM1, IDT, FPU, then `kernel_main` (defined by the kernel).
 * `extraGdt` is appended to the GDT (entries from 0x18 on).
 */
export function runtimeAsm(extraGdt: string[] = []): string {
  const stubs: string[] = [];
  for (let v = 0; v < 32; v++) {
    stubs.push(`isr_${v}:`, ERR_VECTORS.has(v) ? '' : '    push dword 0', `    push dword ${v}`, '    jmp isr_common');
  }
  return `bits 32
%define COM1 0x3f8

section .multiboot progbits alloc noexec nowrite align=4
    dd 0x1BADB002, 0, -0x1BADB002

section .text
global _start
_start:
    cli
    cld
    lgdt [gdt_ptr]
    jmp 0x08:.flat
.flat:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, kstack_top
    mov dx, COM1 + 1
    mov al, 0
    out dx, al              ; no UART interrupts
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al              ; DLAB
    mov dx, COM1
    mov al, 1
    out dx, al              ; 115200 baud
    mov dx, COM1 + 1
    mov al, 0
    out dx, al
    mov dx, COM1 + 3
    mov al, 3
    out dx, al              ; 8N1
    mov dx, COM1 + 2
    mov al, 0xc7
    out dx, al              ; FIFO on
    xor ecx, ecx
.idt:
    mov eax, [isr_table + ecx*4]
    mov [idt + ecx*8], ax
    mov word [idt + ecx*8 + 2], 0x08
    mov word [idt + ecx*8 + 4], 0x8e00
    shr eax, 16
    mov [idt + ecx*8 + 6], ax
    inc ecx
    cmp ecx, 32
    jb .idt
    lidt [idt_ptr]
    fninit
    jmp kernel_main

; putc: AL to COM1 (waits for the transmitter).
putc:
    push edx
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

; puts: the zero-terminated string at ESI.
puts:
    push eax
.next:
    mov al, [esi]
    test al, al
    jz .done
    call putc
    inc esi
    jmp .next
.done:
    pop eax
    ret

; hexn: the low ECX (1..8) nibbles of EAX, most significant first.
hexn:
    push ebx
    push ecx
    push edx
    mov ebx, eax
    mov edx, ecx
    mov cl, 8
    sub cl, dl
    shl cl, 2
    rol ebx, cl
.nib:
    rol ebx, 4
    mov eax, ebx
    and eax, 0xf
    mov al, [hexdigits + eax]
    call putc
    dec edx
    jnz .nib
    pop edx
    pop ecx
    pop ebx
    ret

hex8:
    push ecx
    mov ecx, 8
    call hexn
    pop ecx
    ret

; sp_hex8 / sp_hex4: a space, then EAX in 8 / 4 hex digits.
sp_hex8:
    push eax
    mov al, ' '
    call putc
    pop eax
    jmp hex8

sp_hex4:
    push ecx
    push eax
    mov al, ' '
    call putc
    pop eax
    mov ecx, 4
    call hexn
    pop ecx
    ret

; exit: isa-debug-exit at 0xf4 (status 1 = success for both emulators).
exit_ok:
    mov dx, 0xf4
    xor eax, eax
    out dx, eax
.halt:
    cli
    hlt
    jmp .halt

${stubs.join('\n')}

section .data
align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF   ; 0x08 flat code
    dq 0x00CF92000000FFFF   ; 0x10 flat data
${extraGdt.map((d) => `    dq ${d}`).join('\n')}
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
idt_ptr:
    dw 32 * 8 - 1
    dd idt
hexdigits:
    db '0123456789abcdef'
isr_table:
${Array.from({ length: 32 }, (_, v) => `    dd isr_${v}`).join('\n')}

section .bss
alignb 16
idt:
    resb 32 * 8
kstack:
    resb 0x4000
kstack_top:
section .text
`;
}
