#!/bin/sh
# mail.sh - a notify command (rel-flow(5), "Notifications") that mails
# the event with mail(1).
#
#   notify:
#     - run: /usr/local/share/rel/notify/mail.sh
#       on: [failed, terminated]
#
# Environment:
#   NOTIFY_MAIL_TO   the recipients, comma-separated (required; not a
#                    REL_* name: rel passes its own REL_* variables and no
#                    others)
#   REL_EVENT, REL_RELEASE, REL_ENV, REL_REASON, ...   from rel
#
# Subject "rel: web-42 failed in qa"; the body lists the release's data,
# one "name: value" per line.  Release data reaches mail(1) as one
# argument (the subject) and on its standard input, never through a
# shell string.  Exit status 1 when mail failed (rel records it on the
# release, and nothing else).
set -eu

: "${NOTIFY_MAIL_TO:?set NOTIFY_MAIL_TO to the recipients}"
command -v mail >/dev/null 2>&1 || {
	echo "mail.sh: mail not found" >&2
	exit 2
}
case $NOTIFY_MAIL_TO in
-*) echo "mail.sh: NOTIFY_MAIL_TO must not start with -" >&2; exit 2 ;;
esac

subject="rel: ${REL_RELEASE:-?} ${REL_EVENT:-?}${REL_ENV:+ in $REL_ENV}"
# Control characters have no place in a header.
subject=$(printf '%s' "$subject" | tr -d '\000-\037\177')
{
	printf 'release:   %s\n' "${REL_RELEASE:-}"
	printf 'event:     %s\n' "${REL_EVENT:-}"
	printf 'env:       %s\n' "${REL_ENV:-}"
	printf 'status:    %s (release: %s)\n' "${REL_STATUS:-}" \
	    "${REL_RELEASE_STATUS:-}"
	printf 'reason:    %s\n' "${REL_REASON:-}"
	printf 'hotfix:    %s\n' "${REL_HOTFIX:-}"
	printf 'message:   %s\n' "${REL_MESSAGE:-}"
	printf 'by:        %s\n' "${REL_BY:-}"
	printf 'artifacts:\n'
	printf '%s\n' "${REL_ARTIFACTS:-}" | sed 's/^/    /'
	printf '\nrel-status --history %s\n' "${REL_RELEASE:-}"
} | mail -s "$subject" "$NOTIFY_MAIL_TO" || {
	echo "mail.sh: mail failed" >&2
	exit 1
}
