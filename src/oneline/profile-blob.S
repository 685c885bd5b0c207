/* The default seccomp profile of one-line runs (data/seccomp.json as it was
   at build time), in uctr's read-only data: security.c reads it. */
	.section .rodata
	.globl uctr_oneline_profile_json
	.hidden uctr_oneline_profile_json
uctr_oneline_profile_json:
	.incbin UCTR_PROFILE_PATH
	.globl uctr_oneline_profile_json_end
	.hidden uctr_oneline_profile_json_end
uctr_oneline_profile_json_end:
	.section .note.GNU-stack,"",%progbits
