/* fuzz_common.h — shared by the fuzz targets: a replay main() for builds
 * without libFuzzer, so that every seed and every regression input runs
 * in the ordinary (sanitized) test suite. */
#ifndef PD_FUZZ_COMMON_H
#define PD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ir/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef PDEC_REPLAY_MAIN
/* usage: fuzz_X FILE...  runs each file once; exit 0 unless one crashes. */
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        char *buf = pd_read_file(argv[i], &len);
        if (!buf) { /* an unmatched shell glob: nothing to replay */
            perror(argv[i]);
            continue;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
        free(buf);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
#endif

/* Diagnostics go nowhere: the fuzzer looks for crashes, not messages. */
static FILE *fuzz_null_stream(void) {
    static FILE *null;
    if (!null) null = fopen("/dev/null", "w");
    return null;
}

#endif
