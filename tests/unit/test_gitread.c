/*
 * test_gitread.c - rel-notes' own git reading on hostile and odd input:
 * a commit object taken apart (parents, signatures, the encoding header)
 * and its message made UTF-8; the mailmap's forms and precedence; and a
 * commit-graph, a pack and its index written by git, then damaged byte
 * by byte, a few thousand times: every lookup must stay inside the files
 * (AddressSanitizer and valgrind watch) and give either an error or the
 * right answer, never a wrong one (objects are checked against their id,
 * and a damaged graph must fail its checksum).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gitcommit.h"
#include "gitgraph.h"
#include "gitmailmap.h"
#include "gitodb.h"
#include "gitsha1.h"
#include "unit.h"

static char dir[UNIT_DIR_MAX];

/* A repository of n commits with merges, written by git, in dir/r. */
static void
make_repo(int n)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd,
	    "cd %s && git init -q --bare r && "
	    "awk 'BEGIN { for (i = 1; i <= %d; i++) {"
	    " print \"commit refs/heads/\" (i %% 3 ? \"a\" : \"b\");"
	    " print \"mark :\" i;"
	    " print \"committer D <d@e> \" (1600000000 + i * 60) \" +0000\";"
	    " print \"data <<E\"; print \"commit \" i; print \"E\";"
	    " if (i > 3) print \"from :\" (i - 3);"
	    " if (i > 6 && i %% 7 == 0) print \"merge :\" (i - 5);"
	    " if (i > 9 && i %% 11 == 0) { print \"merge :\" (i - 7);"
	    "   print \"merge :\" (i - 8) }"
	    " print \"\" } }' | git -C r fast-import --quiet && "
	    "git -C r commit-graph write --reachable",
	    dir, n);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	if (system(cmd) != 0)
		fail_msg("could not make the repository");
}

static int
setup(void **state)
{
	(void)state;
	return unit_mkdtemp(dir);
}

static int
teardown(void **state)
{
	(void)state;
	return unit_rm_rf(dir);
}

static void
test_commit_parse(void **state)
{
	static const char raw[] =
	    "tree 1111111111111111111111111111111111111111\n"
	    "parent 2222222222222222222222222222222222222222\n"
	    "parent 3333333333333333333333333333333333333333\n"
	    "parent 4444444444444444444444444444444444444444\n"
	    "author Ann Dev <ann@example.org> 1700000000 +0100\n"
	    "committer Bob <bob@example.org> 1700000060 -0500\n"
	    "encoding ISO-8859-1\n"
	    "gpgsig -----BEGIN PGP SIGNATURE-----\n"
	    " parent 5555555555555555555555555555555555555555\n"
	    " -----END PGP SIGNATURE-----\n"
	    "\n"
	    "caf\xe9\n";
	struct rel_git_commit c;
	unsigned char oid[REL_GIT_RAWSZ];
	char hex[REL_GIT_HEXSZ + 1];

	(void)state;
	rel_git_commit_parse(raw, sizeof raw - 1, &c);
	assert_int_equal(c.nparents, 3);
	assert_int_equal(rel_git_commit_parent(&c, 2, oid), 0);
	rel_git_oid_to_hex(oid, hex);
	assert_string_equal(hex, "4444444444444444444444444444444444444444");
	assert_int_equal(rel_git_commit_parent(&c, 3, oid), -1);
	assert_int_equal(c.time, 1700000060);
	assert_int_equal(c.author_time, 1700000000);
	assert_int_equal(c.namelen, 7);
	assert_memory_equal(c.name, "Ann Dev", 7);
	assert_memory_equal(c.email, "ann@example.org", c.emaillen);
	assert_int_equal(c.encodinglen, 10);
	assert_int_equal(c.msglen, 5);

	/* Malformed: what can be read, never past the end. */
	static const char *const bad[] = { "", "\n", "parent xyz\n\nm",
		"author <a@b\n", "author\n", "author N <a> x\n",
		"parent 2222222222222222222222222222222222222222" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = strlen(bad[i]);
		char *copy = malloc(len + 1);

		memcpy(copy, bad[i], len);
		rel_git_commit_parse(copy, len, &c);
		if (c.nparents)
			assert_int_equal(rel_git_commit_parent(&c, 0, oid), -1);
		free(copy);
	}
}

