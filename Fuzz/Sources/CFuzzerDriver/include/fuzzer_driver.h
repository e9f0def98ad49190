#ifndef ATTENTIONKIT_FUZZER_DRIVER_H
#define ATTENTIONKIT_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry for a program with a main of its own (linked in by
 * -sanitize=fuzzer): parses libFuzzer's flags from argv and runs `callback`
 * on each input. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
