/* cmocka_lint.h - what cmocka.h does not tell the static analyzers: a failed
 * check does not return (cmocka longjmps out of the test). Without this,
 * clang-tidy's clang-analyzer and cppcheck follow paths past a failed
 * assert_* or fail_msg and report what cannot happen there (a NULL that
 * was just asserted non-NULL, an array the test asserted full). Include it
 * after <cmocka.h>. Only the analyzers (`make lint`) see these versions;
 * the compiled tests use cmocka's own macros. */
#ifndef GRADEXP_TEST_CMOCKA_LINT_H
#define GRADEXP_TEST_CMOCKA_LINT_H

#if defined(__clang_analyzer__) || defined(__CPPCHECK__)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef fail
#undef fail_msg
#undef assert_true
#undef assert_false
#undef assert_int_equal
#undef assert_int_not_equal
#undef assert_non_null
#undef assert_null
#undef assert_ptr_equal
#undef assert_string_equal
#undef assert_memory_equal

#define LINT_CHECK(ok)      \
    do {                    \
        if (!(ok)) abort(); \
    } while (0)
#define fail() abort()
#define fail_msg(...)              \
    do {                           \
        (void)printf(__VA_ARGS__); \
        abort();                   \
    } while (0)
#define assert_true(c) LINT_CHECK(c)
#define assert_false(c) LINT_CHECK(!(c))
#define assert_int_equal(a, b) LINT_CHECK((unsigned long long)(a) == (unsigned long long)(b))
#define assert_int_not_equal(a, b) LINT_CHECK((unsigned long long)(a) != (unsigned long long)(b))
#define assert_non_null(p) LINT_CHECK((p) != NULL)
#define assert_null(p) LINT_CHECK((p) == NULL)
#define assert_ptr_equal(a, b) LINT_CHECK((const void *)(a) == (const void *)(b))
#define assert_string_equal(a, b) LINT_CHECK(strcmp((a), (b)) == 0)
#define assert_memory_equal(a, b, n) LINT_CHECK(memcmp((a), (b), (n)) == 0)
#endif

#endif
