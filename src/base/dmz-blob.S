/* The exec trampoline (dmz/dmz.c), built static, in uctr's read-only data:
   base/selfexe.c copies it into a sealed memfd for the init. */
	.section .rodata
	.balign 16
	.globl uctr_dmz_elf
	.hidden uctr_dmz_elf
uctr_dmz_elf:
	.incbin UCTR_DMZ_PATH
	.globl uctr_dmz_elf_end
	.hidden uctr_dmz_elf_end
uctr_dmz_elf_end:
	.section .note.GNU-stack,"",%progbits
