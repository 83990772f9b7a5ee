/* test_html.c - cmocka suite for src/html_print.c (--format html).
 *
 * html_text on small inputs, compared byte for byte: "== Title" headings,
 * tensor text as one <pre> until its parentheses balance, "- " items with
 * two-space continuations as one list, wrapped lines joined into one
 * paragraph, a line ending in ':' before a tensor closing its paragraph
 * (and a colon elsewhere not), escaping. html_print of the blog: one
 * self-contained page (no script, no link out but the SVG namespaces),
 * balanced tags, the figure inline once, the walkthrough's headings and
 * its text as html_text writes it, the gradient check, write errors. Run
 * from the repository root (`make unit`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cmocka_lint.h" /* after cmocka.h: failed checks do not return */
#include "golden_run.h"  /* after cmocka.h too */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "explain.h"
#include "golden.h"
#include "html_print.h"
#include "options.h"

/* html_text of text into a new string (caller frees). */
static char *html_of(const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(html_text(f, text), 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(buf), len);
    return buf;
}

static void expect_html(const char *text, const char *want)
{
    char *got = html_of(text);
    if (strcmp(got, want) != 0) fail_msg("html_text of:\n%s\ngave:\n%s\nwanted:\n%s", text, got, want);
    free(got);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* ------------------------------------------------------------------------ */
/* html_text                                                                */
/* ------------------------------------------------------------------------ */

static void test_heading(void **state)
{
    (void)state;
    expect_html("== Inputs\n", "<h2>Inputs</h2>\n");
    expect_html("== Logits z = W @ X (one per class)\n", "<h2>Logits z = W @ X (one per class)</h2>\n");
    /* a heading ends the paragraph before it */
    expect_html("some text\n== Next\nmore\n", "<p>some text</p>\n<h2>Next</h2>\n<p>more</p>\n");
    /* "==" without the space is text */
    expect_html("==x\n", "<p>==x</p>\n");
}

static void test_tensor_block(void **state)
{
    (void)state;
    /* a multi-line tensor is one <pre>, its lines kept, until the parens
     * balance; the text after it is a paragraph again */
    expect_html("tensor([[ 0.0000,  0.0000],\n"
                "        [-0.0452, -0.0867],\n"
                "        [ 0.0000,  0.0000]])\n"
                "The rows.\n",
                "<pre>tensor([[ 0.0000,  0.0000],\n"
                "        [-0.0452, -0.0867],\n"
                "        [ 0.0000,  0.0000]])</pre>\n"
                "<p>The rows.</p>\n");
    /* one line: closed at once */
    expect_html("tensor(0.0766)\ntensor([1., 2.])\n", "<pre>tensor(0.0766)</pre>\n<pre>tensor([1., 2.])</pre>\n");
    /* a blank line inside the tensor does not end it; unbalanced to the end:
     * closed anyway */
    expect_html("tensor([[1.,\n\n         2.]])\n", "<pre>tensor([[1.,\n\n         2.]])</pre>\n");
    expect_html("tensor([1.,\n        2.,", "<pre>tensor([1.,\n        2.,</pre>\n");
    /* a tensor ends the paragraph before it */
    expect_html("before\ntensor([1.])\n", "<p>before</p>\n<pre>tensor([1.])</pre>\n");
}

static void test_list(void **state)
{
    (void)state;
    expect_html("- Rows 0 and 2 are exactly zero: the loss reads\n"
                "  only log p[1].\n"
                "- Row 1, the target row,\n"
                "  is dz[1] * X.\n"
                "after the list\n",
                "<ul>\n<li>Rows 0 and 2 are exactly zero: the loss reads only log p[1].</li>\n"
                "<li>Row 1, the target row, is dz[1] * X.</li></ul>\n"
                "<p>after the list</p>\n");
    /* a list at the end of the text is closed; a blank line ends it */
    expect_html("- one\n- two\n", "<ul>\n<li>one</li>\n<li>two</li></ul>\n");
    expect_html("- one\n\n- two\n", "<ul>\n<li>one</li></ul>\n<ul>\n<li>two</li></ul>\n");
    /* a heading ends it too */
    expect_html("- one\n== H\n", "<ul>\n<li>one</li></ul>\n<h2>H</h2>\n");
}

static void test_paragraphs(void **state)
{
    (void)state;
    /* wrapped lines join into one paragraph; a blank line starts the next */
    expect_html("The target class 1 gets p[1] = 0.9263. They sum to\n"
                "2.7248, not 1: sigmoid scores each class\n"
                "independently.\n"
                "\n"
                "Second paragraph.\n",
                "<p>The target class 1 gets p[1] = 0.9263. They sum to 2.7248, not 1: sigmoid scores each class "
                "independently.</p>\n"
                "<p>Second paragraph.</p>\n");
    /* a line ending with ':' before a tensor ends its paragraph */
    expect_html("Gradient: dz = d loss / d z, and\n"
                "W.grad:\n"
                "tensor([1.])\n"
                "next\n",
                "<p>Gradient: dz = d loss / d z, and W.grad:</p>\n<pre>tensor([1.])</pre>\n<p>next</p>\n");
    /* a line ending with ':' inside a wrapped sentence does not */
    expect_html("the columns are as follows:\n"
                "each sums to zero.\n",
                "<p>the columns are as follows: each sums to zero.</p>\n");
    /* an indented line after a paragraph joins it; on its own it is <pre> */
    expect_html("text\n  indented\n", "<p>text   indented</p>\n");
    expect_html("  indented\n", "<pre>  indented</pre>\n");
    /* no trailing newline */
    expect_html("last line", "<p>last line</p>\n");
    expect_html("", "");
}

static void test_escaping(void **state)
{
    (void)state;
    expect_html("a < b && c > d \"q\"\n", "<p>a &lt; b &amp;&amp; c &gt; d &quot;q&quot;</p>\n");
    expect_html("== <h> & co\n", "<h2>&lt;h&gt; &amp; co</h2>\n");
    expect_html("- x<y\n  & z>w\n", "<ul>\n<li>x&lt;y &amp; z&gt;w</li></ul>\n");
    expect_html("tensor([1.],\n       grad_fn=<MulBackward0>)\n",
                "<pre>tensor([1.],\n       grad_fn=&lt;MulBackward0&gt;)</pre>\n");
}

static void test_html_text_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    static char buf[8];
    assert_int_equal(setvbuf(f, buf, _IOFBF, sizeof buf), 0);
    assert_int_equal(html_text(f, "== A heading long enough\nand a paragraph that fills the buffer\n"), -1);
    (void)fclose(f); /* /dev/full: closing fails too */
}

