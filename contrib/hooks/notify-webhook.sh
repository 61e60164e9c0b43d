#!/bin/sh
# notify-webhook.sh - post the failed environments of releases to a webhook
# (Slack, Mattermost, Teams, or anything that takes a JSON body).
#
#   notify-webhook.sh RELEASE...   the failed environments of these
#                                  releases, e.g. from CI after a failed
#                                  `rel-promote "$id"`
#   notify-webhook.sh              every failed environment not posted yet:
#                                  for cron, e.g.
#                                  * * * * *  /usr/local/share/rel/notify-webhook.sh
#
# Environment:
#   REL_WEBHOOK_URL   where to POST (required)
#   REL_NOTIFY_SENT   the file that remembers what was posted, so that
#                     cron posts each failure once (default
#                     ${XDG_CACHE_HOME:-$HOME/.cache}/rel/notified); with
#                     RELEASE operands it is not used: you asked, it posts
#   REL_STATE_DIR     the store, as for every rel command
#
# The body is one JSON object, built by jq from `rel-status --format json`:
#   {"text": "rel: web-42 failed in qa", "failed": [{"release": "web-42",
#    "product": "web", "env": "qa", "finished": "2026-...Z"}, ...]}
# "text" is what Slack-style webhooks show.  Release data (ids, names)
# goes from rel-status to jq to curl's standard input: it is never spliced
# into a shell string or a command line.
#
# A post step of a flow is no place for it: post steps run only after an
# environment's action and verification succeeded, so they never see
# their own environment fail.
#
# Silent when there is nothing to post; exit status 1 when the post
# failed (cron mails it, and the next run tries again), 2 on bad usage.
set -eu

: "${REL_WEBHOOK_URL:?set REL_WEBHOOK_URL to the webhook address}"
for c in rel-status jq curl; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "notify-webhook: $c not found" >&2
		exit 2
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rel-notify.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# One line per failed environment: {"id","env","status","finished",...}.
if [ $# -gt 0 ]; then
	rel-status --envs --format json -- "$@" </dev/null >"$tmp/envs"
	sent=
else
	rel-status --status failed --envs --format json </dev/null >"$tmp/envs"
	sent=${REL_NOTIFY_SENT:-${XDG_CACHE_HOME:-$HOME/.cache}/rel/notified}
	mkdir -p "$(dirname "$sent")"
	[ -f "$sent" ] || : >"$sent"
fi

# The failures to post: each known by release, environment and the time
# it failed, so that a retry that fails again is posted again.
if [ -n "$sent" ]; then
	jq -c --rawfile sent "$sent" '
		select(.status == "failed")
		| ([.id, .env, (.finished // "")] | join(" ")) as $key
		| select([$sent | split("\n")[] | select(. == $key)] | length == 0)
		| . + {key: $key}' "$tmp/envs" >"$tmp/new"
else
	jq -c 'select(.status == "failed")' "$tmp/envs" >"$tmp/new"
fi
[ -s "$tmp/new" ] || exit 0

jq -s -c '{
	text: ("rel: " + (map(.id + " failed in " + .env) | join(", "))),
	failed: map({release: .id, product: (.id | sub("-[0-9]+$"; "")),
	    env: .env, finished: .finished})
}' "$tmp/new" >"$tmp/body"

if ! curl -fsS --retry 3 --max-time 30 -H 'Content-Type: application/json' \
    --data-binary @"$tmp/body" --url "$REL_WEBHOOK_URL" >/dev/null; then
	echo "notify-webhook: posting to the webhook failed" >&2
	exit 1
fi
if [ -n "$sent" ]; then
	jq -r '.key' "$tmp/new" >>"$sent"
fi
