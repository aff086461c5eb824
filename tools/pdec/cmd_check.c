/* cmd_check.c — `pdec check MODEL`: parse, check shapes, bind weights. */
#include <getopt.h>
#include <string.h>

#include "driver.h"

static const char *const help =
    "usage: pdec check MODEL [--weights PATH] [--no-weights] [-v]\n\n"
    "Parses MODEL (.pde or .pdir), checks every shape, and binds the weights the\n"
    "model names (or PATH). Prints nothing when all is well.\n\n"
    "  --weights PATH  weights to bind instead of the model's own\n"
    "  --no-weights    do not load weights\n"
    "  -v, --verbose   print a one-line summary of the model\n";

static void summary(const IrGraph *g, const char *path) {
    uint32_t counts[IR_NOPS] = {0};
    int64_t values = 0;
    for (uint32_t i = 0; i < g->nodes.len; i++) {
        const IrNode *n = &g->nodes.data[i];
        counts[n->op]++;
        if (n->op == IR_OP_PARAM) values += ir_type_numel(&n->type);
    }
    printf("%s: ok: %u nodes, %u inputs, %u outputs, %u params (%lld values)\n", path, g->nodes.len,
           counts[IR_OP_INPUT], counts[IR_OP_OUTPUT], counts[IR_OP_PARAM], (long long)values);
}

int cmd_check(int argc, char **argv) {
    static const struct option opts[] = {{"weights", required_argument, 0, 'w'},
                                         {"no-weights", no_argument, 0, 'n'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *weights = NULL;
    bool no_weights = false, verbose = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case 'w': weights = optarg; break;
        case 'n': no_weights = true; break;
        case 'v': verbose = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
    }
    if (optind != argc - 1) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    DiagCtx *dc = diag_new(stderr);
    IrGraph *g = drv_load(argv[optind], dc);
    bool ok = g && drv_bind(g, weights, no_weights, dc);
    if (ok && verbose) summary(g, argv[optind]);
    ir_graph_free(g);
    diag_free(dc);
    return ok ? 0 : EXIT_USER;
}
