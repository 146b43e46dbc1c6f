/* SPDX-License-Identifier: MIT */
/* Fuzzes the Markdown extractor (cmark and the node walk) through the shared harness in
 * fuzz_extract.h. */
#include "fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_extract(data, size, KX_FMT_MARKDOWN, "fuzz_markdown");
}
