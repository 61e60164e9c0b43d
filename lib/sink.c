/*
 * sink.c - the views' columns, and their rows as TSV, a table or JSON.
 */
#include <string.h>

#include "json.h"
#include "sink.h"

#define LAYOUT(var, nm, ...) \
	static const struct rel_column var##_cols[] = { __VA_ARGS__ }; \
	const struct rel_layout var = { nm, \
	    sizeof var##_cols / sizeof var##_cols[0], var##_cols }

LAYOUT(rel_layout_summary, "summary",
	{ "ID", "id", REL_COL_TEXT },
	{ "PRODUCT", "product", REL_COL_TEXT },
	{ "STATUS", "status", REL_COL_STATUS },
	{ "CREATED", "created", REL_COL_TEXT },
	{ "BY", "by", REL_COL_TEXT },
	{ "HOTFIX", "hotfix", REL_COL_YESNO },
	{ "ENVIRONMENTS", "envs", REL_COL_TEXT });

LAYOUT(rel_layout_envs, "envs",
	{ "ID", "id", REL_COL_TEXT },
	{ "ENV", "env", REL_COL_TEXT },
	{ "STATUS", "status", REL_COL_STATUS },
	{ "STARTED", "started", REL_COL_TEXT },
	{ "FINISHED", "finished", REL_COL_TEXT },
	{ "LIVE", "live", REL_COL_YESNO });

LAYOUT(rel_layout_steps, "steps",
	{ "ID", "id", REL_COL_TEXT },
	{ "ENV", "env", REL_COL_TEXT },
	{ "STEP", "step", REL_COL_TEXT },
	{ "COMPONENT", "component", REL_COL_TEXT },
	{ "STATUS", "status", REL_COL_STATUS },
	{ "ATTEMPT", "attempt", REL_COL_NUMBER },
	{ "STARTED", "started", REL_COL_TEXT },
	{ "FINISHED", "finished", REL_COL_TEXT },
	{ "SECONDS", "seconds", REL_COL_NUMBER },
	{ "CODE", "code", REL_COL_NUMBER },
	{ "REASON", "reason", REL_COL_TEXT });

LAYOUT(rel_layout_history, "history",
	{ "TIME", "time", REL_COL_TEXT },
	{ "ID", "id", REL_COL_TEXT },
	{ "BY", "by", REL_COL_TEXT },
	{ "WHAT", "what", REL_COL_TEXT },
	{ "FROM", "from", REL_COL_STATUS },
	{ "TO", "to", REL_COL_STATUS },
	{ "WHY", "why", REL_COL_TEXT });

LAYOUT(rel_layout_live, "live",
	{ "ENV", "env", REL_COL_TEXT },
	{ "RELEASE", "release", REL_COL_TEXT },
	{ "SINCE", "since", REL_COL_TEXT },
	{ "HOW", "how", REL_COL_TEXT },
	{ "BY", "by", REL_COL_TEXT },
	{ "PRODUCT", "product", REL_COL_TEXT },
	{ "STATE", "state", REL_COL_TEXT });

LAYOUT(rel_layout_envhist, "envhist",
	{ "TIME", "time", REL_COL_TEXT },
	{ "ENV", "env", REL_COL_TEXT },
	{ "RELEASE", "release", REL_COL_TEXT },
	{ "STATUS", "status", REL_COL_STATUS },
	{ "HOW", "how", REL_COL_TEXT },
	{ "BY", "by", REL_COL_TEXT },
	{ "PREVIOUS", "previous", REL_COL_TEXT },
	{ "WHY", "why", REL_COL_TEXT });

LAYOUT(rel_layout_frozen, "frozen",
	{ "PRODUCT", "product", REL_COL_TEXT },
	{ "ENV", "env", REL_COL_TEXT },
	{ "SINCE", "since", REL_COL_TEXT },
	{ "UNTIL", "until", REL_COL_TEXT },
	{ "SOURCE", "source", REL_COL_TEXT },
	{ "BY", "by", REL_COL_TEXT },
	{ "HOTFIX", "hotfix", REL_COL_TEXT },
	{ "REASON", "reason", REL_COL_TEXT });

LAYOUT(rel_layout_check, "check",
	{ "PRODUCT", "product", REL_COL_TEXT },
	{ "RELEASES", "releases", REL_COL_NUMBER },
	{ "TRANSITIONS", "transitions", REL_COL_NUMBER },
	{ "ENV-RUNS", "env_runs", REL_COL_NUMBER },
	{ "PROBLEMS", "problems", REL_COL_NUMBER },
	{ "FIXED", "fixed", REL_COL_NUMBER },
	{ "STALE", "stale", REL_COL_NUMBER });

void
rel_sink_begin(struct rel_sink *s, const struct rel_layout *layout)
{
	const char *head[REL_TABLE_COLS];

	s->layout = layout;
	if (s->format != REL_FMT_TABLE)
		return;
	for (size_t i = 0; i < layout->ncols && i < REL_TABLE_COLS; i++)
		head[i] = layout->cols[i].header;
	rel_table_init(&s->table, layout->ncols, 1);
	rel_table_row(&s->table, head);
}

static void
json_row(struct rel_sink *s, const char *const *cells)
{
	struct rel_json j;

	rel_json_init(&j, s->out);
	rel_json_open(&j, NULL, '{');
	for (size_t i = 0; i < s->layout->ncols; i++) {
		const struct rel_column *c = &s->layout->cols[i];
		const char *v = cells[i];

		if (!v || !strcmp(v, "-"))
			rel_json_null(&j, c->key);
		else if (c->type == REL_COL_YESNO)
			rel_json_bool(&j, c->key, !strcmp(v, "yes"));
		else if (c->type == REL_COL_NUMBER && *v &&
		    strspn(v, "0123456789.") == strlen(v))
			rel_json_num(&j, c->key, v);
		else
			rel_json_str(&j, c->key, v);
	}
	rel_json_close(&j);
	rel_buf_addc(s->out, '\n');
}

void
rel_sink_row(struct rel_sink *s, const char *const *cells)
{
	const struct rel_layout *l = s->layout;

	switch (s->format) {
	case REL_FMT_TABLE:
		rel_table_row(&s->table, cells);
		for (size_t i = 0; i < l->ncols; i++)
			if (l->cols[i].type == REL_COL_STATUS && cells[i])
				rel_table_color(&s->table, i,
				    rel_status_color(cells[i]));
		break;
	case REL_FMT_JSON:
		json_row(s, cells);
		break;
	case REL_FMT_TSV:
		for (size_t i = 0; i < l->ncols; i++) {
			if (i)
				rel_buf_addc(s->out, '\t');
			rel_buf_add_tsv(s->out, cells[i] ? cells[i] : "");
		}
		rel_buf_addc(s->out, '\n');
		break;
	}
}

size_t
rel_sink_end(struct rel_sink *s)
{
	size_t rows = 0;

	if (s->format == REL_FMT_TABLE && s->layout) {
		rows = s->table.nrows ? s->table.nrows - 1 : 0;
		if (rows)
			rel_table_render(&s->table, s->color, s->out);
		rel_table_free(&s->table);
	}
	s->layout = NULL;
	return rows;
}