/* ------------------------------------------------------------------------ */
/* html_print                                                               */
/* ------------------------------------------------------------------------ */

static char *page_of(run *r, int *failed)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(html_print(f, &r->e, &r->o, failed), HTML_OK);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(buf), len);
    return buf;
}

/* The page's elements outside <svg> and <style> nest properly: every
 * non-void tag is closed in order. */
static void assert_balanced(const char *page)
{
    static const char *const VOID[] = {"meta", "!DOCTYPE"};
    char stack[64][16];
    int depth = 0;
    for (const char *p = strchr(page, '<'); p; p = strchr(p + 1, '<')) {
        int closing = p[1] == '/';
        const char *n = p + 1 + closing, *e = n;
        while (*e && *e != ' ' && *e != '>' && *e != '\n') e++;
        size_t k = (size_t)(e - n);
        assert_true(k > 0 && k < 16);
        char name[16];
        memcpy(name, n, k);
        name[k] = '\0';
        const char *gt = strchr(p, '>');
        assert_non_null(gt);
        if (!closing) {
            int is_void = 0;
            for (size_t v = 0; v < sizeof VOID / sizeof *VOID; v++) is_void |= !strcmp(name, VOID[v]);
            if (is_void) continue;
            assert_true(depth < 64);
            memcpy(stack[depth++], name, k + 1);
            /* skip what is not HTML */
            if (!strcmp(name, "svg") || !strcmp(name, "style")) {
                char end[24];
                snprintf(end, sizeof end, "</%s>", name);
                const char *q = strstr(p, end);
                if (q == NULL) fail_msg("<%s> never closed", name);
                p = q - 1;
            }
        } else {
            if (depth == 0) fail_msg("</%s> closes nothing", name);
            depth--;
            if (strcmp(stack[depth], name) != 0) fail_msg("</%s> closes <%s>", name, stack[depth]);
        }
    }
    if (depth != 0) fail_msg("<%s> is never closed", stack[depth - 1]);
}

