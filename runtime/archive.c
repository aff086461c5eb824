/* archive.c — tensor collections: .npz (through libzip), .safetensors
 * (header through cJSON), a folder of .npy files, and the dispatch that
 * picks one from a path.
 *
 * Every size read from a file is checked before use; a member or tensor
 * that is bad names itself in the message.
 */
#include "pdrt.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- .npz ------------------------------------------------------------- */

/* Reads member i of an open archive into the set. */
static bool npz_member(zip_t *z, zip_int64_t i, PdrtTensorSet *out, char *err, size_t errlen) {
    zip_stat_t st;
    if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_NAME))
        return pdrt_fail(err, errlen, "corrupt archive: cannot read member %lld", (long long)i);
    if (!ends_with(st.name, ".npy")) return true; /* not a tensor: ignore */
    if (st.size > ((zip_uint64_t)1 << 40)) return pdrt_fail(err, errlen, "member '%s' is too large", st.name);
    void *buf = malloc(st.size ? st.size : 1);
    zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
    zip_int64_t got = f && buf ? zip_fread(f, buf, st.size) : -1;
    if (f) zip_fclose(f);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        free(buf);
        return pdrt_fail(err, errlen, "member '%s': cannot read (corrupt archive)", st.name);
    }
    PdrtTensor t;
    char why[256];
    bool ok = pdrt_npy_parse(buf, st.size, &t, why, sizeof why);
    free(buf);
    if (!ok) return pdrt_fail(err, errlen, "member '%s': %s", st.name, why);
    char name[1024];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(st.name) - 4), st.name);
    if (pdrt_tensorset_find(out, name) >= 0) {
        pdrt_tensor_free(&t);
        return pdrt_fail(err, errlen, "member '%s' appears twice", st.name);
    }
    if (!pdrt_tensorset_add(out, name, &t)) {
        pdrt_tensor_free(&t);
        return pdrt_fail(err, errlen, "out of memory");
    }
    return true;
}

bool pdrt_npz_load(const char *path, PdrtTensorSet *out, char *err, size_t errlen) {
    int zerr = 0;
    memset(out, 0, sizeof *out);
    zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        pdrt_fail(err, errlen, "cannot open as a zip archive: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return false;
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    bool ok = n >= 0;
    for (zip_int64_t i = 0; ok && i < n; i++) ok = npz_member(z, i, out, err, errlen);
    zip_discard(z);
    if (!ok) pdrt_tensorset_free(out);
    return ok;
}

bool pdrt_npz_save(const char *path, const PdrtTensorSet *s, char *err, size_t errlen) {
    /* libzip writes into its own temporary file and renames on close, so
     * the archive appears whole or not at all. */
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z) return pdrt_fail(err, errlen, "cannot create zip archive (libzip error %d)", zerr);
    void **bufs = calloc(s->n + 1, sizeof *bufs);
    bool ok = bufs != NULL;
    for (size_t i = 0; ok && i < s->n; i++) {
        size_t len;
        bufs[i] = pdrt_npy_encode(&s->items[i].t, &len);
        zip_source_t *src = bufs[i] ? zip_source_buffer(z, bufs[i], len, 0) : NULL;
        char name[1024];
        snprintf(name, sizeof name, "%s.npy", s->items[i].name);
        if (!src || zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) < 0) {
            if (src) zip_source_free(src);
            ok = pdrt_fail(err, errlen, "cannot add '%s': %s", name, zip_strerror(z));
        }
    }
    if (ok && zip_close(z) != 0) {
        ok = pdrt_fail(err, errlen, "cannot write archive: %s", zip_strerror(z));
        zip_discard(z);
    } else if (!ok) {
        zip_discard(z);
    }
    for (size_t i = 0; bufs && i < s->n; i++) free(bufs[i]);
    free(bufs);
    return ok;
}

/* ---- .safetensors ----------------------------------------------------- */

static const struct { const char *name; PdrtDType dt; } st_dtypes[] = {
    {"F32", PDRT_F32}, {"F64", PDRT_F64}, {"C64", PDRT_C64}, {"I64", PDRT_I64}};

/* Adds the tensor described by one header entry. */
static bool st_entry(const cJSON *e, const unsigned char *data, size_t dlen, PdrtTensorSet *out,
                     char *err, size_t errlen) {
    const char *name = e->string;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) ||
        cJSON_GetArraySize(offs) != 2)
        return pdrt_fail(err, errlen, "tensor '%s': needs dtype, shape and data_offsets", name);
    int which = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(dt->valuestring, st_dtypes[i].name) == 0) which = i;
    if (which < 0)
        return pdrt_fail(err, errlen, "tensor '%s': unsupported dtype %s (supported: F32 F64 C64 I64)", name,
                    dt->valuestring);
    int rank = cJSON_GetArraySize(shape);
    if (rank > PDRT_MAX_RANK) return pdrt_fail(err, errlen, "tensor '%s': rank %d is too large", name, rank);
    int64_t dims[PDRT_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        const cJSON *d = cJSON_GetArrayItem(shape, i);
        if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 1e15)
            return pdrt_fail(err, errlen, "tensor '%s': bad shape", name);
        dims[i] = (int64_t)d->valuedouble;
    }
    double a = cJSON_GetArrayItem(offs, 0)->valuedouble, b = cJSON_GetArrayItem(offs, 1)->valuedouble;
    size_t bytes;
    if (!pdrt_shape_bytes(st_dtypes[which].dt, (uint32_t)rank, dims, &bytes))
        return pdrt_fail(err, errlen, "tensor '%s': shape too large", name);
    if (!(a >= 0 && b >= a && b <= (double)dlen) || (size_t)(b - a) != bytes)
        return pdrt_fail(err, errlen, "tensor '%s': data_offsets [%.0f, %.0f] do not fit %zu bytes of data (needs %zu)",
                    name, a, b, dlen, bytes);
    PdrtTensor t;
    if (!pdrt_tensor_alloc(&t, st_dtypes[which].dt, (uint32_t)rank, dims)) return pdrt_fail(err, errlen, "out of memory");
    if (bytes) memcpy(t.data, data + (size_t)a, bytes);
    if (!pdrt_tensorset_add(out, name, &t)) {
        pdrt_tensor_free(&t);
        return pdrt_fail(err, errlen, "out of memory");
    }
    return true;
}

