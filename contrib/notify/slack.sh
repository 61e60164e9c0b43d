#!/bin/sh
# slack.sh - a notify command (rel-flow(5), "Notifications") that posts
# the event to a Slack or Mattermost incoming webhook.
#
#   notify:
#     - run: /usr/local/share/rel/notify/slack.sh
#       on: [failed, terminated, suspended, frozen]
#
# Environment:
#   SLACK_WEBHOOK_URL  where to POST (required; not a REL_* name: rel
#                      passes its own REL_* variables and no others)
#   REL_EVENT, REL_RELEASE, REL_ENV, REL_REASON, ...   from rel
#
# The body is one JSON object built by jq from the environment:
#   {"text": "rel: web-42 failed in qa: qa action api failed: exit 3",
#    "event": "failed", "id": "web-42", "product": "web",
#    "env": "qa", "reason": "...", "hotfix": false}
# "text" is what Slack and Mattermost show.  Release data goes from the
# environment to jq to curl's standard input: never into a shell string
# or a command line.  In "text" it is text, not markup: &, < and > are
# escaped as Slack wants (&amp; &lt; &gt;), so that a reason such as
# "<!channel>" or "<https://evil.example|runbook>" (free text from
# rel-terminate --reason, rel-freeze --reason, a step's output) neither
# pings a channel nor hides a link; and a word joiner (U+2060, not seen)
# goes after each @ and between ] and (, so that Mattermost, which reads
# Markdown and @mentions, finds neither @channel nor [text](link).
#
# The post is tried at most 3 times, 8 s each, 2 s apart: 28 s, within
# the 30 s a notify command has by default (rel-flow(5)).  Exit status 1
# when the post failed: rel records it on the release (rel-status
# --history); it changes nothing else.
set -eu

: "${SLACK_WEBHOOK_URL:?set SLACK_WEBHOOK_URL to the webhook address}"
for c in jq curl; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "slack.sh: $c not found" >&2
		exit 2
	}
done

jq -n -c 'def text: gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;")
	| gsub("@"; "@\u2060") | gsub("\\]\\("; "]\u2060(");
    env as $e | {
	text: ("rel: " + ($e.REL_RELEASE // "?") + " " + ($e.REL_EVENT // "?")
	    + (if ($e.REL_ENV // "") != "" then " in " + $e.REL_ENV else "" end)
	    + (if ($e.REL_REASON // "") != "" then ": " + $e.REL_REASON
	    else "" end) | text),
	event: $e.REL_EVENT, id: $e.REL_RELEASE, product: $e.REL_PRODUCT,
	env: $e.REL_ENV, reason: $e.REL_REASON,
	hotfix: (($e.REL_HOTFIX // "no") == "yes")
}' | curl -fsS --retry 2 --retry-delay 2 --max-time 8 \
    -H 'Content-Type: application/json' --data-binary @- \
    --url "$SLACK_WEBHOOK_URL" >/dev/null || {
	echo "slack.sh: posting to the webhook failed" >&2
	exit 1
}
