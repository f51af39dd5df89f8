// The instruction-fuzz kernel: N sequences, each run from its own initial state (EFLAGS,
// registers, fninit, sandbox restored to its initial pattern) and followed by a dump line:
//
//   S seq vec idx err eipoff eax ecx edx ebx esp ebp esi edi eflags ds es fs gs ss fcw fsw ftw st0..st7 [addr=val ...]
//
// all in hex; vec = ffffffff when the sequence ran to its end, else the exception vector,
// idx the instruction (flattened index) that faulted or trapped and eipoff the saved EIP's
// offset from that instruction's first set-up line. The x87 registers are ST0..ST7 as the
// fnsave image holds them (exponent, then mantissa), `-` when empty. Memory: every sandbox dword that differs from the
// initial pattern (and is then restored). The exception frame written below the faulting ESP
// (vector, error code, EIP, CS, EFLAGS: 20 bytes) is restored before the compare; its EIP and
// EFLAGS are in the line. After the last sequence: `T hi lo` (TSC ticks; the instruction count
// under tcg86 -icount shift=0) and `END`.
import { Insn, Sequence } from './sequence';
import { SANDBOX_SIZE } from './operands';
import { hex } from './prng';
import { runtimeAsm, XORSHIFT32_EAX } from './runtime-asm';

export const BEGIN = 'FUZZ BEGIN';
const REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

export function kernelAsm(seqs: Sequence[]): string {
  const sandbox = seqs[0]?.sandbox ?? 1;
  if (seqs.some((s) => s.sandbox !== sandbox)) throw new Error('one kernel, one sandbox pattern');
  const out: string[] = [runtimeAsm(), body(sandbox)];
  const ptrs: string[] = [], lens: string[] = [], tabs: string[] = [];
  seqs.forEach((s, k) => {
    const code = sequenceAsm(s, k);
    out.push(...code.text);
    ptrs.push(`    dd itab_${k}`);
    lens.push(`    dd ${code.labels.length}`);
    tabs.push(`itab_${k}:`, ...code.labels.map((l) => `    dd ${l}`));
  });
  out.push('    jmp finish', 'section .data', 'align 4', 'seq_table:', ...seqs.map((_, k) => `    dd seq_${k}`), '    dd finish',
    'itab_ptr:', ...ptrs, 'itab_len:', ...lens, ...tabs);
  return out.join('\n') + '\n';
}

function sequenceAsm(s: Sequence, k: number): { text: string[]; labels: string[] } {
  const t: string[] = [`; sequence ${s.id}`, `seq_${k}:`, `    mov dword [cur_seq], ${k}`, '    mov esp, kstack_top', '    call flat_segs',
    `    push dword 0x${hex(s.eflags)}`, '    popfd', '    fninit'];
  REGS.forEach((r, j) => { if (r !== 'esp') t.push(`    mov ${r}, 0x${hex(s.regs[j])}`); });
  t.push(`    mov esp, 0x${hex(s.regs[4])}`);
  const labels: string[] = [];
  let n = 0;
  const walk = (list: Insn[]): void => {
    for (const i of list) {
      const me = n++;
      const label = `s${k}_i${me}`;
      labels.push(label);
      t.push(`${label}:`, ...i.asm.map((l) => '    ' + l.replace('%L', `s${k}_k${me}`)));
      if (i.body) { walk(i.body); t.push(`s${k}_k${me}:`); }
    }
  };
  walk(s.insns);
  labels.push(`s${k}_end`);
  t.push(`s${k}_end:`);
  REGS.forEach((r, j) => t.push(`    mov [cap_regs + ${j * 4}], ${r}`));
  t.push('    mov esp, kstack_top', '    pushfd', '    pop dword [cap_efl]', '    call save_segs', '    fnsave [cap_fpu]', '    call seq_done');
  return { text: t, labels };
}

