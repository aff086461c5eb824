/* main.c — the pdec command line: dispatch to a subcommand.
 *
 *   pdec check | dump | graph | run | compile | bench | bounds | verify  MODEL [options]
 *
 * Each subcommand runs inside pd_protected, the one boundary an internal
 * error unwinds to, so a compiler bug exits with status 2 and a message,
 * never a crash.
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"

#define PDEC_VERSION "0.1.0"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"check", cmd_check, "parse a model, check its shapes and bind its weights"},
    {"dump", cmd_dump, "print the graph IR as text (after passes with --after)"},
    {"graph", cmd_graph, "draw the dataflow graph (.dot, or .svg through Graphviz)"},
    {"run", cmd_run, "run a model on .npy inputs (compiled C or OpenCL, or the interpreter)"},
    {"compile", cmd_compile, "generate C or OpenCL for an application: NAME.h, NAME.c (NAME.cl), NAME.weights"},
    {"bench", cmd_bench, "time a model on an engine: median latency, GFLOP/s, arena size"},
    {"bounds", cmd_bounds, "prove output bounds over an input region (IBP, CROWN, alpha-CROWN)"},
    {"devices", cmd_devices, "list the OpenCL platforms and devices (for --device)"},
    {"verify", cmd_verify, "decide a VNN-LIB property: unsat, sat, unknown or timeout"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
    fprintf(out, "usage: pdec COMMAND MODEL [options]\n\n"
                 "pdec compiles dataflow-graph models (.pde language, .pdir textual IR).\n\n"
                 "commands:\n");
    for (const Command *c = commands; c->name; c++) fprintf(out, "  %-8s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'pdec COMMAND --help' for a command's options.\n"
                 "Exit status: 0 success, 1 user error, 2 internal error.\n");
}

typedef struct {
    const Command *cmd;
    int argc;
    char **argv;
} Invocation;

static int invoke(void *ud) {
    Invocation *inv = ud;
    return inv->cmd->run(inv->argc, inv->argv);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USER;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("pdec %s\n", PDEC_VERSION);
        return 0;
    }
    for (const Command *c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0) {
            Invocation inv = {c, argc - 1, argv + 1};
            int rc = pd_protected(invoke, &inv);
            fflush(stdout);
            return rc;
        }
    fprintf(stderr, "pdec: error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USER;
}
