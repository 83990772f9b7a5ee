/* test_torch_rng.c - the generator against streams saved from real PyTorch
 * (tests/data/rng_golden.txt, made by tests/gen_rng_golden.py): randn on the
 * serial and fill paths, with the cached sample carried between calls, both
 * CPU variants, seeds past 2^32 and negative; plus the uniforms and the
 * Cephes lanes on known values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */

#include <inttypes.h>
#include <math.h>

#include "cephes_math.h"
#include "simd.h"
#include "golden.h"
#include "torch_rng.h"

#define GOLDEN "tests/data/rng_golden.txt"

typedef struct {
    int cases, values, mismatches;
    int sizes_seen[5]; /* <16, ==16, 17..31, ==32, >32 */
    int big_seed, negative_seed, default_cpu;
} golden_stats;

/* Replays every case of the golden file; counts mismatching values. */
static void replay(golden_stats *st)
{
    char *buf = golden_slurp(GOLDEN);
    assert_non_null(buf);
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        assert_true(strncmp(line, "case ", 5) == 0);
        char seedtxt[32], cpu[16];
        int used = 0;
        assert_int_equal(sscanf(line + 5, "%31s %15s %n", seedtxt, cpu, &used), 2);
        char *calls = line + 5 + used;
        uint64_t seed = seedtxt[0] == '-' ? (uint64_t)0 - strtoull(seedtxt + 1, NULL, 10) : strtoull(seedtxt, NULL, 10);
        if (seedtxt[0] == '-') st->negative_seed++;
        else if (seed >= ((uint64_t)1 << 32)) st->big_seed++;
        torch_cpu c = strcmp(cpu, "avx2") == 0 ? CPU_AVX2 : CPU_DEFAULT;
        if (c == CPU_DEFAULT) st->default_cpu++;
        char *data = strtok_r(NULL, "\n", &save);
        assert_non_null(data);
        torch_rng g;
        torch_rng_seed(&g, seed);
        char *cs = NULL;
        for (char *call = strtok_r(calls, " ", &cs); call; call = strtok_r(NULL, " ", &cs)) {
            char *colon = strchr(call, ':');
            assert_non_null(colon);
            size_t n = strtoul(colon + 1, NULL, 10);
            *colon = '\0';
            if (!strcmp(call, "rand64")) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t want = strtoull(data, &data, 16);
                    st->values++;
                    if (golden_bits64(torch_rng_uniform_double(&g)) != want) st->mismatches++;
                }
                continue;
            }
            float *v = malloc(n * sizeof *v);
            assert_non_null(v);
            if (!strcmp(call, "rand")) {
                for (size_t i = 0; i < n; i++) v[i] = torch_rng_uniform_float(&g);
            } else {
                torch_randn(v, &g, n, c);
                st->sizes_seen[n < 16 ? 0 : n == 16 ? 1 : n < 32 ? 2 : n == 32 ? 3 : 4]++;
            }
            for (size_t i = 0; i < n; i++) {
                uint32_t want = (uint32_t)strtoul(data, &data, 16);
                st->values++;
                if (golden_bits(v[i]) != want) {
                    if (st->mismatches < 5)
                        print_error("seed %s %s %s:%zu [%zu]: got %08" PRIx32 " want %08" PRIx32 "\n", seedtxt, cpu,
                                    call, n, i, golden_bits(v[i]), want);
                    st->mismatches++;
                }
            }
            free(v);
        }
        st->cases++;
    }
    free(buf);
}

static void test_golden_streams_match_torch(void **state)
{
    (void)state;
    golden_stats st = {0};
    replay(&st);
    assert_int_equal(st.mismatches, 0);
    /* the file really covers what it claims */
    assert_true(st.cases > 500);
    assert_true(st.values > 100000);
    for (int k = 0; k < 5; k++) assert_true(st.sizes_seen[k] > 0);
    assert_true(st.big_seed > 0);
    assert_true(st.negative_seed > 0);
    assert_true(st.default_cpu > 0);
}

/* The reference MT19937 (seed 5489) yields 3499211612 first and
 * 4123659995 as its 10000th output. */
static void test_mt19937_reference_values(void **state)
{
    (void)state;
    torch_rng g;
    torch_rng_seed(&g, 5489);
    assert_int_equal(torch_rng_u32(&g), 3499211612u);
    for (int i = 1; i < 9999; i++) torch_rng_u32(&g);
    assert_int_equal(torch_rng_u32(&g), 4123659995u);
}

/* Only the low 32 bits of the seed count: 2^32 + 99 gives 99's stream. */
static void test_seed_low_32_bits(void **state)
{
    (void)state;
    torch_rng a, b;
    torch_rng_seed(&a, 99);
    torch_rng_seed(&b, ((uint64_t)1 << 32) + 99);
    for (int i = 0; i < 2000; i++) assert_int_equal(torch_rng_u32(&a), torch_rng_u32(&b));
}

