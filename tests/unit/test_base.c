/* test_base.c — the arena, vectors, pd_protected, atomic writes and the
 * diagnostics renderer (exact text, caret and tabs included). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ir/base.h"
#include "ir/diag.h"
#include "runtime/pdrt.h"

static void arena_allocates_zeroed_aligned_memory(void **state) {
    (void)state;
    Arena *a = arena_new();
    for (int i = 1; i < 2000; i++) {
        unsigned char *p = arena_alloc(a, (size_t)i * 3);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (int j = 0; j < i * 3; j++) assert_int_equal(p[j], 0);
        memset(p, 0xab, (size_t)i * 3);
    }
    void *big = arena_alloc(a, 1 << 20); /* bigger than a block */
    assert_non_null(big);
    assert_string_equal(arena_printf(a, "%s-%d", "x", 42), "x-42");
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    assert_null(arena_strdup(a, NULL));
    arena_free(a);
    arena_free(NULL);
}

static void vectors_grow_in_the_arena(void **state) {
    (void)state;
    Arena *a = arena_new();
    VEC(int) v = {0};
    for (int i = 0; i < 10000; i++) vec_push(a, &v, i * 2);
    assert_int_equal(v.len, 10000);
    for (int i = 0; i < 10000; i++) assert_int_equal(v.data[i], i * 2);
    arena_free(a);
}

static int dies(void *ud) {
    (void)ud;
    pd_die("boom %d", 7);
}
static int returns_five(void *ud) {
    (void)ud;
    return 5;
}

static void protected_boundary_catches_pd_die(void **state) {
    (void)state;
    assert_int_equal(pd_protected(returns_five, NULL), 5);
    assert_int_equal(pd_protected(dies, NULL), PD_INTERNAL_ERROR);
    assert_int_equal(pd_protected(returns_five, NULL), 5); /* boundary restored */
}

static void atomic_write_replaces_the_file(void **state) {
    (void)state;
    const char *path = PDEC_TEST_TMP "/atomic.txt";
    mkdir(PDEC_TEST_TMP, 0777);
    char err[256];
    assert_true(pdrt_write_atomic(path, "one", 3, err, sizeof err));
    assert_true(pdrt_write_atomic(path, "second", 6, err, sizeof err));
    size_t len = 0;
    char *text = pd_read_file(path, &len);
    assert_non_null(text);
    assert_int_equal(len, 6);
    assert_string_equal(text, "second");
    free(text);
    assert_false(pdrt_write_atomic(PDEC_TEST_TMP "/no/such/dir/f", "x", 1, err, sizeof err));
    assert_non_null(strstr(err, "cannot create"));
    assert_null(pd_read_file(PDEC_TEST_TMP "/no-such-file", &len));
}

/* Renders one diagnostic into a string. */
static char *render(const char *text, uint32_t start, uint32_t end, DiagLevel lvl) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    DiagCtx *dc = diag_new(f);
    uint32_t id = diag_add_file(dc, "m.pde", text, strlen(text));
    diag_report(dc, lvl, src_loc(id, start, end), "bad %s", "thing");
    diag_free(dc);
    fclose(f);
    return buf;
}

static void diagnostics_have_the_clang_format(void **state) {
    (void)state;
    char *s = render("a = 1\nbb = foo(x)\n", 11, 14, DIAG_ERROR);
    assert_string_equal(s, "m.pde:2:6: error: bad thing\nbb = foo(x)\n     ^~~\n");
    free(s);
    s = render("x\n", 0, 0, DIAG_WARNING);
    assert_string_equal(s, "m.pde:1:1: warning: bad thing\nx\n^\n");
    free(s);
}

static void carets_follow_expanded_tabs(void **state) {
    (void)state;
    char *s = render("\tab\tc\n", 4, 5, DIAG_NOTE);
    assert_string_equal(s, "m.pde:1:5: note: bad thing\n        ab      c\n                ^\n");
    free(s);
}

static void a_range_is_clipped_to_its_line(void **state) {
    (void)state;
    char *s = render("abc\ndef", 1, 6, DIAG_ERROR);
    assert_string_equal(s, "m.pde:1:2: error: bad thing\nabc\n ^~\n");
    free(s);
    s = render("abc", 3, 3, DIAG_ERROR); /* at end of file, no newline */
    assert_string_equal(s, "m.pde:1:4: error: bad thing\nabc\n   ^\n");
    free(s);
}

static void errors_are_counted_and_limited(void **state) {
    (void)state;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    DiagCtx *dc = diag_new(f);
    diag_set_error_limit(dc, 2);
    for (int i = 0; i < 5; i++) diag_error(dc, src_none(), "e%d", i);
    diag_warning(dc, src_none(), "w");
    assert_int_equal(diag_error_count(dc), 5);
    assert_int_equal(diag_warning_count(dc), 1);
    diag_free(dc);
    fclose(f);
    assert_string_equal(buf, "pdec: error: e0\npdec: error: e1\n"
                             "pdec: fatal error: too many errors emitted, stopping now\n"
                             "pdec: warning: w\n");
    free(buf);
}

static void line_and_column_of_offsets(void **state) {
    (void)state;
    DiagCtx *dc = diag_new(stderr);
    const char *t = "ab\n\ncd\n";
    uint32_t id = diag_add_file(dc, "f", t, strlen(t));
    uint32_t line, col;
    diag_line_col(dc, id, 0, &line, &col);
    assert_int_equal(line, 1); assert_int_equal(col, 1);
    diag_line_col(dc, id, 3, &line, &col);
    assert_int_equal(line, 2); assert_int_equal(col, 1);
    diag_line_col(dc, id, 5, &line, &col);
    assert_int_equal(line, 3); assert_int_equal(col, 2);
    diag_line_col(dc, id, 1000, &line, &col); /* past the end: clipped */
    assert_int_equal(line, 4); assert_int_equal(col, 1);
    assert_string_equal(diag_file_name(dc, id), "f");
    diag_free(dc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_allocates_zeroed_aligned_memory),
        cmocka_unit_test(vectors_grow_in_the_arena),
        cmocka_unit_test(protected_boundary_catches_pd_die),
        cmocka_unit_test(atomic_write_replaces_the_file),
        cmocka_unit_test(diagnostics_have_the_clang_format),
        cmocka_unit_test(carets_follow_expanded_tabs),
        cmocka_unit_test(a_range_is_clipped_to_its_line),
        cmocka_unit_test(errors_are_counted_and_limited),
        cmocka_unit_test(line_and_column_of_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
