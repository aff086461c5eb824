/* cmd_devices.c — `pdec devices`: the OpenCL platforms and devices, with
 * the "P:D" names that --device and PDEC_OPENCL_DEVICE take. */
#include <string.h>

#include "runtime/pdrt_cl.h"
#include "driver.h"

int cmd_devices(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("usage: pdec devices\n\nLists every OpenCL device as \"P:D  platform / device (type)\".");
        return 0;
    }
    if (argc > 1) {
        fputs("usage: pdec devices\n", stderr);
        return EXIT_USER;
    }
    char err[512];
    if (pdrt_cl_list_devices(stdout, err, sizeof err) > 0) return 0;
    fprintf(stderr, "pdec: error: %s\n", err);
    return EXIT_USER;
}