static void test_blog_page(void **state)
{
    (void)state;
    static const char *const args[] = {"--format", "html", NULL};
    run *r = compute(args);
    int failed = -1;
    char *page = page_of(r, &failed);
    assert_int_equal(failed, 0);
    assert_int_equal(strncmp(page, "<!DOCTYPE html>\n<html lang=\"en\">\n", 32), 0);
    assert_non_null(strstr(page, "<meta charset=\"utf-8\">"));
    size_t len = strlen(page);
    assert_true(len > 16);
    assert_string_equal(page + len - 16, "</body>\n</html>\n");
    /* the figure once, inline, without an XML declaration; no script */
    assert_int_equal(count(page, "<svg"), 1);
    assert_int_equal(count(page, "</svg>"), 1);
    assert_int_equal(count(page, "<?xml"), 0);
    assert_int_equal(count(page, "<script"), 0);
    assert_int_equal(count(page, "<SCRIPT"), 0);
    assert_int_equal(count(page, "<figure>"), 1);
    assert_int_equal(count(page, "<figcaption>"), 1);
    /* self-contained: the only URIs are the SVG namespaces */
    size_t uris = 0;
    for (const char *p = strstr(page, "http"); p; p = strstr(p + 1, "http")) {
        if (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0) continue;
        if (strncmp(p, "http://www.w3.org/2000/svg\"", 27) != 0 &&
            strncmp(p, "http://www.w3.org/1999/xlink\"", 29) != 0)
            fail_msg("a link out of the page: %.60s", p);
        uris++;
    }
    assert_int_equal(uris, 2);
    assert_null(strstr(page, "src=\""));
    assert_null(strstr(page, "<link"));
    assert_null(strstr(page, "@import"));
    /* every <pre> closed before the next opens */
    size_t pres = 0;
    for (const char *p = strstr(page, "<pre>"); p; p = strstr(p + 1, "<pre>")) {
        const char *q = strstr(p, "</pre>"), *next = strstr(p + 1, "<pre>");
        assert_non_null(q);
        assert_true(next == NULL || q < next);
        pres++;
    }
    assert_int_equal(pres, count(page, "</pre>"));
    assert_true(pres >= 10);
    assert_balanced(page);
    /* the walkthrough's headings, and the title */
    static const char *const heads[] = {
        "<h1>Softmax vs sigmoid: where the gradient goes</h1>",
        "<h2>Inputs</h2>",
        "<h2>Logits z = W @ X (one per class; every head starts from this z)</h2>",
        "<h2>Head 1 of 2: sigmoid, loss = nll_loss(log(sigmoid(z)), y)</h2>",
        "<h2>Head 2 of 2: softmax, loss = nll_loss(log(softmax(z)), y)</h2>",
        "<h2>Compared</h2>",
    };
    for (size_t k = 0; k < sizeof heads / sizeof *heads; k++)
        if (count(page, heads[k]) != 1) fail_msg("missing once: %s", heads[k]);
    assert_int_equal(count(page, "<h2>"), 5);
    /* the W.grad tensors as torch prints them, in <pre> */
    assert_non_null(strstr(page, "<pre>tensor([[ 0.0000,  0.0000,  0.0000,  0.0000,  0.0000],\n"
                                 "        [-0.0452, -0.0867, -0.0564, -0.0492, -0.0549],\n"
                                 "        [ 0.0000,  0.0000,  0.0000,  0.0000,  0.0000]])</pre>"));
    /* the lead: the walkthrough's first paragraph, capitalised, one line */
    const char *lead = strstr(page, "<p class=\"lead\">");
    assert_non_null(lead);
    assert_int_equal(
        strncmp(lead, "<p class=\"lead\">The softmax-vs-sigmoid experiment step by step (seed 99, 3 classes,", 82), 0);
    const char *lead_end = strstr(lead, "</p>");
    assert_non_null(lead_end);
    assert_null(memchr(lead, '\n', (size_t)(lead_end - lead)));
    /* the body is html_text of the walkthrough after its first paragraph */
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    assert_non_null(f);
    assert_int_equal(explain_print(f, &r->e, &r->o), EXPLAIN_OK);
    assert_int_equal(fclose(f), 0);
    const char *body = strstr(text, "\n\n");
    assert_non_null(body);
    char *html = html_of(body + 2);
    const char *at = strstr(page, html);
    assert_non_null(at);
    assert_string_equal(at + strlen(html), "</body>\n</html>\n");
    free(html);
    free(text);
    free(page);
    run_free(r);
}

