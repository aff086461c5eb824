/* npy.c — the .npy format (numpy's NEP 1), versions 1.0, 2.0 and 3.0.
 *
 *   "\x93NUMPY" major minor  header_len (u16 LE for 1.x, u32 LE for 2.x/3.x)
 *   header: a Python dict literal {'descr': '<f4', 'fortran_order': False,
 *           'shape': (2, 3), } padded with spaces and a final '\n'
 *   data:   C order, little endian
 *
 * The reader trusts nothing: every length is checked against the buffer,
 * shapes against overflow, so truncated or corrupt files give an error.
 * Supported dtypes: <f4 <f8 <c8 <i8 (f32 f64 c64 i64); C order only.
 */
#include "pdrt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const descrs[] = {"<f4", "<f8", "<c8", "<i8"};

/* ---- the header dict ------------------------------------------------- */

typedef struct {
    const char *p, *end;
} Scan;

static void skip_ws(Scan *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool eat(Scan *s, char c) {
    skip_ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

/* A quoted Python string without escapes (all numpy writes). */
static bool scan_string(Scan *s, char *out, size_t cap) {
    skip_ws(s);
    if (s->p >= s->end || (*s->p != '\'' && *s->p != '"')) return false;
    char q = *s->p++;
    size_t n = 0;
    while (s->p < s->end && *s->p != q) {
        if (n + 1 >= cap) return false;
        out[n++] = *s->p++;
    }
    if (s->p >= s->end) return false;
    s->p++;
    out[n] = 0;
    return true;
}

static bool scan_shape(Scan *s, uint32_t *rank, int64_t *dims) {
    if (!eat(s, '(')) return false;
    *rank = 0;
    while (!eat(s, ')')) {
        skip_ws(s);
        if (s->p >= s->end || *s->p < '0' || *s->p > '9') return false;
        int64_t v = 0;
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
            if (v > (INT64_MAX - 9) / 10) return false;
            v = v * 10 + (*s->p++ - '0');
        }
        if (*rank == PDRT_MAX_RANK) return false;
        dims[(*rank)++] = v;
        if (!eat(s, ',')) {
            if (!eat(s, ')')) return false;
            break;
        }
    }
    return true;
}

typedef struct {
    char descr[16];
    bool fortran, has_descr, has_order, has_shape;
    uint32_t rank;
    int64_t dims[PDRT_MAX_RANK];
} NpyHeader;

static bool scan_entry(Scan *s, NpyHeader *h, char *err, size_t errlen) {
    char key[32];
    if (!scan_string(s, key, sizeof key) || !eat(s, ':'))
        return pdrt_fail(err, errlen, "corrupt header: expected 'key': value");
    if (strcmp(key, "descr") == 0) {
        h->has_descr = scan_string(s, h->descr, sizeof h->descr);
        if (!h->has_descr) return pdrt_fail(err, errlen, "corrupt header: bad 'descr' (structured dtypes are not supported)");
    } else if (strcmp(key, "fortran_order") == 0) {
        skip_ws(s);
        size_t left = (size_t)(s->end - s->p);
        if (left >= 4 && memcmp(s->p, "True", 4) == 0) h->fortran = true, s->p += 4;
        else if (left >= 5 && memcmp(s->p, "False", 5) == 0) h->fortran = false, s->p += 5;
        else return pdrt_fail(err, errlen, "corrupt header: bad 'fortran_order'");
        h->has_order = true;
    } else if (strcmp(key, "shape") == 0) {
        h->has_shape = scan_shape(s, &h->rank, h->dims);
        if (!h->has_shape) return pdrt_fail(err, errlen, "corrupt header: bad 'shape' (or rank above %d)", PDRT_MAX_RANK);
    } else {
        return pdrt_fail(err, errlen, "corrupt header: unknown key '%s'", key);
    }
    return true;
}

static bool parse_header(const char *text, size_t len, NpyHeader *h, char *err, size_t errlen) {
    Scan s = {text, text + len};
    memset(h, 0, sizeof *h);
    if (!eat(&s, '{')) return pdrt_fail(err, errlen, "corrupt header: not a dict");
    while (!eat(&s, '}')) {
        if (!scan_entry(&s, h, err, errlen)) return false;
        if (!eat(&s, ',')) {
            if (!eat(&s, '}')) return pdrt_fail(err, errlen, "corrupt header: expected ',' or '}'");
            break;
        }
    }
    if (!h->has_descr || !h->has_order || !h->has_shape)
        return pdrt_fail(err, errlen, "corrupt header: needs 'descr', 'fortran_order' and 'shape'");
    return true;
}

static bool dtype_of(const char *descr, PdrtDType *dt, char *err, size_t errlen) {
    for (int i = 0; i < 4; i++)
        if (strcmp(descr, descrs[i]) == 0) {
            *dt = (PdrtDType)i;
            return true;
        }
    if (descr[0] == '>')
        return pdrt_fail(err, errlen, "big-endian dtype '%s' is not supported; convert with .astype('<%s')",
                    descr, descr + 1);
    return pdrt_fail(err, errlen, "unsupported dtype '%s' (supported: <f4 <f8 <c8 <i8)", descr);
}

/* ---- reading --------------------------------------------------------- */

bool pdrt_npy_parse(const void *buf, size_t len, PdrtTensor *out, char *err, size_t errlen) {
    const unsigned char *b = buf;
    memset(out, 0, sizeof *out);
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0) return pdrt_fail(err, errlen, "not a .npy file (bad magic)");
    unsigned major = b[6];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return pdrt_fail(err, errlen, "truncated: file ends inside the header");
        hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        off = 12;
    } else {
        return pdrt_fail(err, errlen, "unsupported .npy version %u.%u", major, b[7]);
    }
    if (hlen > len - off)
        return pdrt_fail(err, errlen, "truncated: header says %zu header bytes, file has %zu", hlen, len - off);
    NpyHeader h;
    PdrtDType dt = PDRT_F32;
    if (!parse_header((const char *)b + off, hlen, &h, err, errlen) ||
        !dtype_of(h.descr, &dt, err, errlen))
        return false;
    if (h.fortran)
        return pdrt_fail(err, errlen, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
    size_t bytes, data_off = off + hlen;
    if (!pdrt_shape_bytes(dt, h.rank, h.dims, &bytes)) return pdrt_fail(err, errlen, "corrupt header: shape too large");
    if (bytes > len - data_off)
        return pdrt_fail(err, errlen, "truncated: header says %zu data bytes, file has %zu", bytes, len - data_off);
    if (!pdrt_tensor_alloc(out, dt, h.rank, h.dims)) return pdrt_fail(err, errlen, "out of memory for %zu bytes", bytes);
    if (bytes) memcpy(out->data, b + data_off, bytes);
    return true;
}

