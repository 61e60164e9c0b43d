/*
 * test_commitcorpus.c - the commit message parser (lib/commitmsg.c) over
 * tests/unit/commit_corpus.txt: a few hundred messages as real projects
 * write them, each with the type, scope, breaking flag and references
 * it must give.  Every entry is checked and every difference reported
 * (the entry's line, what was expected, what came out), so that a change
 * to the parser shows all it changes at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "commitmsg.h"

#define CORPUS "tests/unit/commit_corpus.txt"

static const char *const key_names[] = { "PROJ", "SEFAZ", "ABC", "CORE",
	"OPS" };
static const struct rel_cm_keys keys = { key_names, 5 };

struct entry {
	int line;              /* of its %% line */
	char *head;            /* "TYPE | SCOPE | BREAKING | ISSUES" */
	char *msg;
	size_t len;
};

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1))) {
		if (fread(s, 1, (size_t)n, f) != (size_t)n) {
			free(s);
			s = NULL;
		} else {
			s[n] = '\0';
		}
	}
	fclose(f);
	return s;
}

/* Split the corpus (changed in place) into entries; their number. */
static size_t
split(char *text, struct entry *v, size_t max)
{
	size_t n = 0;
	int line = 1;
	char *p = text;

	while (*p) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (!strncmp(p, "%% ", 3)) {
			if (n == max)
				fail_msg("more than %zu entries", max);
			v[n].line = line;
			v[n].head = p + 3;
			v[n].msg = nl ? nl + 1 : p + strlen(p);
			n++;
		} else if (n > 0 && nl) {
			*nl = '\n';   /* part of the message */
		}
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
	for (size_t i = 0; i < n; i++) {
		char *end = i + 1 < n ? v[i + 1].head - 3 : v[i].msg +
		    strlen(v[i].msg);

		/* Drop the empty lines at the end, keep one newline. */
		while (end > v[i].msg && end[-1] == '\n')
			end--;
		v[i].len = (size_t)(end - v[i].msg);
		if (end > v[i].msg) {
			*end = '\n';
			v[i].len++;
		}
	}
	return n;
}

/* The fields of a head, blanks trimmed; 0, or -1 if malformed. */
static int
fields(char *head, char *f[4])
{
	for (int k = 0; k < 4; k++) {
		char *bar = strchr(head, '|'), *e;

		if (!bar && k < 3)
			return -1;
		if (bar)
			*bar = '\0';
		while (*head == ' ')
			head++;
		e = head + strlen(head);
		while (e > head && e[-1] == ' ')
			*--e = '\0';
		f[k] = head;
		head = bar ? bar + 1 : head + strlen(head);
	}
	return 0;
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* What the parser gave, in the corpus's notation, into out. */
static void
describe(const struct rel_commitmsg *cm, char *out, size_t n)
{
	char type[REL_CM_MAX_TYPE + 1];
	size_t len = 0;

	if (cm->conventional)
		snprintf(type, sizeof type, "%.*s", (int)cm->type_word.len,
		    cm->type_word.s);
	else
		snprintf(type, sizeof type, "%s", rel_cc_type_name(cm->type));
	lower(type);
	len += (size_t)snprintf(out + len, n - len, "%s | %.*s | %s |", type,
	    (int)cm->scope.len, cm->scope.s ? cm->scope.s : "",
	    cm->breaking ? "!" : "-");
	for (size_t i = 0; i < cm->nissues && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, " %s%.*s",
		    cm->issues[i].closes ? "!" : "", (int)cm->issues[i].ref.len,
		    cm->issues[i].ref.s);
}

static void
test_corpus(void **state)
{
	static struct entry v[1000];
	static struct rel_commitmsg cm;
	char *text = read_all(CORPUS), *f[4];
	char want[4096], got[4096];
	size_t n, bad = 0, conventional = 0, breaking = 0, refs = 0;

	(void)state;
	if (!text)
		fail_msg("cannot read %s (run from the top of the tree)",
		    CORPUS);
	n = split(text, v, sizeof v / sizeof v[0]);
	/* A few hundred, or the test says less than it claims. */
	assert_true(n >= 300);
	for (size_t i = 0; i < n; i++) {
		char *msg = malloc(v[i].len + 1);

		assert_non_null(msg);
		/* Exactly its bytes, so that ASan sees a read past them. */
		memcpy(msg, v[i].msg, v[i].len);
		rel_commitmsg_parse(msg, v[i].len, &keys, &cm);
		if (fields(v[i].head, f) < 0)
			fail_msg("%s:%d: malformed entry", CORPUS, v[i].line);
		snprintf(want, sizeof want, "%s | %s | %s |%s%s", f[0], f[1],
		    f[2], *f[3] ? " " : "", f[3]);
		describe(&cm, got, sizeof got);
		if (strcmp(want, got)) {
			print_error("%s:%d: %.*s\n  want: %s\n  got:  %s\n",
			    CORPUS, v[i].line, (int)(cm.subject.len < 60 ?
			    cm.subject.len : 60), cm.subject.s ? cm.subject.s :
			    "", want, got);
			bad++;
		}
		conventional += (size_t)cm.conventional;
		breaking += (size_t)cm.breaking;
		refs += cm.nissues;
		free(msg);
	}
	print_message("# %zu messages: %zu conventional, %zu breaking, "
	    "%zu references\n", n, conventional, breaking, refs);
	free(text);
	if (bad)
		fail_msg("%zu of %zu corpus messages parsed otherwise", bad, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
