// The decoder-fuzz kernel: each sample (16 random bytes) runs as ONE instruction in ring 3
// with TF set, from a fresh state, and the first exception is recorded:
//
//   D sample vector error eipoff cr2 cs
//
// vector 1 (the single-step trap) means the instruction executed; eipoff (the saved EIP minus
// the sample's address) is then its length, or a branch target. #UD, #GP, #PF (with CR2) ...
// show the decode and protection decisions. Ring 3 with paging keeps random instructions
// harmless: only the code page (read-only) and one data page (stack and data) are user
// pages, everything else is supervisor or not present; I/O, cli/sti, hlt and privileged
// instructions fault; every IDT gate has DPL 0 (int n -> #GP). popf and iret, which could
// clear TF, are not generated.
import { hex } from './prng';
import { runtimeAsm, XORSHIFT32_EAX } from './runtime-asm';

export const UCODE = 0x300000, UDATA = 0x301000, SAMPLE_OFF = 0x800;
export const SAMPLE_LEN = 16;

export interface DecodeSample {
  bytes: number[];
  /** eax, ecx, edx, ebx, esp, ebp, esi, edi (all inside the user data page). */
  regs: number[];
  eflags: number;
}

export function decoderKernelAsm(samples: DecodeSample[], dataSeed: number): string {
  const data: string[] = ['section .data', 'align 4', 'samples:'];
  for (const s of samples) data.push(`    db ${s.bytes.map((b) => '0x' + hex(b, 2)).join(', ')}`);
  data.push('states:');
  for (const s of samples) data.push(`    dd ${[...s.regs, s.eflags].map((v) => '0x' + hex(v)).join(', ')}`);
  // GDT entries 3..5: user code 0x1b, user data 0x23 (DPL 3), TSS 0x28 (filled at run time).
  return runtimeAsm(['0x00CFFA000000FFFF', '0x00CFF2000000FFFF', '0']) + body(samples.length, dataSeed) + data.join('\n') + '\n';
}

function body(n: number, seed: number): string {
  return `
%define UCODE 0x${hex(UCODE)}
%define UDATA 0x${hex(UDATA)}
%define SAMPLE (UCODE + 0x${SAMPLE_OFF.toString(16)})
%define NSAMPLES ${n}

kernel_main:
    mov eax, tss
    mov word [gdt + 0x28], 103
    mov [gdt + 0x2a], ax
    shr eax, 16
    mov [gdt + 0x2c], al
    mov byte [gdt + 0x2d], 0x89
    mov byte [gdt + 0x2e], 0
    mov [gdt + 0x2f], ah
    mov dword [tss + 4], kstack_top
    mov dword [tss + 8], 0x10
    mov word [tss + 102], 104       ; no I/O bitmap: every port faults at CPL 3
    mov ax, 0x28
    ltr ax
    xor eax, eax
    lldt ax                         ; no LDT (QEMU keeps the reset LDTR, base 0 limit 0xffff, otherwise)
    ; Page tables: 0..4 MiB identity, supervisor, except the user code (read-only) and data pages.
    mov edi, pdir
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov edi, ptab
    mov eax, 3
    mov ecx, 1024
.pte:
    mov [edi], eax
    add edi, 4
    add eax, 0x1000
    dec ecx
    jnz .pte
    mov dword [ptab + (UCODE >> 12) * 4], UCODE | 5
    mov dword [ptab + (UDATA >> 12) * 4], UDATA | 7
    mov eax, ptab
    or eax, 7
    mov [pdir], eax
    mov eax, pdir
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000022              ; PG, NE, MP (WP stays 0: ring 0 writes the code page)
    mov cr0, eax
    ; Code page: hlt everywhere; user data: a pattern (and its pristine copy).
    mov edi, UCODE
    mov eax, 0xf4f4f4f4
    mov ecx, 1024
    rep stosd
    mov eax, 0x${hex(seed || 1)}
    xor esi, esi
.fill:
${XORSHIFT32_EAX}    mov [udata_pristine + esi], eax
    add esi, 4
    cmp esi, 4096
    jb .fill
    mov esi, msg_begin
    call puts
    mov dword [cur], 0

next_sample:
    mov esp, kstack_top
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    cld
    mov eax, [cur]
    cmp eax, NSAMPLES
    jae finish
    mov esi, eax
    shl esi, 4
    add esi, samples
    mov edi, SAMPLE
    mov ecx, 4
    rep movsd
    mov esi, udata_pristine
    mov edi, UDATA
    mov ecx, 1024
    rep movsd
    fninit
    mov ebx, [cur]
    imul ebx, ebx, 36
    add ebx, states
    push dword 0x23
    push dword [ebx + 16]
    push dword [ebx + 32]
    push dword 0x1b
    push dword SAMPLE
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov eax, [ebx]
    mov ecx, [ebx + 4]
    mov edx, [ebx + 8]
    mov ebp, [ebx + 20]
    mov esi, [ebx + 24]
    mov edi, [ebx + 28]
    mov ebx, [ebx + 12]
    iretd

isr_common:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov al, 'D'
    call putc
    mov eax, [cur]
    call sp_hex8
    mov eax, [esp]
    call sp_hex8
    mov eax, [esp + 4]
    call sp_hex8
    mov eax, [esp + 8]
    sub eax, SAMPLE
    call sp_hex8
    xor eax, eax
    cmp dword [esp], 14
    jne .nocr2
    mov eax, cr2
.nocr2:
    call sp_hex8
    mov eax, [esp + 12]
    call sp_hex4
    mov al, 10
    call putc
    inc dword [cur]
    jmp next_sample

finish:
    mov esi, msg_end
    call puts
    jmp exit_ok

section .data
msg_begin:
    db 10, 'FUZZ BEGIN', 10, 0
msg_end:
    db 'END', 10, 0

section .bss
alignb 4096
pdir:
    resb 4096
ptab:
    resb 4096
udata_pristine:
    resb 4096
tss:
    resb 104
cur:
    resd 1

section .text
`;
}
