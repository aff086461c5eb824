/* base.h — the few things every part of libpdec shares.
 *
 * An arena allocator (the IR, the AST and everything a compilation makes
 * are freed at once with the arena), growable vectors that live in an
 * arena, the internal-error path (pd_die) and the one protected boundary
 * (pd_protected) that it unwinds to.  Nothing here knows about the IR.
 */
#ifndef PD_BASE_H
#define PD_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define PD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PD_NORETURN __attribute__((noreturn))
#else
#define PD_PRINTF(f, a)
#define PD_NORETURN
#endif

/* ---- arena ------------------------------------------------------------ */

typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *a);                         /* frees every block; NULL ok */
void *arena_alloc(Arena *a, size_t n);             /* zeroed, 16-byte aligned */
void *arena_dup(Arena *a, const void *p, size_t n);
char *arena_strdup(Arena *a, const char *s);       /* NULL stays NULL */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) PD_PRINTF(2, 3);

/* ---- vectors in an arena ---------------------------------------------- */
/* VEC(T) is an anonymous struct; declare a named one with
 *   typedef VEC(IrNode) IrNodeVec;
 * Growth copies into a new arena block (the old one is simply abandoned:
 * at most half the vector's memory is wasted, and nothing is ever freed
 * one by one). */
#define VEC(T) struct { T *data; uint32_t len, cap; }

void *vec_grow_(Arena *a, void *data, uint32_t len, uint32_t *cap, size_t elem);
#define vec_push(arena, v, x)                                                 \
    do {                                                                      \
        if ((v)->len == (v)->cap)                                             \
            (v)->data = vec_grow_((arena), (v)->data, (v)->len, &(v)->cap,    \
                                  sizeof *(v)->data);                         \
        (v)->data[(v)->len++] = (x);                                          \
    } while (0)

/* ---- errors ----------------------------------------------------------- */
/* Three tiers (see docs/architecture.md): user errors are reported through
 * a DiagCtx and a false return; internal bugs call pd_die(); invariants are
 * assert()s.  pd_die prints "internal error" with the C source position and
 * unwinds to the innermost pd_protected() call, or exits with status 2 when
 * there is none. */
#define pd_die(...) pd_die_(__FILE__, __LINE__, __VA_ARGS__)
PD_NORETURN void pd_die_(const char *file, int line, const char *fmt, ...)
    PD_PRINTF(3, 4);

/* Runs fn(ud).  Returns fn's result, or PD_INTERNAL_ERROR (2) when pd_die
 * or an out-of-memory condition unwound out of it. */
#define PD_INTERNAL_ERROR 2
int pd_protected(int (*fn)(void *ud), void *ud);

/* malloc that never returns NULL (dies cleanly instead). */
void *pd_xmalloc(size_t n);
void *pd_xcalloc(size_t n, size_t size);
void *pd_xrealloc(void *p, size_t n);

/* Reads a whole file into a malloc'd, NUL-terminated buffer.  Returns NULL
 * and sets errno on failure. OUT: *len = number of bytes read. */
char *pd_read_file(const char *path, size_t *len);

/* Runs argv (argv[0] looked up on PATH) with stdout and stderr into
 * log_path (truncated; NULL: discarded) and waits.  True when it exited 0. */
bool pd_spawn_wait(const char *const *argv, const char *log_path);

#endif