static void test_gradcheck_section(void **state)
{
    (void)state;
    static const char *const args[] = {"--format", "html", "--gradcheck", NULL};
    run *r = compute(args);
    int failed = -1;
    char *page = page_of(r, &failed);
    assert_int_equal(failed, 0);
    const char *g = strstr(page, "<h2>Gradient check</h2>\n<pre>");
    assert_non_null(g);
    assert_non_null(strstr(g, "</pre>\n</body>"));
    assert_balanced(page);
    free(page);
    run_free(r);
    /* without --gradcheck there is none */
    static const char *const plain[] = {"--format", "html", NULL};
    r = compute(plain);
    page = page_of(r, &failed);
    assert_null(strstr(page, "Gradient check"));
    free(page);
    run_free(r);
}

static void test_other_runs_are_pages(void **state)
{
    (void)state;
    static const char *const hidden[] = {"--format", "html", "--hidden", "4,3", "--steps", "3", NULL};
    static const char *const nan[] = {"--format", "html",       "--classes", "50", "--features",
                                      "50",       "--init-std", "20",        NULL};
    static const char *const batch[] = {"--format", "html", "--batch", "2", "--target", "0,2", NULL};
    static const char *const *const cases[] = {hidden, nan, batch};
    for (size_t k = 0; k < 3; k++) {
        run *r = compute(cases[k]);
        int failed = -1;
        char *page = page_of(r, &failed);
        assert_int_equal(count(page, "<svg"), 1);
        assert_int_equal(count(page, "<script"), 0);
        assert_int_equal(count(page, "<pre>"), count(page, "</pre>"));
        assert_balanced(page);
        free(page);
        run_free(r);
    }
}

static void test_html_print_write_error(void **state)
{
    (void)state;
    static const char *const args[] = {"--format", "html", NULL};
    run *r = compute(args);
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    static char buf[32];
    assert_int_equal(setvbuf(f, buf, _IOFBF, sizeof buf), 0);
    int failed = -1;
    assert_int_equal(html_print(f, &r->e, &r->o, &failed), HTML_WRITE);
    (void)fclose(f); /* /dev/full: closing fails too */
    run_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heading),
        cmocka_unit_test(test_tensor_block),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_paragraphs),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_html_text_write_error),
        cmocka_unit_test(test_blog_page),
        cmocka_unit_test(test_gradcheck_section),
        cmocka_unit_test(test_other_runs_are_pages),
        cmocka_unit_test(test_html_print_write_error),
    };
    return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
