; loop: the hot loop of the loop kernel (see loop.c), in NASM syntax.
; 50 million iterations (loop_n) of: a += i; b += (i % 4 == 0) ? 3 : 1
; (a data-dependent branch); c += 3 * i through a call; d ^= i;
; e = e * 1664525 + 1013904223 (imul); ring[i % 64] += i (memory).
; Results in loop_out[0..4].

bits 32
global loop_kernel
extern loop_n, loop_out, ring

section .text
loop_kernel:
        pushad
        xor eax, eax            ; a
        xor ebx, ebx            ; b
        xor esi, esi            ; c
        xor edi, edi            ; d
        mov ebp, 1              ; e
        xor ecx, ecx            ; i
.loop:
        add eax, ecx
        test ecx, 3
        jnz .not4
        add ebx, 3
        jmp .joined
.not4:
        inc ebx
.joined:
        call loop_f
        xor edi, ecx
        imul ebp, ebp, 1664525
        add ebp, 1013904223
        mov edx, ecx
        and edx, 63
        add [ring + edx * 4], ecx
        inc ecx
        cmp ecx, [loop_n]
        jb .loop
        mov [loop_out], eax
        mov [loop_out + 4], ebx
        mov [loop_out + 8], esi
        mov [loop_out + 12], edi
        mov [loop_out + 16], ebp
        popad
        ret

loop_f:
        lea edx, [ecx + ecx * 2]
        add esi, edx
        ret

section .note.GNU-stack noalloc noexec nowrite progbits
