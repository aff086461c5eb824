/* test_ir.c — the IR core: builder and attribute schemas, shape rules and
 * their messages, surgery (replace, compact, clone), text round trips and
 * the verifier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

static IrType ty(IrDType dt, uint32_t rank, ...) {
    IrType t = {.dtype = dt, .rank = rank};
    va_list ap;
    va_start(ap, rank);
    for (uint32_t i = 0; i < rank; i++) t.dims[i] = va_arg(ap, int);
    va_end(ap);
    return t;
}

static char *print_graph(const IrGraph *g) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    ir_print(g, f);
    fclose(f);
    return buf;
}

/* Infers op over inputs of the given types; returns the error or "". */
static const char *infer_msg(IrOpKind op, const IrType *in, uint32_t nin, const IrAttr *a,
                             uint32_t na, IrType *out) {
    static char err[512];
    IrAttr full[IR_MAX_ATTRS];
    uint32_t nfull;
    err[0] = 0;
    if (!ir_complete_attrs(op, a, na, full, &nfull, err, sizeof err)) return err;
    if (!ir_infer_type(op, in, nin, full, nfull, out, err, sizeof err)) return err;
    return "";
}

static void schema_defaults_are_filled_in(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("t");
    IrId x = ir_add_input(g, "x", ty(IR_F32, 2, 2, 3), src_none());
    int64_t axes[] = {1};
    IrAttr a = ir_attr_ints("axes", axes, 1);
    IrId s = ir_add(g, IR_OP_SUM, &x, 1, &a, 1, src_none(), NULL, 0);
    assert_int_equal(ir_get_int(ir_node(g, s), "keepdims"), 0);
    IrId l = ir_add(g, IR_OP_LEAKY_RELU, &x, 1, NULL, 0, src_none(), NULL, 0);
    assert_true(ir_get_float(ir_node(g, l), "alpha") == 0.01);
    IrAttr alpha = ir_attr_int("alpha", 2); /* an int for a float converts */
    l = ir_add(g, IR_OP_LEAKY_RELU, &x, 1, &alpha, 1, src_none(), NULL, 0);
    assert_true(ir_get_float(ir_node(g, l), "alpha") == 2.0);
    char err[256];
    IrAttr bad = ir_attr_int("bogus", 1);
    assert_int_equal(ir_add(g, IR_OP_RELU, &x, 1, &bad, 1, src_none(), err, sizeof err), IR_NONE);
    assert_string_equal(err, "relu: unknown attribute 'bogus'");
    assert_int_equal(ir_add(g, IR_OP_SUM, &x, 1, NULL, 0, src_none(), err, sizeof err), IR_NONE);
    assert_string_equal(err, "sum: missing attribute 'axes'");
    IrAttr wrong = ir_attr_float("axes", 1.0);
    assert_int_equal(ir_add(g, IR_OP_SUM, &x, 1, &wrong, 1, src_none(), err, sizeof err), IR_NONE);
    assert_string_equal(err, "sum: attribute 'axes' must be ints, not float");
    ir_graph_free(g);
}

static void shape_rule_messages_spell_out_shapes(void **state) {
    (void)state;
    IrType out, in[2];
    in[0] = ty(IR_F32, 2, 1, 784), in[1] = ty(IR_F32, 2, 256, 10);
    assert_string_equal(infer_msg(IR_OP_MATMUL, in, 2, NULL, 0, &out),
                        "matmul: inner dimensions differ: f32[1,784] @ f32[256,10]");
    in[0] = ty(IR_F32, 2, 2, 3), in[1] = ty(IR_F32, 2, 4, 3);
    assert_string_equal(infer_msg(IR_OP_ADD, in, 2, NULL, 0, &out),
                        "add: shapes f32[2,3] and f32[4,3] do not broadcast");
    in[0] = ty(IR_F32, 4, 1, 8, 8, 3), in[1] = ty(IR_F32, 4, 16, 1, 3, 3);
    int64_t one[] = {1, 1}, zero[] = {0, 0};
    IrAttr conv[] = {ir_attr_ints("stride", one, 2), ir_attr_ints("padding", zero, 2),
                     ir_attr_ints("dilation", one, 2)};
    assert_string_equal(infer_msg(IR_OP_CONV2D, in, 2, conv, 3, &out),
                        "conv2d: input has 3 channels but weight f32[16,1,3,3] expects 1 (groups 1)");
    in[0] = ty(IR_F32, 2, 2, 3), in[1] = ty(IR_F64, 2, 2, 3);
    assert_string_equal(infer_msg(IR_OP_MUL, in, 2, NULL, 0, &out),
                        "mul: dtypes differ: f32[2,3] and f64[2,3]");
    int64_t shape[] = {5};
    IrAttr rs = ir_attr_ints("shape", shape, 1);
    assert_string_equal(infer_msg(IR_OP_RESHAPE, in, 1, &rs, 1, &out),
                        "reshape: cannot reshape f32[2,3] (6 elements) to f32[5] (5 elements)");
}

