/*
 * default_model.S — links the default model's three files
 * (models/semlite-base/) into the library as read-only data, so the
 * default model needs no file on disk. The build passes the model folder
 * with -Wa,-I (see CMakeLists.txt); default_model.c copies the bytes out.
 * .incbin was chosen over generating a C array in CMake: it is instant
 * for an 8 MB table and keeps the build free of generated sources.
 */
	.section .rodata
	.balign 64
	.globl sl_default_config
	.hidden sl_default_config
sl_default_config:
	.incbin "config.json"
	.globl sl_default_config_end
	.hidden sl_default_config_end
sl_default_config_end:
	.byte 0

	.balign 64
	.globl sl_default_tokenizer
	.hidden sl_default_tokenizer
sl_default_tokenizer:
	.incbin "tokenizer.json"
	.globl sl_default_tokenizer_end
	.hidden sl_default_tokenizer_end
sl_default_tokenizer_end:
	.byte 0

	.balign 64
	.globl sl_default_safetensors
	.hidden sl_default_safetensors
sl_default_safetensors:
	.incbin "model.safetensors"
	.globl sl_default_safetensors_end
	.hidden sl_default_safetensors_end
sl_default_safetensors_end:
	.byte 0

	.section .note.GNU-stack,"",@progbits
