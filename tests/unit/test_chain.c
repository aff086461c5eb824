/* test_chain.c — the MLP fast path of branch and bound (passes/bounds/chain.c):
 * it recognizes plain dense-ReLU chains only, evaluates them as the
 * interpreter does, bounds a box like the generic CROWN, bounds sub-boxes
 * from their parent's state soundly, keeps bounds sound under every lower
 * slope rule, and verify decides by it what a grid search says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/bounds/bounds.h"
#include "passes/bounds/chain.h"

static double frand(unsigned *s) { return 2.0 * rand_r(s) / RAND_MAX - 1; }

static IrId cst(IrGraph *g, uint32_t rank, const int64_t *dims, const float *v) {
    IrType t = {.dtype = IR_F32, .rank = rank};
    memcpy(t.dims, dims, rank * sizeof *dims);
    return ir_add_const(g, t, v, src_none());
}

static IrId op2(IrGraph *g, IrOpKind op, IrId a, IrId b) {
    IrId in[2] = {a, b};
    return ir_add(g, op, in, 2, NULL, 0, src_none(), NULL, 0);
}

/* x [1, n] -> (matmul, add bias, relu) x layers -> matmul, add -> y [1, m];
 * with residual, a skip connection that makes it no chain. */
static IrGraph *mlp(unsigned seed, int64_t n, int64_t width, int layers, int64_t m, bool residual) {
    IrGraph *g = ir_graph_new("mlp");
    IrType tx = {.dtype = IR_F32, .rank = 2, .dims = {1, n}};
    IrId h = ir_add_input(g, "x", tx, src_none()), first = IR_NONE;
    float w[64 * 64], b[64];
    for (int l = 0; l <= layers; l++) {
        int64_t in = l ? width : n, out = l == layers ? m : width;
        for (int64_t i = 0; i < in * out; i++) w[i] = (float)(frand(&seed) * 1.5 / sqrt((double)in));
        for (int64_t i = 0; i < out; i++) b[i] = (float)(0.3 * frand(&seed));
        h = op2(g, IR_OP_MATMUL, h, cst(g, 2, (int64_t[]){in, out}, w));
        h = op2(g, IR_OP_ADD, h, cst(g, 1, (int64_t[]){out}, b));
        if (residual && l == 2) h = op2(g, IR_OP_ADD, h, first);
        if (l < layers) h = ir_add(g, IR_OP_RELU, &h, 1, NULL, 0, src_none(), NULL, 0);
        if (l == 0) first = h;
    }
    ir_add_output(g, "y", h, src_none());
    return g;
}

static BoundsGraph *prepare(IrGraph *g) {
    char err[256];
    BoundsGraph *b = bounds_prepare(g, err, sizeof err);
    assert_non_null(b);
    return b;
}

static void only_chains_are_taken(void **state) {
    (void)state;
    IrGraph *g = mlp(1, 3, 8, 3, 2, false), *r = mlp(1, 3, 8, 3, 2, true);
    BoundsGraph *b = prepare(g), *br = prepare(r);
    Chain *c = chain_from_bounds(b);
    assert_non_null(c);
    assert_null(chain_from_bounds(br));
    bounds_set_f32(b, true); /* no rounding terms in the chain: refused */
    assert_null(chain_from_bounds(b));
    chain_free(c);
    bounds_free(b), bounds_free(br);
    ir_graph_free(g), ir_graph_free(r);
}

/* At the root the chain's bounds are at least as tight as the generic
 * CROWN's; its evaluation is the analysis' own. */
static void root_bounds_match_crown(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 20; seed++) {
        IrGraph *g = mlp(seed, 2 + seed % 4, 6 + seed % 11, 2 + seed % 4, 4, false);
        unsigned rs = seed; /* the loop's seed stays as it is */
        BoundsGraph *b = prepare(g);
        Chain *c = chain_from_bounds(b);
        int64_t n = bounds_input_size(b);
        double lo[8], hi[8], C[3 * 4], d[3], cl[3], gl[3], gh[3], negd[3], A[3 * 8], y[4], y2[4];
        for (int64_t i = 0; i < n; i++) lo[i] = frand(&rs) - 0.5, hi[i] = lo[i] + 0.2 + fabs(frand(&rs));
        for (int i = 0; i < 12; i++) C[i] = frand(&rs);
        for (int r = 0; r < 3; r++) d[r] = frand(&rs), negd[r] = -d[r];
        double *st = malloc((size_t)chain_state_size(c) * sizeof *st + 8);
        chain_crown(c, lo, hi, NULL, st, C, d, 3, cl, A);
        b->no_settle = true; /* the same algorithm: settled rows may decide more units (test_bounds_settle) */
        bounds_linear(b, lo, hi, BOUNDS_CROWN, C, negd, 3, gl, gh);
        /* never looser than the generic CROWN (which may add rounding
         * terms of its own); soundness is sampled below and in
         * subboxes_are_sound */
        for (int r = 0; r < 3; r++) assert_true(cl[r] >= gl[r] - 1e-9 * (1 + fabs(gl[r])));
        chain_eval(c, lo, y);
        bounds_eval_real(b, lo, y2);
        for (int j = 0; j < 4; j++) assert_true(fabs(y[j] - y2[j]) <= 1e-12 * (1 + fabs(y2[j])));
        free(st);
        chain_free(c);
        bounds_free(b);
        ir_graph_free(g);
    }
}