/* Seeding clears the cached normal: randn(1) twice after a reseed repeats. */
static void test_seed_clears_cache(void **state)
{
    (void)state;
    torch_rng g;
    float a, b, c;
    torch_rng_seed(&g, 3);
    torch_randn(&a, &g, 1, CPU_AVX2);
    torch_randn(&b, &g, 1, CPU_AVX2); /* the cached sine sample */
    torch_rng_seed(&g, 3);
    torch_randn(&c, &g, 1, CPU_AVX2);
    assert_int_equal(golden_bits(a), golden_bits(c));
    assert_int_not_equal(golden_bits(a), golden_bits(b));
}

/* The fill path draws n + 16 words when n % 16 != 0, n when it is 0. */
static void test_fill_path_draw_counts(void **state)
{
    (void)state;
    size_t sizes[] = {16, 17, 31, 32, 33, 100};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        torch_rng g, ref;
        float v[100];
        torch_rng_seed(&g, 42);
        torch_rng_seed(&ref, 42);
        torch_randn(v, &g, n, CPU_AVX2);
        size_t draws = n + (n % 16 ? 16 : 0);
        for (size_t i = 0; i < draws; i++) torch_rng_u32(&ref);
        assert_int_equal(torch_rng_u32(&g), torch_rng_u32(&ref));
    }
}

static void test_cephes_lanes(void **state)
{
    (void)state;
    assert_true(fabsf(cephes_logf(1.0f)) == 0.0f);
    assert_true(fabsf(cephes_logf(0.5f) + 0.6931472f) < 1e-7f);
    assert_true(isnan(cephes_logf(0.0f)));
    assert_true(isnan(cephes_logf(-1.0f)));
    float s, c;
    cephes_sincosf(0.0f, &s, &c);
    assert_true(s == 0.0f && c == 1.0f);
    for (int k = 0; k < 630; k++) { /* x = 0, 0.01, ..., 6.29 */
        float x = (float)k * 0.01f;
        cephes_sincosf(x, &s, &c);
        assert_true(fabs(s - sin((double)x)) < 2e-7 && fabs(c - cos((double)x)) < 2e-7);
    }
}

/* The vector fill equals the scalar lanes for every one of the 2^24
 * possible uniforms (as u1 in the low half and as u2 in the high half),
 * and the vector twist and tempering equal the scalar ones. Run once at the
 * best level the CPU has (AVX-512 where present: two blocks a step) and
 * once limited to AVX2; each call fills an odd number of blocks, so the
 * AVX-512 code's AVX2 remainder runs too. */
static void check_simd_level(void)
{
    size_t n = (size_t)1 << 24;
    float *d = malloc(n * sizeof *d), *v = malloc(n * sizeof *v);
    assert_non_null(d);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) { d[i] = (float)(uint32_t)((i * 2654435761u) & 0xffffffu) * 0x1p-24f; }
    size_t mismatches = 0;
    /* offset 8 swaps the roles: what was a u1 lane becomes a u2 lane */
    for (size_t off = 0; off <= 8; off += 8) {
        size_t nblocks = (n - off) / 16 - 1; /* odd */
        memcpy(v, d + off, nblocks * 16 * sizeof *v);
        simd_fill16_blocks(v, nblocks);
        for (size_t b = 0; b < nblocks; b++) {
            const float *s = d + off + 16 * b;
            for (int j = 0; j < 8; j++) {
                float radius = sqrtf(-2.0f * cephes_logf(1.0f - s[j]));
                float sn, cs;
                cephes_sincosf(6.2831855f * s[j + 8], &sn, &cs);
                float a = radius * cs + 0.0f, c = radius * sn + 0.0f;
                mismatches += golden_bits(a) != golden_bits(v[16 * b + (size_t)j]);
                mismatches += golden_bits(c) != golden_bits(v[16 * b + (size_t)j + 8]);
            }
        }
    }
    free(d);
    free(v);
    assert_int_equal(mismatches, 0);

    torch_rng a, b;
    torch_rng_seed(&a, 2024);
    torch_rng_seed(&b, 2024);
    float fa[3001];
    torch_rng_uniform_floats(&a, fa, 3001);
    for (int i = 0; i < 3001; i++) assert_int_equal(golden_bits(fa[i]), golden_bits(torch_rng_uniform_float(&b)));
    torch_rng_discard(&a, 12345);
    for (int i = 0; i < 12345; i++) torch_rng_u32(&b);
    assert_int_equal(torch_rng_u32(&a), torch_rng_u32(&b));
}

static void test_simd_paths_equal_scalar(void **state)
{
    (void)state;
    if (!simd_avx2()) skip();
    if (!simd_avx512()) print_message("(no AVX-512 on this CPU: the AVX2 paths only)\n");
    check_simd_level();
    if (simd_avx512()) {
        simd_limit(2);
        assert_int_equal(simd_avx512(), 0);
        check_simd_level();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_streams_match_torch), cmocka_unit_test(test_mt19937_reference_values),
        cmocka_unit_test(test_seed_low_32_bits),           cmocka_unit_test(test_seed_clears_cache),
        cmocka_unit_test(test_fill_path_draw_counts),      cmocka_unit_test(test_cephes_lanes),
        cmocka_unit_test(test_simd_paths_equal_scalar),
    };
    return cmocka_run_group_tests_name("torch_rng", tests, NULL, NULL);
}