/* Reads a whole file into malloc'd memory. */
static void *slurp(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        pdrt_fail(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        pdrt_fail(err, errlen, "not a regular file");
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    void *buf = malloc(n ? n : 1);
    if (!buf || fread(buf, 1, n, f) != n) {
        free(buf);
        fclose(f);
        pdrt_fail(err, errlen, "cannot read: %s", buf ? strerror(errno) : "out of memory");
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

bool pdrt_npy_load(const char *path, PdrtTensor *out, char *err, size_t errlen) {
    size_t len;
    memset(out, 0, sizeof *out);
    void *buf = slurp(path, &len, err, errlen);
    if (!buf) return false;
    bool ok = pdrt_npy_parse(buf, len, out, err, errlen);
    free(buf);
    return ok;
}

/* ---- writing --------------------------------------------------------- */

/* The complete .npy bytes of t in malloc'd memory. OUT: *len. */
void *pdrt_npy_encode(const PdrtTensor *t, size_t *len) {
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descrs[t->dtype]);
    for (uint32_t i = 0; i < t->rank; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld,%s", (long long)t->dims[i],
                      i + 1 < t->rank ? " " : "");
    if (t->rank > 1) n--; /* numpy writes (2, 3) but (5,) */
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    /* Pad so the data starts on a 64-byte boundary, as numpy does. */
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) & ~(size_t)63;
    size_t hlen = padded - 10;
    unsigned char *buf = malloc(padded + t->nbytes);
    if (!buf) return NULL;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', hlen - (size_t)n - 1);
    buf[padded - 1] = '\n';
    if (t->nbytes) memcpy(buf + padded, t->data, t->nbytes);
    *len = padded + t->nbytes;
    return buf;
}

/* Writes bytes to path through a temporary file and rename. */
bool pdrt_write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen) {
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) return pdrt_fail(err, errlen, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        pdrt_fail(err, errlen, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return false;
    }
    mode_t mask = umask(022);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w, left -= (size_t)w;
    }
    bool ok = left == 0;
    int saved = errno;
    if (close(fd) != 0) ok = false;
    if (ok && rename(tmp, path) != 0) saved = errno, ok = false;
    if (!ok) {
        unlink(tmp);
        pdrt_fail(err, errlen, "cannot write '%s': %s", path, strerror(saved ? saved : EIO));
    }
    free(tmp);
    return ok;
}

bool pdrt_npy_save(const char *path, const PdrtTensor *t, char *err, size_t errlen) {
    if ((unsigned)t->dtype > PDRT_I64 || t->rank > PDRT_MAX_RANK) return pdrt_fail(err, errlen, "bad tensor");
    size_t len;
    void *buf = pdrt_npy_encode(t, &len);
    if (!buf) return pdrt_fail(err, errlen, "out of memory");
    bool ok = pdrt_write_atomic(path, buf, len, err, errlen);
    free(buf);
    return ok;
}
