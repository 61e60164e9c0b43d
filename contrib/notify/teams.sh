#!/bin/sh
# teams.sh - a notify command (rel-flow(5), "Notifications") that posts
# the event to a Microsoft Teams incoming webhook (a Workflows webhook:
# a message with an Adaptive Card).
#
#   notify:
#     - run: /usr/local/share/rel/notify/teams.sh
#       on: [failed, terminated]
#
# Environment:
#   TEAMS_WEBHOOK_URL  where to POST (required; not a REL_* name: rel
#                      passes its own REL_* variables and no others)
#   REL_EVENT, REL_RELEASE, REL_ENV, REL_REASON, ...   from rel
#
# The card says what happened in a title and lists the release, the
# environment, the reason and the artifacts as facts.  It is built by jq
# from the environment and sent on curl's standard input: release data
# never goes into a shell string or a command line.  Teams reads a
# card's text and facts as Markdown: a word joiner (U+2060, not seen)
# goes between ] and ( in them, so that a reason cannot hide a link as
# [runbook](https://evil.example); a mention needs the card to declare
# it (msteams entities, never made here), so <at>...</at> is text.
#
# The post is tried at most 3 times, 8 s each, 2 s apart: 28 s, within
# the 30 s a notify command has by default (rel-flow(5)).  Exit status 1
# when the post failed (rel records it on the release, and nothing
# else).
set -eu

: "${TEAMS_WEBHOOK_URL:?set TEAMS_WEBHOOK_URL to the webhook address}"
for c in jq curl; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "teams.sh: $c not found" >&2
		exit 2
	}
done

jq -n -c 'def text: gsub("\\]\\("; "]\u2060(");
    env as $e | {
	type: "message",
	attachments: [{
		contentType: "application/vnd.microsoft.card.adaptive",
		content: {
			"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
			type: "AdaptiveCard", version: "1.4",
			body: [
				{type: "TextBlock", size: "Medium", weight: "Bolder",
				 wrap: true,
				 color: (if ($e.REL_EVENT // "") == "succeeded"
				     then "Good" elif ($e.REL_EVENT // "") == "failed"
				     then "Attention" else "Warning" end),
				 text: ("rel: " + ($e.REL_RELEASE // "?") + " "
				     + ($e.REL_EVENT // "?")
				     + (if ($e.REL_ENV // "") != ""
				     then " in " + $e.REL_ENV else "" end) | text)},
				{type: "FactSet", facts: [
					{title: "Release", value: ($e.REL_RELEASE // "")},
					{title: "Environment", value: ($e.REL_ENV // "")},
					{title: "Reason", value: ($e.REL_REASON // "")},
					{title: "Artifacts",
					 value: (($e.REL_ARTIFACTS // "") | split("\n")
					     | join(", "))},
					{title: "Hotfix", value: ($e.REL_HOTFIX // "no")}
				] | map(.value |= text)}
			]
		}
	}]
}' | curl -fsS --retry 2 --retry-delay 2 --max-time 8 \
    -H 'Content-Type: application/json' --data-binary @- \
    --url "$TEAMS_WEBHOOK_URL" >/dev/null || {
	echo "teams.sh: posting to the webhook failed" >&2
	exit 1
}
