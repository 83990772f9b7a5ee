/* wstream.c - W's rows generated in order from torch's generator; see
 * wstream.h for the model of torch's fill path that this follows. */
#include "wstream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"

/* Blocks generated per refill when more are needed. */
#define CHUNK_BLOCKS 256

/* |w * scale| as torch applies them: W * init_std, then abs. */
static void post(const wstream *s, float *v, size_t n)
{
    if (!s->scale_on && !s->take_abs) return;
    if (simd_avx2()) {
        simd_scale_abs(v, n, s->scale_on, s->scale, s->take_abs);
        return;
    }
    const float scale = s->scale;
    if (s->scale_on)
        for (size_t i = 0; i < n; i++) v[i] = v[i] * scale;
    if (s->take_abs)
        for (size_t i = 0; i < n; i++) v[i] = fabsf(v[i]);
}

int wstream_init(wstream *s, const torch_rng *g, size_t C, size_t F, torch_cpu cpu, int scale_on, float scale,
                 int take_abs, size_t max_rows)
{
    memset(s, 0, sizeof *s);
    s->g = *g;
    s->C = C;
    s->F = F;
    s->n = (uint64_t)C * F;
    s->cpu = cpu;
    s->scale_on = scale_on;
    s->scale = scale;
    s->take_abs = take_abs;
    s->max_rows = max_rows < 1 ? 1 : max_rows;
    /* what one call may need: its rows, a block on either side, one refill */
    s->cap = s->max_rows * F + 32 + 16 * (size_t)CHUNK_BLOCKS; /* > 16: room for the serial path's whole W */
    s->buf = malloc(s->cap * sizeof *s->buf);
    if (s->buf == NULL) return -1;
    if (s->n < 16) { /* serial path: all of W now */
        torch_randn_serial(s->buf, &s->g, (size_t)s->n);
        post(s, s->buf, (size_t)s->n);
        s->gen = s->n;
    }
    return 0;
}

int wstream_init_file(wstream *s, const arrayfile *file, atomic_int *read_failed, size_t max_rows)
{
    memset(s, 0, sizeof *s);
    s->file = file;
    s->read_failed = read_failed;
    s->C = (size_t)file->rows;
    s->F = (size_t)file->cols;
    s->n = (uint64_t)s->C * s->F;
    s->max_rows = max_rows < 1 ? 1 : max_rows;
    s->cap = s->max_rows * s->F;
    s->buf = malloc(s->cap * sizeof *s->buf);
    return s->buf == NULL ? -1 : 0;
}

/* Appends up to `blocks` full blocks (not past the last full block). */
static void gen_blocks(wstream *s, uint64_t blocks)
{
    uint64_t full = s->n / 16 * 16;
    if (s->gen + 16 * blocks > full) blocks = (full - s->gen) / 16;
    float *dst = s->buf + (s->gen - s->buf_start);
    torch_rng_uniform_floats(&s->g, dst, (size_t)(16 * blocks));
    torch_randn_blocks(dst, (size_t)blocks, s->cpu);
    post(s, dst, (size_t)(16 * blocks));
    s->gen += 16 * blocks;
}

/* The last n % 16 uniforms (drawn, then overwritten by torch) and the tail
 * block that replaces positions [n-16, n). */
static void gen_tail(wstream *s)
{
    uint64_t r = s->n % 16;
    torch_rng_discard(&s->g, r);
    float tail[16];
    torch_rng_uniform_floats(&s->g, tail, 16);
    torch_randn_blocks(tail, 1, s->cpu);
    post(s, tail, 16);
    s->gen = s->n;
    /* after a seek the buffer may start inside the tail block */
    uint64_t from = s->n - 16 > s->buf_start ? s->n - 16 : s->buf_start;
    memcpy(s->buf + (from - s->buf_start), tail + (from - (s->n - 16)), (size_t)(s->n - from) * sizeof *tail);
}

const float *wstream_rows(wstream *s, size_t k)
{
    if (s->file) {
        char err[16];
        if (arrayfile_rows(s->file, s->buf, s->row, k, err, sizeof err) != 0) {
            memset(s->buf, 0, k * s->F * sizeof *s->buf);
            atomic_store(s->read_failed, 1);
        }
        s->row += k;
        return s->buf;
    }
    uint64_t start = s->row * s->F, end = start + (uint64_t)k * s->F;
    if (s->n >= 16) {
        /* drop what was handed out before (after a seek, gen may still be
         * short of start) */
        uint64_t drop = start < s->gen ? start : s->gen;
        if (drop > s->buf_start) {
            memmove(s->buf, s->buf + (drop - s->buf_start), (size_t)(s->gen - drop) * sizeof *s->buf);
            s->buf_start = drop;
        }
        uint64_t full = s->n / 16 * 16;
        uint64_t want = end;
        if (end > s->n - 16 && s->n % 16 != 0) want = full; /* all main blocks, then the tail */
        while (s->gen < want) {
            uint64_t room = (s->cap - (s->gen - s->buf_start)) / 16;
            uint64_t need = (want - s->gen + 15) / 16;
            gen_blocks(s, need < room ? need : room);
        }
        if (end > s->n - 16 && s->n % 16 != 0 && s->gen < s->n) gen_tail(s);
    }
    s->row += k;
    return s->buf + (start - s->buf_start);
}

int wstream_seek(wstream *s, uint64_t row)
{
    if (s->file) {
        if (s->row != 0 || row > s->C) return -1;
        s->row = row;
        return 0;
    }
    if (s->row != 0 || s->gen != 0 || s->n < 16 || row > s->C) return -1;
    uint64_t block_start = row * s->F / 16 * 16;
    torch_rng_discard(&s->g, block_start);
    s->gen = s->buf_start = block_start;
    s->row = row;
    return 0;
}

int wstream_copy(wstream *dst, const wstream *src)
{
    *dst = *src;
    dst->buf = malloc(src->cap * sizeof *dst->buf);
    if (dst->buf == NULL) return -1;
    memcpy(dst->buf, src->buf, src->cap * sizeof *dst->buf);
    return 0;
}

void wstream_free(wstream *s)
{
    free(s->buf);
    s->buf = NULL;
}
