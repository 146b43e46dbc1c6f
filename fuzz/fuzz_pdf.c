/* SPDX-License-Identifier: MIT */
/* Fuzzes the PDF extractor (poppler-glib and the line/heading grouping) through the shared harness
 * in fuzz_extract.h. */
#include "fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_extract(data, size, KX_FMT_PDF, "fuzz_pdf");
}