static void
test_recode(void **state)
{
	static const char latin1[] = "author Jos\xe9 <j@e> 1 +0000\n"
	    "encoding ISO-8859-1\n\ncaf\xe9 cr\xe8me\n";
	static const char utf8[] = "author A <a@e> 1 +0000\n"
	    "encoding UTF8\n\ncaf\xc3\xa9\n";
	static const char unknown[] = "author A <a@e> 1 +0000\n"
	    "encoding x-no-such-thing\n\ncaf\xe9\n";
	struct rel_git_recode r = REL_GIT_RECODE_INIT;
	struct rel_buf out = REL_BUF_INIT;
	struct rel_git_commit c;

	(void)state;
	rel_git_commit_parse(latin1, sizeof latin1 - 1, &c);
	assert_int_equal(rel_git_recode(&r, &c, latin1, sizeof latin1 - 1,
	    &out), 1);
	rel_git_commit_parse(out.s, out.len, &c);
	assert_memory_equal(c.name, "Jos\xc3\xa9", c.namelen);
	assert_int_equal(c.msglen, strlen("caf\xc3\xa9 cr\xc3\xa8me\n"));
	assert_memory_equal(c.msg, "caf\xc3\xa9 cr\xc3\xa8me\n", c.msglen);
	/* The converter is kept for the next commit in the same encoding. */
	rel_git_commit_parse(latin1, sizeof latin1 - 1, &c);
	assert_int_equal(rel_git_recode(&r, &c, latin1, sizeof latin1 - 1,
	    &out), 1);
	rel_git_commit_parse(utf8, sizeof utf8 - 1, &c);
	assert_int_equal(rel_git_recode(&r, &c, utf8, sizeof utf8 - 1, &out),
	    0);
	rel_git_commit_parse(unknown, sizeof unknown - 1, &c);
	assert_int_equal(rel_git_recode(&r, &c, unknown, sizeof unknown - 1,
	    &out), 0);
	rel_git_recode_free(&r);
	rel_buf_free(&out);
}

/* name <email> as mapped, "-" if not. */
static void
maps(const struct rel_git_mailmap *mm, const char *name, const char *email,
    const char *want)
{
	char got[256];
	const char *n = name, *e = email;
	size_t nl = strlen(name), el = strlen(email);

	if (rel_git_mailmap_map(mm, &n, &nl, &e, &el))
		snprintf(got, sizeof got, "%.*s <%.*s>", (int)nl, n, (int)el,
		    e);
	else
		snprintf(got, sizeof got, "-");
	if (strcmp(got, want))
		fail_msg("%s <%s>: got %s, want %s", name, email, got, want);
}

static void
test_mailmap(void **state)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "Ann Dev <ann@old>\n"
	    "<bob@new> <BOB@x>\n"
	    "Bob Builder <bob@new> Robert <bob@x>\n"
	    "Cy <cy@x> C <shared@x>\n"
	    "Dee <dee@x> D <shared@x>\n"
	    "Eve <> <eve@x>\n"
	    "No <> email\n"
	    "<> <first@empty>\n"
	    "  Spaced   Name   <sp@x>  \r\n"
	    "Ann Later <ann@old>\n";
	struct rel_git_mailmap *mm = rel_git_mailmap_new();

	(void)state;
	assert_int_equal(rel_git_mailmap_add(mm, text, sizeof text - 1), 0);
	assert_int_equal(rel_git_mailmap_finish(mm), 0);
	maps(mm, "ann", "ANN@OLD", "Ann Later <ANN@OLD>");
	maps(mm, "Bob", "bob@X", "Bob <bob@new>");
	maps(mm, "ROBERT", "bob@x", "Bob Builder <bob@new>");
	maps(mm, "C", "shared@x", "Cy <cy@x>");
	maps(mm, "d", "SHARED@x", "Dee <dee@x>");
	maps(mm, "Zed", "shared@x", "-");
	/* An empty first address makes git skip the line. */
	maps(mm, "E", "eve@x", "-");
	maps(mm, "F", "first@empty", "-");
	maps(mm, "S", "sp@x", "Spaced   Name <sp@x>");
	maps(mm, "N", "nobody@x", "-");
	assert_int_equal(rel_git_mailmap_count(mm), 4);
	rel_git_mailmap_free(mm);
}

