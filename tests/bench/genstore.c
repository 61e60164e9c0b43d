/*
 * genstore - build a product with N releases fast, for benchmarks.
 *
 *   genstore STATE PRODUCT N
 *
 * Writes each record through the library's own line writers (header,
 * then transitions: dev and qa succeeded, prod succeeded for most, a few
 * failed or suspended), as rel-create and rel-promote would, but without
 * the per-release fsync and lock that make real writes durable: this is
 * a fixture, not a store anyone relies on.  Then builds the index with
 * the library, as rel-status --check does.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flow.h"
#include "index.h"
#include "io.h"
#include "record.h"
#include "release.h"
#include "store.h"
#include "when.h"

static const char flow_yaml[] =
    "components: [api, ui]\n"
    "environments:\n"
    "  - name: dev\n"
    "    action: 'true'\n"
    "  - name: qa\n"
    "    action: 'true'\n"
    "  - name: prod\n"
    "    trigger: manual\n"
    "    action: 'true'\n";

static void
env_lines(struct rel_buf *b, int64_t t, const char *env, const char *end)
{
	char obj[64];

	rel_tr_line(b, t, "bench", env, "pending", "running", 1, "",
	    "how=promote mode=fresh runner=1 host=bench");
	for (int c = 0; c < 2; c++) {
		snprintf(obj, sizeof obj, "%s/action/%s", env, c ? "ui" : "api");
		rel_tr_line(b, t, "bench", obj, "pending", "running", 1, "",
		    "pid=1 pgid=1 pstart=1 boot=- host=bench");
		rel_tr_line(b, t + 5, "bench", obj, "running", end, 1, "",
		    "code=0 tries=1 ms=5");
	}
	rel_tr_line(b, t + 6, "bench", env, "running", end, 1, "", "");
}

int
main(int argc, char **argv)
{
	struct rel_store st;
	struct rel_product p;
	struct rel_flow *flow;
	struct rel_err err;
	struct rel_buf rec = REL_BUF_INIT;
	char hash[65], id[128], path[4096];
	const char *versions[2] = { "1.0.0", "2.0.0" };
	unsigned long n, count;
	int64_t t;

	if (argc != 4 || (n = strtoul(argv[3], NULL, 10)) == 0) {
		fprintf(stderr, "usage: genstore STATE PRODUCT N\n");
		return 2;
	}
	if (rel_store_open(&st, argv[1], 1, "genstore", &err) ||
	    rel_product_open(&st, argv[2], 1, &p, &err) ||
	    rel_flow_parse("bench.yaml", flow_yaml, sizeof flow_yaml - 1,
	    argv[2], &flow, &err) ||
	    rel_flow_store(&p, flow_yaml, sizeof flow_yaml - 1, hash, &err)) {
		fprintf(stderr, "genstore: %s\n", err.msg);
		return 1;
	}
	t = rel_now_ms() - (int64_t)n * 60000;
	for (unsigned long i = 1; i <= n; i++, t += 60000) {
		struct rel_new_release nr = {
			.product = argv[2], .created = t,
			.by = "bench", .hotfix = i % 50 == 0, .rev = NULL,
			.repo = NULL, .message = "generated for a benchmark",
			.flow_hash = hash, .flow_source = "bench.yaml",
			.versions = versions,
		};
		int fd;

		snprintf(id, sizeof id, "%s-%lu", argv[2], i);
		rel_buf_reset(&rec);
		rel_release_header(&rec, &nr, flow);
		if (i + 5 < n) {
			env_lines(&rec, t + 1000, "dev", "succeeded");
			env_lines(&rec, t + 2000, "qa", i % 97 ? "succeeded" :
			    "failed");
			if (i % 97)
				env_lines(&rec, t + 3000, "prod", "succeeded");
		}
		fd = openat(p.releases, id, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || rel_write_all(fd, rec.s, rec.len, id, &err) ||
		    close(fd) < 0) {
			fprintf(stderr, "genstore: cannot write %s\n", id);
			return 1;
		}
	}
	rel_buf_free(&rec);
	if (rel_release_reindex(&p, &count, &err)) {
		fprintf(stderr, "genstore: %s\n", err.msg);
		return 1;
	}
	rel_product_path(&p, NULL, path, sizeof path);
	printf("%lu releases in %s\n", count, path);
	rel_flow_free(flow);
	rel_product_close(&p);
	rel_store_close(&st);
	return 0;
}
