/* base.c — arena, vectors, the internal-error path, small file helpers.
 *
 * The arena hands out zeroed, 16-byte aligned memory from a chain of
 * blocks and frees them all at once.  pd_die() and out-of-memory unwind
 * with longjmp to the innermost pd_protected() frame, which is the only
 * setjmp in libpdec; without one they exit(2).  pd_spawn_wait runs the
 * tools the backends call (the C compiler, clang, llvm-spirv).
 */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ------------------------------------------------------------ */

typedef struct Block {
    struct Block *next;
    size_t size, used;
    _Alignas(16) unsigned char mem[];
} Block;

struct Arena {
    Block *head;
};

enum { BLOCK_MIN = 64 * 1024 };

Arena *arena_new(void) { return pd_xcalloc(1, sizeof(Arena)); }

void arena_free(Arena *a) {
    if (!a) return;
    for (Block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

static Block *new_block(size_t need) {
    size_t size = need > BLOCK_MIN ? need : BLOCK_MIN;
    Block *b = pd_xmalloc(sizeof(Block) + size);
    b->size = size;
    b->used = 0;
    b->next = NULL;
    return b;
}

void *arena_alloc(Arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    Block *b = a->head;
    if (!b || b->size - b->used < n) {
        Block *nb = new_block(n);
        /* A big one-off allocation goes behind the head so the head's free
         * space stays usable for the small ones that follow. */
        if (b && n > BLOCK_MIN / 4) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->mem + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

void *arena_dup(Arena *a, const void *p, size_t n) {
    void *q = arena_alloc(a, n);
    if (n) memcpy(q, p, n);
    return q;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
    char *q = arena_alloc(a, n + 1);
    memcpy(q, s, n);
    q[n] = 0;
    return q;
}

char *arena_strdup(Arena *a, const char *s) {
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(Arena *a, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *s = arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

void *vec_grow_(Arena *a, void *data, uint32_t len, uint32_t *cap, size_t elem) {
    if (*cap > UINT32_MAX / 2) pd_die("vector too large");
    uint32_t ncap = *cap ? *cap * 2 : 8;
    void *nd = arena_alloc(a, (size_t)ncap * elem);
    if (len) memcpy(nd, data, (size_t)len * elem);
    *cap = ncap;
    return nd;
}

/* ---- errors ----------------------------------------------------------- */

static jmp_buf *protect_top;

void pd_die_(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "pdec: internal error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (at %s:%d)\n", file, line);
    if (protect_top) longjmp(*protect_top, 1);
    exit(PD_INTERNAL_ERROR);
}

int pd_protected(int (*fn)(void *ud), void *ud) {
    jmp_buf here, *saved = protect_top;
    volatile int rc = PD_INTERNAL_ERROR;
    protect_top = &here;
    if (setjmp(here) == 0) rc = fn(ud);
    protect_top = saved;
    return rc;
}

void *pd_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) pd_die("out of memory allocating %zu bytes", n);
    return p;
}

void *pd_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) pd_die("out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *pd_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) pd_die("out of memory allocating %zu bytes", n);
    return q;
}

/* ---- files ------------------------------------------------------------ */

char *pd_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; errno = ENOMEM; break; }
            buf = nb;
            cap *= 2;
        }
    }
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (!buf) return NULL;
    if (failed) {
        free(buf);
        errno = saved ? saved : EIO;
        return NULL;
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

extern char **environ;

bool pd_spawn_wait(const char *const *argv, const char *log_path) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    if (rc != 0 || waitpid(pid, &status, 0) < 0) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
