/* cmd_graph.c — `pdec graph MODEL -o out.dot|out.svg`: a picture of the
 * dataflow graph.  SVG goes through Graphviz's `dot`, run as a child
 * process (never through a shell: paths are passed as arguments). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

static const char *const help =
    "usage: pdec graph MODEL -o FILE.dot|FILE.svg\n\n"
    "Writes the dataflow graph as Graphviz dot text, or as SVG when FILE ends in\n"
    ".svg (needs Graphviz's 'dot' program: apt-get install graphviz).\n";

static bool print_dot(void *ud, FILE *f) {
    ir_print_dot(ud, f);
    return true;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Runs `dot -Tsvg in -o out`; returns its exit status, 127 when dot could
 * not be started. */
static int run_dot(const char *in, const char *out) {
    pid_t pid = fork();
    if (pid < 0) return 127;
    if (pid == 0) {
        execlp("dot", "dot", "-Tsvg", in, "-o", out, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 126;
}

static bool write_svg(IrGraph *g, const char *path, DiagCtx *dc) {
    size_t n = strlen(path);
    char *dot = malloc(n + 16), *svg = malloc(n + 16);
    snprintf(dot, n + 16, "%s.tmp.dot", path);
    snprintf(svg, n + 16, "%s.tmp.svg", path);
    bool ok = drv_write_output(dot, print_dot, g, dc);
    int rc = ok ? run_dot(dot, svg) : 0;
    if (ok && rc == 127) {
        diag_error(dc, src_none(), "graphviz 'dot' not found; install the 'graphviz' package or write .dot");
        ok = false;
    } else if (ok && rc != 0) {
        diag_error(dc, src_none(), "graphviz 'dot' failed with status %d", rc);
        ok = false;
    }
    if (ok && rename(svg, path) != 0) {
        diag_file_error(dc, path, "cannot write: %s", strerror(errno));
        ok = false;
    }
    unlink(dot);
    unlink(svg);
    free(dot);
    free(svg);
    return ok;
}

int cmd_graph(int argc, char **argv) {
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
    }
    if (optind != argc - 1 || !out) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    DiagCtx *dc = diag_new(stderr);
    IrGraph *g = drv_load(argv[optind], dc);
    bool ok = g != NULL;
    if (ok && ends_with(out, ".svg")) ok = write_svg(g, out, dc);
    else if (ok) ok = drv_write_output(out, print_dot, g, dc);
    ir_graph_free(g);
    diag_free(dc);
    return ok ? 0 : EXIT_USER;
}