/** kernel_main, the exception path, the dump and the sandbox pattern. */
function body(seed: number): string {
  return `
%define SB_SIZE 0x${SANDBOX_SIZE.toString(16)}

kernel_main:
    ; The sandbox (linear 0..SB_SIZE) and its pristine copy: xorshift32, 1 dword in 8 an edge value.
    mov eax, 0x${hex(seed || 1)}
    xor esi, esi
.fill:
${XORSHIFT32_EAX}    mov ebx, eax
    test eax, 0x700
    jnz .keep
    shr ebx, 28
    mov ebx, [edges + ebx*4]
.keep:
    mov [pristine + esi], ebx
    mov [esi], ebx
    add esi, 4
    cmp esi, SB_SIZE
    jb .fill
    mov esi, msg_begin
    call puts
    rdtsc
    mov [tsc0], eax
    mov [tsc0 + 4], edx
    jmp [seq_table]

; The selectors (DS and SS are only ever loaded with 0x10), then ES FS GS flat again.
save_segs:
    mov [cap_segs], ds
    mov [cap_segs + 2], es
    mov [cap_segs + 4], fs
    mov [cap_segs + 6], gs
    mov [cap_segs + 8], ss
flat_segs:
    push eax
    mov ax, 0x10
    mov es, ax
    mov fs, ax
    mov gs, ax
    pop eax
    ret

seq_done:
    cld
    mov dword [cap_vec], 0xffffffff
    mov dword [cap_idx], 0xffffffff
    mov dword [cap_err], 0
    mov dword [cap_eipoff], 0
    jmp dump

isr_common:
    mov [cap_regs + 0], eax
    mov [cap_regs + 4], ecx
    mov [cap_regs + 8], edx
    mov [cap_regs + 12], ebx
    mov [cap_regs + 20], ebp
    mov [cap_regs + 24], esi
    mov [cap_regs + 28], edi
    mov eax, [esp]
    mov [cap_vec], eax
    mov eax, [esp + 4]
    mov [cap_err], eax
    mov edx, [esp + 8]
    mov eax, [esp + 16]
    mov [cap_efl], eax
    lea eax, [esp + 20]
    mov [cap_regs + 16], eax
    mov esp, kstack_top
    cld
    call save_segs
    fnsave [cap_fpu]
    ; Undo the 20 bytes the exception and the stub pushed below the faulting ESP.
    mov edi, [cap_regs + 16]
    mov ecx, 20
.undo:
    dec edi
    cmp edi, SB_SIZE
    jae .outside
    mov al, [pristine + edi]
    mov [edi], al
.outside:
    dec ecx
    jnz .undo
    ; Which instruction: the last label at or below the saved EIP.
    mov eax, [cur_seq]
    mov esi, [itab_ptr + eax*4]
    mov ecx, [itab_len + eax*4]
    xor ebx, ebx
    mov edi, 0xffffffff
.find:
    cmp ebx, ecx
    jae .found
    cmp edx, [esi + ebx*4]
    jb .found
    mov edi, ebx
    inc ebx
    jmp .find
.found:
    mov [cap_idx], edi
    cmp edi, 0xffffffff
    je .abs
    sub edx, [esi + edi*4]
.abs:
    mov [cap_eipoff], edx
    call dump
    mov eax, [cur_seq]
    jmp [seq_table + 4 + eax*4]

dump:
    mov al, 'S'
    call putc
    mov eax, [cur_seq]
    call sp_hex8
    mov eax, [cap_vec]
    call sp_hex8
    mov eax, [cap_idx]
    call sp_hex8
    mov eax, [cap_err]
    call sp_hex8
    mov eax, [cap_eipoff]
    call sp_hex8
    xor esi, esi
.regs:
    mov eax, [cap_regs + esi*4]
    call sp_hex8
    inc esi
    cmp esi, 8
    jb .regs
    mov eax, [cap_efl]
    call sp_hex8
    xor esi, esi
.segs:
    movzx eax, word [cap_segs + esi*2]
    call sp_hex4
    inc esi
    cmp esi, 5
    jb .segs
    movzx eax, word [cap_fpu]
    call sp_hex4
    movzx eax, word [cap_fpu + 4]
    call sp_hex4
    movzx eax, word [cap_fpu + 8]
    call sp_hex4
    ; ST0..ST7; '-' for an empty one (tag of physical register (TOP + i) & 7 is 3).
    mov esi, cap_fpu + 28
    movzx ecx, word [cap_fpu + 4]
    shr ecx, 11
    and ecx, 7
    mov edi, 8
.st:
    movzx eax, word [cap_fpu + 8]
    shr eax, cl
    shr eax, cl
    and eax, 3
    cmp eax, 3
    jne .full
    mov al, ' '
    call putc
    mov al, '-'
    call putc
    jmp .nextst
.full:
    movzx eax, word [esi + 8]
    call sp_hex4
    mov eax, [esi + 4]
    call hex8
    mov eax, [esi]
    call hex8
.nextst:
    inc ecx
    and ecx, 7
    add esi, 10
    dec edi
    jnz .st
    ; Sandbox against its pristine copy: repe cmpsd to the next differing dword.
    xor esi, esi
    mov edi, pristine
    mov ecx, SB_SIZE / 4
.scan:
    repe cmpsd
    je .clean
    mov al, ' '
    call putc
    lea eax, [esi - 4]
    push ecx
    mov ecx, 4
    call hexn
    pop ecx
    mov al, '='
    call putc
    mov eax, [esi - 4]
    call hex8
    mov eax, [edi - 4]
    mov [esi - 4], eax
    test ecx, ecx
    jnz .scan
.clean:
    mov al, 10
    call putc
    ret

finish:
    mov esp, kstack_top
    rdtsc
    sub eax, [tsc0]
    sbb edx, [tsc0 + 4]
    push eax
    mov al, 'T'
    call putc
    mov eax, edx
    call sp_hex8
    pop eax
    call sp_hex8
    mov esi, msg_end
    call puts
    jmp exit_ok

section .data
msg_begin:
    db 10, '${BEGIN}', 10, 0
msg_end:
    db 10, 'END', 10, 0
edges:
    dd 0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xff, 0x80, 0xffff
    dd 0x8000, 0x7f, 0x7fff, 0xfffffffe, 0x10000, 0xffff0000, 0x80000001, 0x55aa55aa

section .bss
alignb 16
pristine:
    resb SB_SIZE
cap_regs:
    resd 8
cap_efl:
    resd 1
cap_segs:
    resw 6
cap_vec:
    resd 1
cap_idx:
    resd 1
cap_err:
    resd 1
cap_eipoff:
    resd 1
cur_seq:
    resd 1
tsc0:
    resd 2
alignb 16
cap_fpu:
    resb 108

section .text
`;
}