/* Nested boxes bounded from their parents: no sampled point below. */
static void subboxes_are_sound(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 20; seed++) {
        IrGraph *g = mlp(seed, 3, 12, 4, 3, false);
        unsigned rs = seed;
        BoundsGraph *b = prepare(g);
        Chain *c = chain_from_bounds(b);
        int64_t size = chain_state_size(c);
        double lo[3] = {-1, -1, -1}, hi[3] = {1, 1, 1}, C[6], d[2] = {0.1, -0.2}, bl[2], A[6], x[3], y[3];
        for (int i = 0; i < 6; i++) C[i] = frand(&rs);
        double *parent = NULL, *st = malloc((size_t)size * sizeof *st + 8);
        for (int depth = 0; depth < 12; depth++) {
            chain_crown(c, lo, hi, parent, st, C, d, 2, bl, A);
            for (int s = 0; s < 300; s++) {
                for (int i = 0; i < 3; i++) x[i] = lo[i] + (hi[i] - lo[i]) * (0.5 + 0.5 * frand(&rs));
                chain_eval(c, x, y);
                for (int r = 0; r < 2; r++)
                    assert_true(C[3 * r] * y[0] + C[3 * r + 1] * y[1] + C[3 * r + 2] * y[2] - d[r] >= bl[r] - 1e-9);
            }
            if (!parent) parent = malloc((size_t)size * sizeof *parent + 8);
            memcpy(parent, st, (size_t)size * sizeof *st);
            int dim = depth % 3;
            double mid = 0.5 * (lo[dim] + hi[dim]);
            if (frand(&rs) > 0) lo[dim] = mid;
            else hi[dim] = mid;
        }
        free(parent), free(st);
        chain_free(c);
        bounds_free(b);
        ir_graph_free(g);
    }
}

/* Each lower slope rule gives a sound bound for one row, and the best of
 * them is at least the adaptive rule's.  Somewhere a rule other than the
 * adaptive one must win, else the rules are not applied. */
static void slope_rules_are_sound(void **state) {
    (void)state;
    int better = 0;
    for (unsigned seed = 1; seed <= 30; seed++) {
        IrGraph *g = mlp(seed, 3, 10 + seed % 7, 3 + seed % 3, 2, false);
        unsigned rs = seed;
        BoundsGraph *b = prepare(g);
        Chain *c = chain_from_bounds(b);
        double lo[3], hi[3], C[2] = {frand(&rs), frand(&rs)}, d = 10, adaptive, best, A[3], x[3], y[2];
        for (int i = 0; i < 3; i++) lo[i] = frand(&rs), hi[i] = lo[i] + 0.5 + 0.5 * fabs(frand(&rs));
        double *st = malloc((size_t)chain_state_size(c) * sizeof *st + 8);
        chain_crown(c, lo, hi, NULL, st, C, &d, 1, &adaptive, A);
        best = chain_output_best(c, lo, hi, st, C, d, A); /* d large: never positive, every rule runs */
        assert_true(best >= adaptive);
        better += best > adaptive + 1e-9;
        for (int s = 0; s < 500; s++) {
            for (int i = 0; i < 3; i++) x[i] = lo[i] + (hi[i] - lo[i]) * (0.5 + 0.5 * frand(&rs));
            chain_eval(c, x, y);
            assert_true(C[0] * y[0] + C[1] * y[1] - d >= best - 1e-9);
        }
        free(st);
        chain_free(c);
        bounds_free(b);
        ir_graph_free(g);
    }
    assert_true(better >= 3);
}

/* Branch and bound on the MLP path (two workers) against brute force: on
 * random 2-input MLPs, "y0 >= t" with t near the sampled top is unsat
 * exactly when a fine grid stays below t, up to the grid's spacing. */
static void verify_agrees_with_a_grid(void **state) {
    (void)state;
    int sat = 0, unsat = 0;
    for (unsigned seed = 1; seed <= 30; seed++) {
        IrGraph *g = mlp(seed, 2, 8 + seed % 9, 2 + seed % 3, 2, false);
        BoundsGraph *b = prepare(g);
        double lo[2] = {-1, -0.5}, hi[2] = {0.5, 1}, x[2], y[2], best = -INFINITY, worst = INFINITY;
        for (int i = 0; i <= 200; i++)
            for (int j = 0; j <= 200; j++) {
                x[0] = lo[0] + (hi[0] - lo[0]) * i / 200, x[1] = lo[1] + (hi[1] - lo[1]) * j / 200;
                bounds_eval_real(b, x, y);
                best = fmax(best, y[0]), worst = fmin(worst, y[0]);
            }
        double t = best - (seed % 2 ? 0.02 : -0.02) * (best - worst + 1e-9), C[2] = {-1, 0}, d = -t;
        /* one and two branch and bound workers, on sat and unsat seeds alike */
        VerifyOptions opt = {.deadline = bounds_now() + 5, .seed = seed, .no_attack = true, .threads = 1 + (int)(seed / 2 % 2)};
        VerifyResult res;
        verify_case(b, lo, hi, C, &d, 1, &opt, &res);
        if (res.verdict == VERDICT_SAT) { /* a sat must be real */
            bounds_eval_real(b, res.x, y);
            assert_true(y[0] >= t);
            sat++;
        } else if (seed % 2) {
            assert_int_not_equal(res.verdict, VERDICT_UNSAT); /* the grid reached t */
        } else {
            unsat += res.verdict == VERDICT_UNSAT;
        }
        free(res.x), free(res.y);
        bounds_free(b);
        ir_graph_free(g);
    }
    assert_true(sat >= 10 && unsat >= 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_chains_are_taken),
        cmocka_unit_test(root_bounds_match_crown),
        cmocka_unit_test(subboxes_are_sound),
        cmocka_unit_test(slope_rules_are_sound),
        cmocka_unit_test(verify_agrees_with_a_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
