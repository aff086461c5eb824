/* driver.h — shared by the pdec subcommands (tools/pdec/cmd_*.c).
 *
 * Each subcommand is one function `int cmd_NAME(int argc, char **argv)`
 * returning the exit status: 0 success, 1 user error (already reported),
 * 2 internal error (pd_die unwinds to main's protected boundary).
 */
#ifndef PDEC_DRIVER_H
#define PDEC_DRIVER_H

#include <stdio.h>

#include "frontend/frontend.h"
#include "passes/passes.h"
#include "runtime/pdrt.h"

#define EXIT_USER 1

int cmd_check(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_bounds(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_devices(int argc, char **argv);

/* Loads MODEL (.pde or .pdir) with the default stdlib path.  NULL when
 * errors were reported to dc. */
IrGraph *drv_load(const char *path, DiagCtx *dc);

/* Binds weights unless no_weights: from override when given, else from the
 * model's `weights` clause (a model without one and without params is
 * fine).  False when errors were reported. */
bool drv_bind(IrGraph *g, const char *override, bool no_weights, DiagCtx *dc);

/* Loads MODEL, binds its weights (override when not NULL) and runs the
 * pipeline: passes ("a,b"), or the default one, or it without
 * transform_once.  NULL when errors were reported. */
IrGraph *drv_prepare(const char *path, const char *weights, const char *passes, bool no_transform_once,
                     DiagCtx *dc);

/* Splits "a,b,c" into a NULL-terminated list in the graph's arena. */
const char **drv_split_list(Arena *a, const char *s);

/* Writes what print(ud, f) prints to path atomically ("-" = stdout).
 * When print returns false (it reported why), nothing is written.  False
 * when print failed or the file cannot be written. */
bool drv_write_output(const char *path, bool (*print)(void *ud, FILE *f), void *ud, DiagCtx *dc);

/* NAME=FILE options (--input, --output). */
typedef struct {
    const char *name, *file; /* name malloc'd */
} DrvBinding;
enum { DRV_MAX_BINDINGS = 64 };

/* Parses arg into list[*n] (flag names the option in messages). */
bool drv_add_binding(DrvBinding *list, int *n, const char *arg, const char *flag);
/* Loads the file bound to input node id into *t, checking its type. */
bool drv_load_input(const IrGraph *g, IrId id, const DrvBinding *list, int n, PdrtTensor *t, DiagCtx *dc);
/* Every name in list must be a model input (op INPUT) or output (OUTPUT). */
bool drv_names_exist(const IrGraph *g, const DrvBinding *list, int n, IrOpKind op, DiagCtx *dc);

/* Opens an engine; on failure reports it (a failure of pdec's own, such as
 * generated code that does not compile, as an internal error) and sets
 * *status to the exit status (1 or 2). */
struct Engine;
struct EngineOptions;
struct Engine *drv_open_engine(const char *name, const IrGraph *g, const struct EngineOptions *opt, int *status,
                               DiagCtx *dc);

#endif
