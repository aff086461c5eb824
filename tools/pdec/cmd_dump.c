/* cmd_dump.c — `pdec dump MODEL`: the graph IR as text. */
#include <getopt.h>
#include <string.h>

#include "backends/kernel/kir.h"
#include "ir/cost.h"
#include "driver.h"

static const char *const help =
    "usage: pdec dump MODEL [--after PASS|all|fusion|memplan] [--passes LIST] [--stats] [-o FILE]\n\n"
    "Prints MODEL's graph in the textual IR (docs/ir.md); the output is a valid\n"
    ".pdir file. Without options, the graph as lowered, before any pass.\n\n"
    "  --after PASS    run the pipeline and print the IR after PASS (or a group\n"
    "                  such as canonicalize); 'all' prints after every pass\n"
    "  --passes LIST   comma-separated passes or groups to run (default:\n"
    "                  canonicalize); without --after, prints the final IR\n"
    "  --stats         transforms and flops by op class before and after\n"
    "                  transform_once, and its cost model's choices\n"
    "  -o FILE         write to FILE (atomically) instead of stdout\n"
    "passes: fold, algebraic, cse, dce, decompose, freeze, transform_once;\n"
    "group: canonicalize = fold, algebraic, cse, dce\n"
    "backend stages (with --after): fusion, memplan\n";

typedef struct {
    IrGraph *g;
    const char *const *passes;
    const char *after;
    DiagCtx *dc;
    bool stats;
} Dump;

/* ---- --stats: what transform_once changed -------------------------------- */

typedef struct {
    int64_t transforms;
    double flops[IR_CLASS_OPAQUE + 1];
} Stats;

static Stats measure(const IrGraph *g) {
    Stats s = {0};
    for (IrId id = 0; id < g->nodes.len; id++) {
        const IrNode *n = ir_node(g, id);
        IrOpClass cls = ir_op_info(n->op)->cls;
        s.transforms += cls == IR_CLASS_SPECTRAL;
        s.flops[cls] += (double)cost_node_flops(g, id);
    }
    return s;
}

static const char *const class_names[] = {"source", "elementwise", "broadcast", "injective",
                                          "reduction", "anchor", "spectral", "opaque"};

static bool print_stats(Dump *d, FILE *f) {
    static const char *const first[] = {"canonicalize", NULL}, *const second[] = {"transform_once", NULL};
    PassOptions opt = {.verify_each = true, .out = f};
    if (!pass_run_pipeline(d->g, first, &opt, d->dc)) return false;
    Stats before = measure(d->g);
    if (!pass_run_pipeline(d->g, second, &opt, d->dc)) return false;
    Stats after = measure(d->g);
    fprintf(f, "stats @%s            before transform_once    after\n", d->g->name ? d->g->name : "model");
    fprintf(f, "  transforms           %14lld %14lld\n", (long long)before.transforms, (long long)after.transforms);
    for (int c = IR_CLASS_ELEMWISE; c <= IR_CLASS_OPAQUE; c++)
        if (before.flops[c] || after.flops[c])
            fprintf(f, "  flops %-14s %14.0f %14.0f\n", class_names[c], before.flops[c], after.flops[c]);
    fprintf(f, "cost model (pruned transforms):\n%s", *transform_once_choices() ? transform_once_choices() : "  no candidates\n");
    return true;
}

/* The backend stages print the kernel graph or the memory plan of what
 * the compiled engines build. */
static bool print_backend(Dump *d, FILE *f) {
    PassOptions opt = {.verify_each = true, .out = f};
    if (!drv_bind(d->g, NULL, false, d->dc) || !pass_run_pipeline(d->g, d->passes, &opt, d->dc)) return false;
    Arena *a = arena_new();
    FusionPlan *plan;
    char err[512];
    KProgram *p = kir_build(d->g, &plan, a, err, sizeof err);
    if (p && strcmp(d->after, "fusion") == 0) fusion_print(d->g, plan, f);
    else if (p) kir_memplan_print(p, f);
    else diag_error(d->dc, src_none(), "%s", err);
    kir_free(p);
    arena_free(a);
    return p != NULL;
}

static bool is_backend_stage(const char *s) { return s && (!strcmp(s, "fusion") || !strcmp(s, "memplan")); }

static bool print_dump(void *ud, FILE *f) {
    Dump *d = ud;
    if (d->stats) return print_stats(d, f);
    if (is_backend_stage(d->after)) return print_backend(d, f);
    if (!d->passes) {
        ir_print(d->g, f);
        return true;
    }
    PassOptions opt = {.print_after = d->after, .verify_each = true, .out = f};
    if (!pass_run_pipeline(d->g, d->passes, &opt, d->dc)) return false;
    if (!d->after) ir_print(d->g, f);
    return true;
}

int cmd_dump(int argc, char **argv) {
    static const struct option opts[] = {{"after", required_argument, 0, 'a'},
                                         {"passes", required_argument, 0, 'p'},
                                         {"output", required_argument, 0, 'o'},
                                         {"stats", no_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *after = NULL, *passes = NULL, *out = "-";
    bool stats = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': after = optarg; break;
        case 'p': passes = optarg; break;
        case 'o': out = optarg; break;
        case 's': stats = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USER;
        }
    }
    if (optind != argc - 1) {
        fputs(help, stderr);
        return EXIT_USER;
    }
    DiagCtx *dc = diag_new(stderr);
    Dump d = {drv_load(argv[optind], dc), NULL, after, dc, stats};
    bool ok = d.g != NULL;
    if (ok && (after || passes))
        d.passes = passes ? drv_split_list(d.g->arena, passes) : pass_default_pipeline();
    if (is_backend_stage(after)) d.after = after;
    if (ok) ok = drv_write_output(out, print_dump, &d, dc);
    ir_graph_free(d.g);
    diag_free(dc);
    return ok ? 0 : EXIT_USER;
}
