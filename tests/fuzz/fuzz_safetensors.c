/* fuzz_safetensors.c - libFuzzer harness for the safetensors reader
 * (arrayfile_open and arrayfile_rows in src/arrayfile.c on "FILE:NAME").
 *
 * The input is written to a file in a private temporary directory (on
 * tmpfs when possible) and opened with arrayfile_open, first without a
 * tensor name (which must fail for a safetensors file, listing the names
 * it holds), then as FILE:NAME for each name that message lists and for
 * the names "a" and "w". Besides the sanitizers, each run checks:
 * - the status is 0 or -1, and an error message is one line (no control
 *   characters) that starts with the file name and a ':';
 * - an opened tensor is named "FILE:NAME" and is consistent: ndim <=
 *   AF_MAX_DIMS, count is the product of the shape, rows x cols is count,
 *   the data lies inside the file's buffer, the item size matches the
 *   dtype;
 * - every value read equals an independent conversion of the stored bytes
 *   (float32 and bfloat16 bits, float64 by a cast, float16 by ldexpf, NaNs
 *   quieted with their payload kept);
 * - reading row by row gives the same bits as reading all rows at once;
 * - npy_write_f32 of the tensor reads back to the same bits.
 * Tensors of more than MAX_ELEMS elements are opened but not read (the
 * harness caps its memory; the library never allocates for the data);
 * empty ones are read whatever their shape ((2^40, 0) has 2^40 rows).
 * Any violation aborts, which libFuzzer reports as a crash. */
#define FUZZ_NAME "fuzz_safetensors"
#define FUZZ_FILE "m.safetensors"
#include "fuzz_arrays.h"

static char spec[160];

/* Opens spec (path, or path:NAME when name is not NULL) and checks it. */
static void try_open(const char *name, const uint8_t *data, size_t size, char *err, size_t errlen)
{
    if (name != NULL) snprintf(spec, sizeof spec, "%s:%s", path, name);
    else snprintf(spec, sizeof spec, "%s", path);
    arrayfile a;
    err[0] = '\0';
    int rc = arrayfile_open(&a, spec, err, errlen);
    CHECK(rc == 0 || rc == -1, "status %d", rc);
    if (rc != 0) {
        check_message(err, path);
        CHECK(a.fd == -1, "fd %d after a failure", a.fd);
        arrayfile_close(&a);
        return;
    }
    CHECK(!strcmp(a.name, spec), "name '%s' for '%s'", a.name, spec);
    check_array(&a, data, size);
    arrayfile_close(&a);
    CHECK(a.fd == -1, "fd after close");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    static char err[600], names[600];
    write_file(path, data, size);
    try_open(NULL, data, size, err, sizeof err);
    /* the names the message lists: "(it holds: a, b, ... (N tensors))" */
    const char *list = strstr(err, "(it holds: ");
    snprintf(names, sizeof names, "%s", list ? list + 11 : "");
    char *end = strstr(names, ", ... (");
    if (end == NULL) end = strrchr(names, ')');
    if (end != NULL) *end = '\0';
    try_open("a", data, size, err, sizeof err);
    try_open("w", data, size, err, sizeof err);
    for (char *p = names; *p;) {
        char *comma = strstr(p, ", ");
        if (comma != NULL) *comma = '\0';
        try_open(p, data, size, err, sizeof err);
        if (comma == NULL) break;
        p = comma + 2;
    }
    return 0;
}
