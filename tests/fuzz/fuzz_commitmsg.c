/*
 * fuzz_commitmsg.c - the commit message parser of rel-notes
 * (lib/commitmsg.c) on arbitrary bytes, NUL included.
 *
 * The message is copied into a buffer of exactly its size, so that a read
 * outside msg[0..len) is caught by AddressSanitizer.  Promises checked
 * (commitmsg.h): every span lies inside the message and never starts or
 * ends with a line end; one-line spans hold none; the lists stay within
 * their caps and issues are distinct; the flags agree with each other;
 * parsing is deterministic and sets every field (two parses over results
 * filled with different garbage agree); the type names round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commitmsg.h"
#include "fuzz.h"

/* Keys as a flow names them, so that KEY-N references are looked for. */
static const char *const key_names[] = { "ABC", "PROJ", "GH" };
static const struct rel_cm_keys keys = { key_names, 3 };

static void
check_span(const char *msg, size_t len, struct rel_span sp, int one_line)
{
	if (sp.s == NULL) {
		FUZZ_CHECK(sp.len == 0);
		return;
	}
	FUZZ_CHECK(sp.s >= msg && sp.len <= len &&
	    (size_t)(sp.s - msg) <= len - sp.len);
	if (sp.len == 0)
		return;
	FUZZ_CHECK(sp.s[0] != '\n' && sp.s[sp.len - 1] != '\n');
	if (one_line)
		FUZZ_CHECK(memchr(sp.s, '\n', sp.len) == NULL);
}

static int
span_eq(struct rel_span a, struct rel_span b)
{
	return a.len == b.len && (a.len == 0 || (a.s == b.s));
}

static void
check(const char *msg, size_t len, const struct rel_commitmsg *cm)
{
	FUZZ_CHECK((unsigned)cm->type < REL_CC_NTYPES);
	FUZZ_CHECK(cm->conventional == 0 || cm->conventional == 1);
	if (cm->bang)
		FUZZ_CHECK(cm->breaking && cm->conventional);
	if (cm->breaking_text.len)
		FUZZ_CHECK(cm->breaking);
	if (cm->conventional) {
		FUZZ_CHECK(cm->type_word.len > 0 &&
		    cm->type_word.len <= REL_CM_MAX_TYPE &&
		    cm->type_word.s == cm->subject.s);
		FUZZ_CHECK(cm->type == REL_CC_OTHER || cm->type ==
		    rel_cc_type_parse(cm->type_word.s, cm->type_word.len));
	} else {
		FUZZ_CHECK(cm->type_word.len == 0);
		FUZZ_CHECK(cm->scope.len == 0);
		/* Only what `git revert` writes has a type without the form. */
		FUZZ_CHECK(cm->type == REL_CC_OTHER ||
		    cm->type == REL_CC_REVERT);
		FUZZ_CHECK(span_eq(cm->desc, cm->subject));
	}
	check_span(msg, len, cm->subject, 1);
	check_span(msg, len, cm->scope, 1);
	check_span(msg, len, cm->type_word, 1);
	check_span(msg, len, cm->desc, 1);
	check_span(msg, len, cm->body, 0);
	check_span(msg, len, cm->breaking_text, 0);
	if (cm->subject.len) {
		/* Blanks trimmed. */
		FUZZ_CHECK(cm->subject.s[0] != ' ' && cm->subject.s[0] != '\t');
		FUZZ_CHECK(cm->subject.s[cm->subject.len - 1] != ' ' &&
		    cm->subject.s[cm->subject.len - 1] != '\t' &&
		    cm->subject.s[cm->subject.len - 1] != '\r');
	}
	FUZZ_CHECK(cm->ntrailers <= REL_CM_MAX_TRAILERS);
	FUZZ_CHECK(cm->nissues <= REL_CM_MAX_ISSUES);
	for (size_t i = 0; i < cm->ntrailers; i++) {
		check_span(msg, len, cm->trailers[i].key, 1);
		check_span(msg, len, cm->trailers[i].value, 0);
		FUZZ_CHECK(cm->trailers[i].key.len > 0);
	}
	for (size_t i = 0; i < cm->nissues; i++) {
		const struct rel_cm_issue *is = &cm->issues[i];

		check_span(msg, len, is->ref, 1);
		FUZZ_CHECK(is->ref.len > 0);
		FUZZ_CHECK(is->kind == REL_ISSUE_HASH ||
		    is->kind == REL_ISSUE_REPO || is->kind == REL_ISSUE_KEY);
		FUZZ_CHECK(is->closes == 0 || is->closes == 1);
		if (is->kind == REL_ISSUE_HASH)
			FUZZ_CHECK(is->ref.s[0] == '#');
		else if (is->kind == REL_ISSUE_REPO)
			FUZZ_CHECK(memchr(is->ref.s, '#', is->ref.len) != NULL);
		else
			FUZZ_CHECK(memchr(is->ref.s, '-', is->ref.len) != NULL);
		/* Distinct: no two with the same text. */
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(cm->issues[j].ref.len != is->ref.len ||
			    memcmp(cm->issues[j].ref.s, is->ref.s,
			    is->ref.len) != 0);
	}
}

