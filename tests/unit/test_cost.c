/* test_cost.c — flop counts of ops against hand-computed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ir/cost.h"

static IrType shape(IrDType dt, uint32_t rank, const int64_t *dims) {
    IrType t = {.dtype = dt, .rank = rank};
    for (uint32_t i = 0; i < rank; i++) t.dims[i] = dims[i];
    return t;
}

static IrId op(IrGraph *g, IrOpKind kind, IrId a, IrId b, const IrAttr *attrs, uint32_t nattr) {
    IrId in[2] = {a, b};
    return ir_add(g, kind, in, b == IR_NONE ? 1 : 2, attrs, nattr, src_none(), NULL, 0);
}

static void contractions_count_multiply_adds(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("cost");
    IrId x = ir_add_input(g, "x", shape(IR_F32, 2, (int64_t[]){4, 8}), src_none());
    IrId w = ir_add_input(g, "w", shape(IR_F32, 2, (int64_t[]){8, 16}), src_none());
    assert_int_equal(cost_node_flops(g, op(g, IR_OP_MATMUL, x, w, NULL, 0)), 2 * 4 * 8 * 16);
    IrId img = ir_add_input(g, "img", shape(IR_F32, 4, (int64_t[]){1, 6, 6, 3}), src_none());
    IrId k = ir_add_input(g, "k", shape(IR_F32, 4, (int64_t[]){5, 3, 3, 3}), src_none());
    int64_t one[2] = {1, 1}, zero[2] = {0, 0};
    IrAttr at[3] = {ir_attr_ints("stride", one, 2), ir_attr_ints("padding", zero, 2), ir_attr_ints("dilation", one, 2)};
    /* out [1,4,4,5], 27 multiply-adds each */
    assert_int_equal(cost_node_flops(g, op(g, IR_OP_CONV2D, img, k, at, 3)), 2 * 16 * 5 * 27);
    IrId xc = ir_add_input(g, "xc", shape(IR_C64, 3, (int64_t[]){2, 5, 4}), src_none());
    IrId wc = ir_add_input(g, "wc", shape(IR_C64, 3, (int64_t[]){4, 6, 5}), src_none());
    assert_int_equal(cost_node_flops(g, op(g, IR_OP_MIX, xc, wc, NULL, 0)), 8 * 2 * 5 * 6 * 4);
    ir_graph_free(g);
}

static void elementwise_reductions_movement_transforms(void **state) {
    (void)state;
    IrGraph *g = ir_graph_new("cost");
    IrId x = ir_add_input(g, "x", shape(IR_F32, 2, (int64_t[]){8, 16}), src_none());
    assert_int_equal(cost_node_flops(g, op(g, IR_OP_TANH, x, IR_NONE, NULL, 0)), 128);
    int64_t axes[1] = {1}, perm[2] = {1, 0};
    IrAttr sum_at[1] = {ir_attr_ints("axes", axes, 1)}, tr_at[1] = {ir_attr_ints("perm", perm, 2)};
    assert_int_equal(cost_node_flops(g, op(g, IR_OP_SUM, x, IR_NONE, sum_at, 1)), 128);
    assert_int_equal(cost_node_flops(g, op(g, IR_OP_TRANSPOSE, x, IR_NONE, tr_at, 1)), 0);
    /* rfft of 8 rows of 16 points: 8 * 5 * 16 * 4 / 2 */
    assert_int_equal(cost_node_flops(g, op(g, IR_OP_RFFT, x, IR_NONE, sum_at, 1)), 8 * 5 * 16 * 4 / 2);
    assert_int_equal(cost_graph_flops(g), 128 + 128 + 0 + 8 * 5 * 16 * 4 / 2);
    ir_graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(contractions_count_multiply_adds),
        cmocka_unit_test(elementwise_reductions_movement_transforms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