static bool st_parse(const unsigned char *buf, size_t len, PdrtTensorSet *out, char *err, size_t errlen) {
    if (len < 8) return pdrt_fail(err, errlen, "truncated: no header length");
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | buf[i];
    if (hlen > len - 8) return pdrt_fail(err, errlen, "truncated: header says %llu bytes, file has %zu",
                                    (unsigned long long)hlen, len - 8);
    cJSON *root = cJSON_ParseWithLength((const char *)buf + 8, (size_t)hlen);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return pdrt_fail(err, errlen, "corrupt header: not a JSON object");
    }
    bool ok = true;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (!ok) break;
        if (strcmp(e->string, "__metadata__") == 0) continue;
        if (!cJSON_IsObject(e)) ok = pdrt_fail(err, errlen, "corrupt header: entry '%s' is not an object", e->string);
        else ok = st_entry(e, buf + 8 + hlen, len - 8 - (size_t)hlen, out, err, errlen);
    }
    cJSON_Delete(root);
    return ok;
}

bool pdrt_safetensors_load(const char *path, PdrtTensorSet *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return pdrt_fail(err, errlen, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return pdrt_fail(err, errlen, "not a regular file");
    }
    size_t len = (size_t)st.st_size;
    unsigned char *buf = malloc(len ? len : 1);
    bool ok = buf && fread(buf, 1, len, f) == len;
    fclose(f);
    if (!ok) {
        free(buf);
        return pdrt_fail(err, errlen, "cannot read file");
    }
    ok = st_parse(buf, len, out, err, errlen);
    free(buf);
    if (!ok) pdrt_tensorset_free(out);
    return ok;
}

bool pdrt_safetensors_save(const char *path, const PdrtTensorSet *s, char *err, size_t errlen) {
    cJSON *root = cJSON_CreateObject();
    size_t off = 0;
    for (size_t i = 0; i < s->n; i++) {
        const PdrtTensor *t = &s->items[i].t;
        cJSON *e = cJSON_AddObjectToObject(root, s->items[i].name);
        cJSON_AddStringToObject(e, "dtype", st_dtypes[t->dtype].name);
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        for (uint32_t k = 0; k < t->rank; k++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->dims[k]));
        cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + t->nbytes)));
        off += t->nbytes;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) return pdrt_fail(err, errlen, "out of memory");
    size_t hlen = (strlen(json) + 7) & ~(size_t)7; /* pad with spaces, as the reference writer */
    unsigned char *buf = malloc(8 + hlen + off);
    if (!buf) {
        free(json);
        return pdrt_fail(err, errlen, "out of memory");
    }
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memset(buf + 8, ' ', hlen);
    memcpy(buf + 8, json, strlen(json));
    free(json);
    size_t pos = 8 + hlen;
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i].t.nbytes) memcpy(buf + pos, s->items[i].t.data, s->items[i].t.nbytes);
        pos += s->items[i].t.nbytes;
    }
    bool ok = pdrt_write_atomic(path, buf, pos, err, errlen);
    free(buf);
    return ok;
}

/* ---- a folder of .npy ------------------------------------------------- */

static int by_name(const void *a, const void *b) {
    return strcmp(((const PdrtNamedTensor *)a)->name, ((const PdrtNamedTensor *)b)->name);
}

bool pdrt_npydir_load(const char *dir, PdrtTensorSet *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) return pdrt_fail(err, errlen, "cannot open directory: %s", strerror(errno));
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".npy") || e->d_name[0] == '.') continue;
        char path[4096], why[256], name[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(name, sizeof name, "%.*s", (int)(strlen(e->d_name) - 4), e->d_name);
        PdrtTensor t;
        if (!pdrt_npy_load(path, &t, why, sizeof why)) ok = pdrt_fail(err, errlen, "%s: %s", e->d_name, why);
        else if (!pdrt_tensorset_add(out, name, &t)) pdrt_tensor_free(&t), ok = pdrt_fail(err, errlen, "out of memory");
    }
    closedir(d);
    if (!ok) pdrt_tensorset_free(out);
    else if (out->n) qsort(out->items, out->n, sizeof *out->items, by_name);
    return ok;
}

/* ---- dispatch --------------------------------------------------------- */

bool pdrt_weights_load(const char *path, PdrtTensorSet *out, char *err, size_t errlen) {
    struct stat st;
    memset(out, 0, sizeof *out);
    if (stat(path, &st) != 0) return pdrt_fail(err, errlen, "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode)) return pdrt_npydir_load(path, out, err, errlen);
    if (ends_with(path, ".npz")) return pdrt_npz_load(path, out, err, errlen);
    if (ends_with(path, ".safetensors")) return pdrt_safetensors_load(path, out, err, errlen);
    if (ends_with(path, ".npy")) {
        PdrtTensor t;
        if (!pdrt_npy_load(path, &t, err, errlen)) return false;
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char name[1024];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 4), base);
        if (!pdrt_tensorset_add(out, name, &t)) return pdrt_tensor_free(&t), pdrt_fail(err, errlen, "out of memory");
        return true;
    }
    return pdrt_fail(err, errlen, "unknown weights format (expected a folder of .npy, .npz, .safetensors or .npy)");
}