/* Every commit of the graph, looked at in every way. */
static void
graph_walk_all(const struct rel_git_graph *g)
{
	for (uint32_t pos = 0; pos < rel_git_graph_count(g) + 2; pos++) {
		struct rel_git_graph_commit c;
		const unsigned char *oid = rel_git_graph_oid(g, pos);
		uint32_t p;

		if (oid)
			(void)rel_git_graph_find(g, oid);
		if (rel_git_graph_commit(g, pos, &c) < 0)
			continue;
		for (size_t k = 0; k < 70; k++)
			if (rel_git_graph_extra_parent(g, &c, k, &p) <= 0)
				break;
	}
}

static void
test_graph_damaged(void **state)
{
	char path[UNIT_PATH_MAX], objdir[UNIT_PATH_MAX], why[160];
	struct rel_git_graph *g;
	struct rel_buf orig = REL_BUF_INIT;
	uint32_t seed = 1;
	int opened = 0, caught = 0;

	(void)state;
	make_repo(200);
	unit_path(objdir, dir, "r/objects");
	unit_path(path, dir, "r/objects/info/commit-graph");
	unit_read_file(path, &orig);
	assert_int_equal(rel_git_graph_open(objdir, &g, why, sizeof why), 1);
	assert_int_equal(rel_git_graph_verify(g), 0);
	assert_true(rel_git_graph_v2(g));
	assert_true(rel_git_graph_count(g) > 150);
	graph_walk_all(g);
	rel_git_graph_close(g);
	for (int round = 0; round < 800; round++) {
		char *d = malloc(orig.len);
		size_t at, len = orig.len;

		memcpy(d, orig.s, orig.len);
		seed = seed * 1103515245u + 12345u;
		at = (seed >> 8) % orig.len;
		if (round % 10 == 0) {
			len = at;          /* cut short */
		} else {
			seed = seed * 1103515245u + 12345u;
			d[at] ^= (char)(1 + (seed >> 24) % 255);
		}
		unit_write_file(path, d, len);
		free(d);
		if (!rel_git_graph_open(objdir, &g, why, sizeof why))
			continue;
		opened++;
		graph_walk_all(g);
		if (rel_git_graph_verify(g) < 0)
			caught++;
		rel_git_graph_close(g);
	}
	/* Every damaged graph that opened failed its checksum. */
	assert_int_equal(caught, opened);
	assert_true(opened > 100);
	rel_buf_free(&orig);
}

/* Read every object of the list: each is an error or what its id says. */
static int
read_all(const struct rel_git_odb *odb, const char *ids, int *wrong)
{
	static const char *const names[] = { "", "commit", "tree", "blob",
		"tag" };
	int ok = 0;

	for (const char *p = ids; *p; p += REL_GIT_HEXSZ + 1) {
		unsigned char oid[REL_GIT_RAWSZ], h[REL_GIT_RAWSZ];
		enum rel_git_type t;
		struct rel_err err;
		char *data, hdr[64];
		size_t len;
		struct rel_buf b = REL_BUF_INIT;

		if (rel_git_hex_to_oid(p, oid) < 0)
			break;
		if (rel_git_odb_read(odb, oid, &t, &data, &len, &err) != 0)
			continue;
		rel_buf_add(&b, hdr, (size_t)snprintf(hdr, sizeof hdr, "%s %zu",
		    names[t], len) + 1);
		rel_buf_add(&b, data, len);
		rel_sha1(b.s, b.len, h);
		if (memcmp(h, oid, REL_GIT_RAWSZ))
			(*wrong)++;
		else
			ok++;
		rel_buf_free(&b);
		free(data);
	}
	return ok;
}

