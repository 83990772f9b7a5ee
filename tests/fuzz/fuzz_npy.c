/* fuzz_npy.c - libFuzzer harness for the .npy reader and writer
 * (arrayfile_open, arrayfile_rows and npy_write_f32 in src/arrayfile.c).
 *
 * The input is written to a file in a private temporary directory (on
 * tmpfs when possible) and opened with arrayfile_open, exactly as gradexp
 * opens an array file (the format is decided by the content, so inputs
 * that are not .npy reach the safetensors reader too). Besides the
 * sanitizers, each run checks:
 * - the status is 0 or -1, and an error message is one line (no control
 *   characters) that starts with the file name and a ':';
 * - an opened array is consistent: ndim <= AF_MAX_DIMS, count is the
 *   product of the shape, rows x cols is count, the data lies inside the
 *   file, the item size matches the dtype;
 * - every value read equals an independent conversion of the stored bytes
 *   (float32 and bfloat16 bits, float64 by a cast, float16 by ldexpf, NaNs
 *   quieted with their payload kept), in C and Fortran order;
 * - reading row by row gives the same bits as reading all rows at once;
 * - npy_write_f32 of the array reads back to the same bits.
 * Arrays of more than MAX_ELEMS elements are opened but not read (the
 * harness caps its memory; the library never allocates for the data);
 * empty ones are read whatever their shape ((2^40, 0) has 2^40 rows).
 * Any violation aborts, which libFuzzer reports as a crash. */
#define FUZZ_NAME "fuzz_npy"
#define FUZZ_FILE "a.npy"
#include "fuzz_arrays.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    static char err[600];
    write_file(path, data, size);
    arrayfile a;
    err[0] = '\0';
    int rc = arrayfile_open(&a, path, err, sizeof err);
    CHECK(rc == 0 || rc == -1, "status %d", rc);
    if (rc != 0) {
        check_message(err, path);
        CHECK(a.fd == -1, "fd %d after a failure", a.fd);
        arrayfile_close(&a);
        return 0;
    }
    CHECK(!strcmp(a.name, path), "name '%s'", a.name);
    check_array(&a, data, size);
    arrayfile_close(&a);
    CHECK(a.fd == -1, "fd after close");
    return 0;
}