static void shape_rules_compute_results(void **state) {
    (void)state;
    IrType out, in[2];
    in[0] = ty(IR_F32, 4, 1, 64, 64, 3);
    int64_t axes[] = {1, 2};
    IrAttr a = ir_attr_ints("axes", axes, 2);
    assert_string_equal(infer_msg(IR_OP_RFFT, in, 1, &a, 1, &out), "");
    assert_true(ir_type_eq(&out, &(IrType){IR_C64, 4, {1, 64, 33, 3}}));
    int64_t n[] = {64, 64};
    IrAttr ia[] = {a, ir_attr_ints("n", n, 2)};
    in[0] = out;
    assert_string_equal(infer_msg(IR_OP_IRFFT, in, 1, ia, 2, &out), "");
    assert_true(ir_type_eq(&out, &(IrType){IR_F32, 4, {1, 64, 64, 3}}));
    in[0] = ty(IR_F32, 4, 1, 28, 28, 1), in[1] = ty(IR_F32, 4, 16, 1, 3, 3);
    int64_t two[] = {2, 2}, one[] = {1, 1};
    IrAttr conv[] = {ir_attr_ints("stride", two, 2), ir_attr_ints("padding", one, 2),
                     ir_attr_ints("dilation", one, 2)};
    assert_string_equal(infer_msg(IR_OP_CONV2D, in, 2, conv, 3, &out), "");
    assert_true(ir_type_eq(&out, &(IrType){IR_F32, 4, {1, 14, 14, 16}}));
    in[0] = ty(IR_F32, 3, 5, 2, 3), in[1] = ty(IR_F32, 2, 3, 7);
    assert_string_equal(infer_msg(IR_OP_MATMUL, in, 2, NULL, 0, &out), "");
    assert_true(ir_type_eq(&out, &(IrType){IR_F32, 3, {5, 2, 7}}));
    int64_t st[] = {0, 2}, en[] = {5, -1}, sp[] = {2, -1};
    in[0] = ty(IR_F32, 2, 5, 3);
    IrAttr sl[] = {ir_attr_ints("starts", st, 2), ir_attr_ints("ends", en, 2), ir_attr_ints("steps", sp, 2)};
    assert_string_equal(infer_msg(IR_OP_SLICE, in, 1, sl, 3, &out), "");
    assert_true(ir_type_eq(&out, &(IrType){IR_F32, 2, {3, 3}}));
}

static void compact_restores_topological_order(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("t");
    IrId x = ir_add_input(g, "x", ty(IR_F32, 1, 4), src_none());
    IrId r = ir_add(g, IR_OP_RELU, &x, 1, NULL, 0, src_none(), NULL, 0);
    IrId out = ir_add_output(g, "y", r, src_none());
    (void)out;
    IrId e = ir_add(g, IR_OP_EXP, &x, 1, NULL, 0, src_none(), NULL, 0); /* appended after its user */
    ir_replace_uses(g, r, e);
    ir_node(g, r)->dead = true;
    assert_int_equal(ir_use_count(g, e), 1);
    ir_compact(g);
    assert_int_equal(g->nodes.len, 3);
    assert_int_equal(ir_node(g, 1)->op, IR_OP_EXP);
    assert_int_equal(ir_node(g, 2)->op, IR_OP_OUTPUT);
    assert_int_equal(ir_node(g, 2)->in[0], 1);
    DiagCtx *dc = diag_new(stderr);
    assert_true(ir_verify(g, dc));
    diag_free(dc);
    ir_graph_free(g);
}

static const char *sample =
    "graph @m {\n"
    "  weights \"w.npz\"\n"
    "  %0 = input \"x\" : f32[2,3]\n"
    "  %1 = param \"a.weight\" : f32[3,3]\n"
    "  %2 = matmul(%0, %1) : f32[2,3]\n"
    "  %3 = const dense<[0.100000001, -inf, nan]> : f32[3]\n"
    "  %4 = add(%2, %3) : f32[2,3]\n"
    "  %5 = const dense<[(1.0, -2.5)]> : c64[1]\n"
    "  %6 = sum(%4) {axes = [0, 1], keepdims = 1} : f32[1,1]\n"
    "  output \"y\\n\\\"q\"(%6) : f32[1,1]\n"
    "}\n";