static void
same_span(struct rel_span a, struct rel_span b)
{
	FUZZ_CHECK(a.len == b.len);
	FUZZ_CHECK(a.len == 0 || a.s == b.s);
}

/* Two parses into results filled with different bytes: a field the
 * parser forgot to set shows as a difference. */
static void
check_deterministic(const char *msg, size_t len)
{
	struct rel_commitmsg *a = malloc(sizeof *a), *b = malloc(sizeof *b);

	if (!a || !b)
		abort();
	memset(a, 0x00, sizeof *a);
	memset(b, 0xa5, sizeof *b);
	rel_commitmsg_parse(msg, len, &keys, a);
	rel_commitmsg_parse(msg, len, &keys, b);
	FUZZ_CHECK(a->type == b->type && a->conventional == b->conventional &&
	    a->bang == b->bang && a->breaking == b->breaking);
	same_span(a->subject, b->subject);
	same_span(a->scope, b->scope);
	same_span(a->type_word, b->type_word);
	same_span(a->desc, b->desc);
	same_span(a->body, b->body);
	same_span(a->breaking_text, b->breaking_text);
	FUZZ_CHECK(a->ntrailers == b->ntrailers &&
	    a->trailers_dropped == b->trailers_dropped);
	FUZZ_CHECK(a->nissues == b->nissues &&
	    a->issues_dropped == b->issues_dropped);
	for (size_t i = 0; i < a->ntrailers && i < REL_CM_MAX_TRAILERS; i++) {
		same_span(a->trailers[i].key, b->trailers[i].key);
		same_span(a->trailers[i].value, b->trailers[i].value);
	}
	for (size_t i = 0; i < a->nissues && i < REL_CM_MAX_ISSUES; i++) {
		same_span(a->issues[i].ref, b->issues[i].ref);
		FUZZ_CHECK(a->issues[i].kind == b->issues[i].kind &&
		    a->issues[i].closes == b->issues[i].closes);
	}
	check(msg, len, a);
	free(a);
	free(b);
}

int
rel_fuzz_commitmsg(const uint8_t *data, size_t size)
{
	char *msg = fuzz_copy(data, size, 0);

	check_deterministic(msg, size);
	for (int t = 0; t < REL_CC_NTYPES; t++) {
		const char *name = rel_cc_type_name((enum rel_cc_type)t);

		FUZZ_CHECK(name && rel_cc_type_title((enum rel_cc_type)t));
		FUZZ_CHECK(rel_cc_type_parse(name, strlen(name)) ==
		    (enum rel_cc_type)t);
	}
	/* The type parser on the first bytes, as a word. */
	(void)rel_cc_type_parse(msg, size < 32 ? size : 32);
	free(msg);
	return 0;
}

#ifndef REL_FUZZ_NO_MAIN
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rel_fuzz_commitmsg(data, size);
}
#endif
