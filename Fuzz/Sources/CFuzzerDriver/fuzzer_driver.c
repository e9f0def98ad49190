/* Declarations only: LLVMFuzzerRunDriver comes from libFuzzer at link time. */
#include "fuzzer_driver.h"