static void text_round_trips(void **state) {
    (void)state;
    DiagCtx *dc = diag_new(stderr);
    IrGraph *g = ir_parse("s.pdir", sample, strlen(sample), dc);
    assert_non_null(g);
    assert_true(ir_verify(g, dc));
    char *text = print_graph(g);
    assert_string_equal(text, sample);
    IrGraph *c = ir_graph_clone(g);
    char *again = print_graph(c);
    assert_string_equal(again, sample);
    free(text), free(again);
    ir_graph_free(c);
    ir_graph_free(g);
    diag_free(dc);
}

/* Parses text expecting one error; returns the rendered message. */
static char *parse_error(const char *text) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    DiagCtx *dc = diag_new(f);
    IrGraph *g = ir_parse("e.pdir", text, strlen(text), dc);
    assert_null(g);
    diag_free(dc);
    fclose(f);
    return buf;
}

static void parse_errors_point_at_the_problem(void **state) {
    (void)state;
    char *m = parse_error("graph @m {\n  %0 = input \"x\" : f32[2]\n  %1 = relu(%0) : f32[3]\n}\n");
    assert_string_equal(m, "e.pdir:3:19: error: type annotation f32[3] does not match inferred f32[2]\n"
                           "  %1 = relu(%0) : f32[3]\n                  ^~~~~~\n");
    free(m);
    m = parse_error("graph @m {\n  %0 = relu(%9) : f32[3]\n}\n");
    assert_string_equal(m, "e.pdir:2:13: error: use of undefined value '%9'\n"
                           "  %0 = relu(%9) : f32[3]\n            ^~\n");
    free(m);
    m = parse_error("graph @m {\n  %0 = const dense<[1, 2]> : f32[3]\n}\n");
    assert_non_null(strstr(m, "const has 2 elements but f32[3] needs 3"));
    free(m);
    m = parse_error("graph @m {\n  %0 = input \"x\" : f32[1099511627776,2]\n}\n");
    assert_non_null(strstr(m, "too large"));
    free(m);
    m = parse_error("graph @m {\n  %0 = input \"x");
    assert_non_null(strstr(m, "unterminated string"));
    free(m);
}

static void parser_survives_every_prefix(void **state) {
    (void)state;
    size_t len = strlen(sample);
    FILE *null = fopen("/dev/null", "w");
    for (size_t cut = 0; cut + 1 < len; cut++) { /* all but the final newline */
        DiagCtx *dc = diag_new(null);
        IrGraph *g = ir_parse("p.pdir", sample, cut, dc);
        assert_null(g); /* every proper prefix is incomplete */
        diag_free(dc);
    }
    fclose(null);
}

static void verifier_catches_broken_graphs(void **state) {
    (void)state;
    FILE *null = fopen("/dev/null", "w");
    DiagCtx *dc = diag_new(null);
    IrGraph *g = ir_graph_new("t");
    IrId x = ir_add_input(g, "x", ty(IR_F32, 1, 4), src_none());
    IrId r = ir_add(g, IR_OP_RELU, &x, 1, NULL, 0, src_none(), NULL, 0);
    assert_false(ir_verify(g, dc)); /* no output */
    ir_add_output(g, "y", r, src_none());
    assert_true(ir_verify(g, dc));
    ir_node(g, r)->type.dims[0] = 5; /* a pass that got a type wrong */
    assert_false(ir_verify(g, dc));
    ir_node(g, r)->type.dims[0] = 4;
    ir_add_input(g, "x", ty(IR_F32, 1, 4), src_none());
    assert_false(ir_verify(g, dc)); /* duplicate input name */
    ir_graph_free(g);
    diag_free(dc);
    fclose(null);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_defaults_are_filled_in),
        cmocka_unit_test(shape_rule_messages_spell_out_shapes),
        cmocka_unit_test(shape_rules_compute_results),
        cmocka_unit_test(compact_restores_topological_order),
        cmocka_unit_test(text_round_trips),
        cmocka_unit_test(parse_errors_point_at_the_problem),
        cmocka_unit_test(parser_survives_every_prefix),
        cmocka_unit_test(verifier_catches_broken_graphs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