static void
test_pack_damaged(void **state)
{
	char cmd[1024], objdir[UNIT_PATH_MAX], idx[UNIT_PATH_MAX];
	char pack[UNIT_PATH_MAX], ids_path[UNIT_PATH_MAX];
	struct rel_buf ids = REL_BUF_INIT, oi = REL_BUF_INIT, op = REL_BUF_INIT;
	struct rel_git_odb *odb;
	struct rel_err err;
	uint32_t seed = 7;
	int wrong = 0, all;
	FILE *f;

	(void)state;
	make_repo(120);
	/* One pack whose commits are deltas of each other. */
	snprintf(cmd, sizeof cmd, "cd %s/r && git repack -adfq --depth=50 "
	    "--window=250 && git cat-file --batch-all-objects "
	    "--batch-check='%%(objectname)' > ../ids && "
	    "for f in objects/pack/*.idx; do echo $f; done > ../idx && "
	    "for f in objects/pack/*.pack; do echo $f; done > ../pack", dir);
	assert_int_equal(system(cmd), 0);
	unit_path(ids_path, dir, "ids");
	unit_read_file(ids_path, &ids);
	unit_path(objdir, dir, "r/objects");
	assert_int_equal(rel_git_odb_open(objdir, &odb, &err), 0);
	all = read_all(odb, ids.s, &wrong);
	assert_int_equal(wrong, 0);
	assert_int_equal((size_t)all, ids.len / (REL_GIT_HEXSZ + 1));
	rel_git_odb_close(odb);

	/* The files' paths, from the lists written above. */
	snprintf(cmd, sizeof cmd, "%s/idx", dir);
	assert_non_null(f = fopen(cmd, "r"));
	assert_non_null(fgets(cmd, sizeof cmd, f));
	fclose(f);
	cmd[strcspn(cmd, "\n")] = '\0';
	snprintf(idx, sizeof idx, "%s/r/%.200s", dir, cmd);
	snprintf(cmd, sizeof cmd, "%s/pack", dir);
	assert_non_null(f = fopen(cmd, "r"));
	assert_non_null(fgets(cmd, sizeof cmd, f));
	fclose(f);
	cmd[strcspn(cmd, "\n")] = '\0';
	snprintf(pack, sizeof pack, "%s/r/%.200s", dir, cmd);
	unit_read_file(idx, &oi);
	unit_read_file(pack, &op);
	for (int round = 0; round < 240; round++) {
		struct rel_buf *which = round % 2 ? &op : &oi;
		const char *path = round % 2 ? pack : idx;
		char *d = malloc(which->len);
		size_t at, len = which->len;

		memcpy(d, which->s, which->len);
		seed = seed * 1103515245u + 12345u;
		at = (seed >> 8) % which->len;
		if (round % 9 == 0) {
			len = at;
		} else {
			seed = seed * 1103515245u + 12345u;
			d[at] ^= (char)(1 + (seed >> 24) % 255);
		}
		unit_write_file(path, d, len);
		free(d);
		if (rel_git_odb_open(objdir, &odb, &err) == 0) {
			read_all(odb, ids.s, &wrong);
			rel_git_odb_close(odb);
		}
		unit_write_file(path, which->s, which->len);
	}
	/* Damage gives errors, never another object under an id. */
	assert_int_equal(wrong, 0);
	rel_buf_free(&ids);
	rel_buf_free(&oi);
	rel_buf_free(&op);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_parse),
		cmocka_unit_test(test_recode),
		cmocka_unit_test(test_mailmap),
		cmocka_unit_test_setup_teardown(test_graph_damaged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pack_damaged, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
