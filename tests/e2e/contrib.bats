#!/usr/bin/env bats
# contrib.bats - the examples of contrib/ are what people copy: each is
# checked at least for syntax, and where it can run here, it is run
# against a scratch store (the CI job as GitLab's shell executor runs it,
# the metrics service's command, the webhook hook with a stand-in curl).
# Each test's name says what it checks; checks that need a tool this
# machine lacks are skipped, saying so.

load lib

CONTRIB=$REL_TOP/contrib

# yaml_json FILE: FILE as JSON on stdout (PyYAML, else yq); skips the test
# when neither is installed.
yaml_json() {
	if python3 -c 'import yaml' 2>/dev/null; then
		python3 -c 'import json, sys, yaml
json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' "$1"
	elif command -v yq >/dev/null; then
		yq -o=json '.' "$1" 2>/dev/null || yq '.' "$1"
	else
		skip "no YAML parser (python3 yaml, yq) installed: not checked"
	fi
}

# flow_fails_in_qa: the product web, whose deployment to qa fails.
flow_fails_in_qa() {
	write_flow "$REL_STATE_DIR/flows/web.yaml" <<'EOF'
components: [api, ui]
environments:
  - name: dev
    action: "echo deployed $REL_COMPONENT $REL_VERSION to dev"
  - name: qa
    action: "echo cannot reach qa for $REL_COMPONENT; exit 1"
  - name: prod
    trigger: manual
    action: "true"
EOF
}

@test "shell scripts: sh -n, and shellcheck when installed" {
	local f n=0

	for f in "$CONTRIB"/*.sh "$CONTRIB"/notify/*.sh; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		run sh -n "$f"
		assert_status 0
		if command -v shellcheck >/dev/null; then
			run shellcheck -s sh "$f"
			assert_status 0
		fi
	done
	[ "$n" -ge 4 ]
	for f in slack teams mail; do
		[ -x "$CONTRIB/notify/$f.sh" ]
	done
}

@test "CI YAML files parse, and their scripts pass bash -n" {
	local json

	json=$(yaml_json "$CONTRIB/ci/gitlab-ci.yml")
	# Every job's script, as the runner would hand it to bash.
	run jq -e '[to_entries[] | select(.value | type == "object" and
	    has("script"))] | length >= 2' <<<"$json"
	assert_status 0
	for job in $(jq -r 'to_entries[] | select(.value | type == "object"
	    and has("script")) | .key' <<<"$json"); do
		run bash -n <(jq -r --arg j "$job" '.[$j].script[]' <<<"$json")
		assert_status 0
	done

	json=$(yaml_json "$CONTRIB/ci/github-actions.yml")
	# (YAML 1.1 parsers read the key `on` as true; GitHub does not.)
	run jq -e '.jobs.release."runs-on" and (.jobs.release.steps |
	    length >= 3) and ((.on // .["true"]).push | type == "object")' \
	    <<<"$json"
	assert_status 0
	n=$(jq '[.jobs[].steps[] | select(.run)] | length' <<<"$json")
	[ "$n" -ge 3 ]
	for ((i = 0; i < n; i++)); do
		run bash -n <(jq -r --argjson i "$i" \
		    '[.jobs[].steps[] | select(.run)][$i].run' <<<"$json")
		assert_status 0
	done
	# Event data reaches scripts through env:, never spliced into them.
	run jq -r '.jobs[].steps[] | select(.run) | .run' <<<"$json"
	assert_not_contains "$output" '${{'
}

@test "GitLab job, fed to bash on stdin as the shell executor does: a failed release fails it, with logs" {
	local json repo script

	json=$(yaml_json "$CONTRIB/ci/gitlab-ci.yml")
	script=$SCRATCH/job.sh
	{
		echo 'set -eo pipefail'
		jq -r '.release.script[]' <<<"$json"
	} >"$script"
	# Each rel command gets </dev/null: with no ids it would read them from
	# standard input, which is the rest of the script.
	run grep -E '(^|[^a-z-])rel-[a-z]+ ' "$script"
	[ "${#lines[@]}" -ge 4 ]
	for l in "${lines[@]}"; do
		assert_contains "$l" "</dev/null"
	done
	repo=$SCRATCH/repo
	make_repo "$repo"
	flow_fails_in_qa
	cd "$repo"
	export CI_COMMIT_SHA CI_COMMIT_SHORT_SHA CI_COMMIT_TITLE CI_PROJECT_DIR
	CI_COMMIT_SHA=$(git rev-parse HEAD)
	CI_COMMIT_SHORT_SHA=${CI_COMMIT_SHA:0:8}
	CI_COMMIT_TITLE="second; rm -rf / \$(touch $SCRATCH/pwned)"
	CI_PROJECT_DIR=$repo
	run bash <"$script"
	[ "$status" -ne 0 ]
	assert_contains "$output" "release web-1"
	assert_contains "$output" "--- logs of web-1 in qa"
	# api and ui deploy at once; the first to fail stops the other, which
	# may not have printed yet: one of the two failures is in the log.
	assert_contains "$output" "cannot reach qa for "
	[ ! -e "$SCRATCH/pwned" ]
	[ "$(cat release.env)" = "REL_ID=web-1" ]
	run rel-status --format tsv web-1
	assert_contains "$output" "failed"

	# A release that reaches the manual gate: the job passes.
	sed -i 's/exit 1/true/' "$REL_STATE_DIR/flows/web.yaml"
	run bash <"$script"
	assert_status 0
	assert_contains "$output" "release web-2"
	run rel-status --format json web-2
	[ "$(jq -r .status <<<"$output")" = suspended ]
	[ "$(jq -r .rev <<<"$output")" = "$CI_COMMIT_SHA" ]
}

@test "Jenkinsfile: braces balance, its shell blocks pass sh -n" {
	local f=$CONTRIB/ci/Jenkinsfile open close n=0 block

	open=$(tr -cd '{' <"$f" | wc -c)
	close=$(tr -cd '}' <"$f" | wc -c)
	[ "$open" -eq "$close" ]
	[ "$open" -gt 5 ]
	# Each sh '''...''' block, with Groovy's \\ made \ as Groovy does.
	while IFS= read -r -d '' block; do
		n=$((n + 1))
		run sh -n -c "$block"
		assert_status 0
	done < <(awk '
		/'"'''"'/ && !inside { inside = 1; buf = ""; next }
		/'"'''"'/ && inside { inside = 0; printf "%s%c", buf, 0; next }
		inside { gsub(/\\\\/, "\\"); buf = buf $0 "\n" }' "$f")
	[ "$n" -ge 2 ]
	grep -q "pipeline {" "$f"
}

@test "systemd units: systemd-analyze verify (man pages not checked)" {
	local d=$SCRATCH/units f

	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed: not checked"
	mkdir -p "$d"
	# The units name the installed commands: point them at this tree's.
	for f in "$CONTRIB"/systemd/*; do
		sed "s#/usr/local/bin/#$REL_BIN/#g" "$f" >"$d/${f##*/}"
	done
	[ -f "$d/rel-terminate-expired.service" ]
	[ -f "$d/rel-terminate-expired.timer" ]
	[ -f "$d/rel-metrics.service" ]
	[ -f "$d/rel-metrics.timer" ]
	[ -f "$d/rel-html.service" ]
	[ -f "$d/rel-html.timer" ]
	cd "$d"
	run systemd-analyze verify --man=no ./*.service ./*.timer
	assert_status 0
	# Not even a warning (an unknown key is only a warning).
	assert_output ""
	grep -qx 'ExecStart=/usr/local/bin/rel-terminate --expired' \
	    "$CONTRIB/systemd/rel-terminate-expired.service"
	grep -qx 'OnCalendar=minutely' "$CONTRIB/systemd/rel-metrics.timer"
}

@test "rel-metrics.service's command writes rel.prom whole, leaving no temporary file" {
	local cmd

	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	cmd=$(sed -n 's/^ExecStart=//p' "$CONTRIB/systemd/rel-metrics.service")
	# systemd's $$ is a literal $; the tree's commands, not installed ones.
	cmd=$(sed "s/\\\$\\\$/\$/g; s#/usr/local/bin/#$REL_BIN/#g" <<<"$cmd")
	mkdir -p "$SCRATCH/textfile"
	TEXTFILE_DIR=$SCRATCH/textfile eval "$cmd"
	[ "$(ls "$SCRATCH/textfile")" = rel.prom ]
	expected=$(rel-status --format prom </dev/null)
	[ -n "$expected" ]
	diff <(echo "$expected") "$SCRATCH/textfile/rel.prom"
	# A failure leaves the old file and no temporary one.
	chmod 555 "$SCRATCH/textfile"
	if ! touch "$SCRATCH/textfile/probe" 2>/dev/null; then
		TEXTFILE_DIR=$SCRATCH/textfile run eval "$cmd"
		[ "$status" -ne 0 ]
		[ "$(ls "$SCRATCH/textfile")" = rel.prom ]
	fi
	chmod 755 "$SCRATCH/textfile"
}

@test "rel-html.service's command writes the page whole, leaving no temporary file" {
	local cmd

	flow_web
	rel-create web -a api=1 -a ui=1 -m '<b>bold</b>' >/dev/null
	cmd=$(sed -n 's/^ExecStart=//p' "$CONTRIB/systemd/rel-html.service")
	cmd=$(sed "s/\\\$\\\$/\$/g; s#/usr/local/bin/#$REL_BIN/#g" <<<"$cmd")
	mkdir -p "$SCRATCH/www"
	WEBROOT=$SCRATCH/www eval "$cmd"
	[ "$(ls "$SCRATCH/www")" = index.html ]
	grep -q '<meta http-equiv="refresh" content="60">' "$SCRATCH/www/index.html"
	grep -q '<section class="release" id="web-1">' "$SCRATCH/www/index.html"
	grep -qF '&lt;b&gt;bold&lt;/b&gt;' "$SCRATCH/www/index.html"
	tail -n 1 "$SCRATCH/www/index.html" | grep -qx '</html>'
	# A failure leaves the old page and no temporary file.
	cp "$SCRATCH/www/index.html" "$SCRATCH/before.html"
	chmod 555 "$SCRATCH/www"
	if ! touch "$SCRATCH/www/probe" 2>/dev/null; then
		WEBROOT=$SCRATCH/www run eval "$cmd"
		[ "$status" -ne 0 ]
		[ "$(ls "$SCRATCH/www")" = index.html ]
		cmp "$SCRATCH/before.html" "$SCRATCH/www/index.html"
	fi
	chmod 755 "$SCRATCH/www"
	rm -f "$SCRATCH/www/probe"  # root may write it anyway
	# So does a page rel-status cannot make whole (a release not found).
	cmd=${cmd/--format html/--format html web-9}
	WEBROOT=$SCRATCH/www run eval "$cmd"
	[ "$status" -ne 0 ]
	[ "$(ls "$SCRATCH/www")" = index.html ]
	cmp "$SCRATCH/before.html" "$SCRATCH/www/index.html"
}

@test "crontab's html line, run as cron runs it, writes the page whole" {
	local cmd

	cmd=$(grep -E '^[*0-9@].*--format html' "$CONTRIB/html.cron.example")
	[ -n "$cmd" ]
	cmd=$(sed -E 's/^([^ ]+ +){5}//' <<<"$cmd")
	mkdir -p "$SCRATCH/www"
	# cron puts a crontab's variables in the job's environment.
	export WEBROOT=$SCRATCH/www
	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	# cron: sh -c, and an empty pipe on standard input.
	: | sh -c "$cmd"
	[ "$(ls "$SCRATCH/www")" = index.html ]
	grep -q '<section class="product" id="web">' "$SCRATCH/www/index.html"
	tail -n 1 "$SCRATCH/www/index.html" | grep -qx '</html>'
}

@test "crontab examples: 5 time fields, a command from bin/, no bare %" {
	local f line n=0 t cmd

	for f in "$CONTRIB"/crontab*.example "$CONTRIB"/*.cron.example; do
		[ -f "$f" ] || continue
		while IFS= read -r line; do
			case $line in
			'' | '#'*) continue ;;
			[A-Za-z_]*=*) continue ;; # MAILTO=, PATH=...
			esac
			n=$((n + 1))
			read -r -a t <<<"$line"
			if [[ ${t[0]} == @* ]]; then
				t=("${t[@]:1}")
			else
				[ "${#t[@]}" -gt 5 ] || {
					echo "$f: not 5 fields and a command: $line" >&2
					false
				}
				for i in 0 1 2 3 4; do
					[[ ${t[i]} =~ ^[0-9*/,-]+$ ]] || {
						echo "$f: bad time field '${t[i]}': $line" >&2
						false
					}
				done
				t=("${t[@]:5}")
			fi
			# The command, after any VAR=value before it.
			while [[ ${t[0]-} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
				t=("${t[@]:1}")
			done
			cmd=${t[0]-}
			[ -n "$cmd" ] && [ -x "$REL_BIN/${cmd##*/}" ] || {
				echo "$f: no command ${cmd##*/} in bin/: $line" >&2
				false
			}
			# cron makes an unescaped % a newline.
			[[ ! $line =~ (^|[^\\])% ]] || {
				echo "$f: unescaped %: $line" >&2
				false
			}
		done <"$f"
	done
	[ "$n" -gt 0 ] || skip "no crontab example in contrib/ yet"
}

@test "crontab's metrics line, run as cron runs it, writes rel.prom whole" {
	local f cmd dir

	for f in "$CONTRIB"/crontab*.example "$CONTRIB"/*.cron.example; do
		[ -f "$f" ] || continue
		cmd=$(grep -E '^[*0-9@].*--format prom' "$f" | head -n 1)
		[ -z "$cmd" ] || break
	done
	[ -n "$cmd" ] || skip "no crontab line writes metrics yet"
	cmd=$(sed -E 's/^([^ ]+ +){5}//' <<<"$cmd")
	mkdir -p "$SCRATCH/textfile"
	# The directory it writes to, made a scratch one: a literal path, or
	# the crontab's TEXTFILE_DIR (cron puts a crontab's variables in the
	# job's environment).
	dir=$(grep -oE '/[^ "$]*/rel\.prom' <<<"$cmd" | head -n 1)
	dir=${dir%/rel.prom}
	[ -z "$dir" ] || cmd=${cmd//"$dir"/$SCRATCH/textfile}
	export TEXTFILE_DIR=$SCRATCH/textfile
	flow_web
	rel-create web -a api=1 -a ui=1 >/dev/null
	# cron: sh -c, and an empty pipe on standard input.
	: | sh -c "$cmd"
	[ "$(ls "$SCRATCH/textfile")" = rel.prom ]
	diff <(rel-status --format prom </dev/null) "$SCRATCH/textfile/rel.prom"
	grep -q '^rel_releases{product="web",status="pending"} 1$' \
	    "$SCRATCH/textfile/rel.prom"
}

# fake_curl: a curl on PATH that keeps each body it is sent in
# $SCRATCH/posted.N and its arguments in $SCRATCH/curl.args; it fails when
# $SCRATCH/curl.fails exists.
fake_curl() {
	mkdir -p "$SCRATCH/fakebin"
	cat >"$SCRATCH/fakebin/curl" <<'EOF'
#!/bin/sh
[ -e "$SCRATCH/curl.fails" ] && { echo "curl: (7) refused" >&2; exit 7; }
n=$(ls "$SCRATCH" | grep -c '^posted\.')
printf '%s\n' "$@" >"$SCRATCH/curl.args"
while [ $# -gt 0 ]; do
	case $1 in
	--data-binary) cat "${2#@}" >"$SCRATCH/posted.$((n + 1))"; shift ;;
	esac
	shift
done
EOF
	chmod +x "$SCRATCH/fakebin/curl"
	PATH=$SCRATCH/fakebin:$PATH
}

# flow_notify CMD...: web, failing in qa, with a notify command for each
# CMD (a contrib/notify script) on failed and suspended.  One component,
# so that which one fails first is no race.
flow_notify() {
	local c

	{
		cat <<'EOF'
components: [api]
environments:
  - name: dev
    action: "true"
  - name: qa
    action: "echo cannot reach qa; exit 1"
notify:
EOF
		for c; do
			printf '  - run: %s\n    on: [failed, suspended]\n' \
			    "$CONTRIB/notify/$c"
		done
	} | write_flow "$REL_STATE_DIR/flows/web.yaml"
}

@test "notify/slack.sh: the event as Slack-style JSON, built by jq, data as data" {
	fake_curl
	export SLACK_WEBHOOK_URL=https://hooks.example.org/T0/B0
	flow_notify slack.sh
	id=$(rel-create web -a api='1.0;rm -rf /' -m 'it "quotes"')
	run rel-promote "$id"
	assert_status 1
	run jq -c . "$SCRATCH/posted.1"
	assert_status 0
	assert_output '{"text":"rel: web-1 failed in qa: qa action api failed: exit 1","event":"failed","id":"web-1","product":"web","env":"qa","reason":"qa action api failed: exit 1","hotfix":false}'
	grep -qx "https://hooks.example.org/T0/B0" "$SCRATCH/curl.args"
	grep -qx "Content-Type: application/json" "$SCRATCH/curl.args"
	[ ! -e "$SCRATCH/posted.2" ]
	# A post that fails is on the release's record, and nothing else.
	touch "$SCRATCH/curl.fails"
	id2=$(rel-create web -a api=2)
	run rel-promote "$id2"
	assert_status 1
	run rel-status --history "$id2"
	assert_contains "$output" "$(printf 'qa:notify-1\tfailed\tfailed\texit 1')"
	assert_eq status "$(rel-status "$id2" | cut -f3)" failed
	# Without its URL it says so, in its log.
	rm "$SCRATCH/curl.fails"
	unset SLACK_WEBHOOK_URL
	id3=$(rel-create web -a api=3)
	rel-promote "$id3" || true
	zcat "$REL_STATE_DIR/products/web/logs/$id3/qa/"notify-1@failed.1.log.gz |
	    grep -q SLACK_WEBHOOK_URL
}

@test "notify/teams.sh: an Adaptive Card message with the release as facts" {
	fake_curl
	export TEAMS_WEBHOOK_URL=https://example.webhook.office.com/x
	flow_notify teams.sh
	id=$(rel-create web --hotfix -a api='$(touch pwned)')
	run rel-promote "$id"
	assert_status 1
	run jq -r '.type, .attachments[0].contentType,
	    (.attachments[0].content.body[0] | .text, .color),
	    (.attachments[0].content.body[1].facts[] | .title + "=" + .value)' \
	    "$SCRATCH/posted.1"
	assert_status 0
	assert_output - <<'EOF'
message
application/vnd.microsoft.card.adaptive
rel: web-1 failed in qa
Attention
Release=web-1
Environment=qa
Reason=qa action api failed: exit 1
Artifacts=api=$(touch pwned)
Hotfix=yes
EOF
	[ ! -e pwned ] && [ ! -e "$SCRATCH/pwned" ]
}

# curl_budget: the longest the fake curl's last post may take, in
# seconds, from its arguments: --max-time for each of 1 + --retry tries,
# --retry-delay between them (curl's own 1 s, doubling, without it).
curl_budget() {
	awk 'prev == "--max-time" { t = $0 } prev == "--retry" { r = $0 }
	    prev == "--retry-delay" { d = $0; fixed = 1 } { prev = $0 }
	    END {
		if (t == "") { print 999; exit }
		w = 0; step = 1
		for (i = 0; i < r; i++) { w += fixed ? d : step; step *= 2 }
		print t * (r + 1) + w
	    }' "$SCRATCH/curl.args"
}

@test "notify/slack.sh and teams.sh: free text is text, and a post fits in the default timeout" {
	fake_curl
	local hostile='<!channel> prod is down & see <https://evil.example|INC-1 runbook>, [runbook](https://evil.example) @here'

	SLACK_WEBHOOK_URL=https://hooks.example.org/T0/B0 REL_EVENT=terminated \
	    REL_RELEASE=web-7 REL_ENV=prod REL_REASON=$hostile \
	    sh "$CONTRIB/notify/slack.sh"
	text=$(jq -r .text "$SCRATCH/posted.1")
	# Slack's escapes; Mattermost's Markdown and mentions broken by a
	# word joiner (U+2060) that nobody sees.
	wj=$(printf '\342\201\240')
	assert_eq text "$text" "rel: web-7 terminated in prod: &lt;!channel&gt; prod is down &amp; see &lt;https://evil.example|INC-1 runbook&gt;, [runbook]${wj}(https://evil.example) @${wj}here"
	# The reason itself is still there, as it was, for whoever reads it.
	assert_eq reason "$(jq -r .reason "$SCRATCH/posted.1")" "$hostile"
	# At most 30 s (rel-flow(5): a notify command's default timeout),
	# retries included.
	[ "$(curl_budget)" -le 30 ] || {
		echo "slack.sh may take $(curl_budget) s" >&2
		false
	}
	TEAMS_WEBHOOK_URL=https://example.webhook.office.com/x \
	    REL_EVENT=failed REL_RELEASE=web-7 REL_ENV=prod \
	    REL_REASON=$hostile REL_ARTIFACTS='api=[1](https://evil.example)' \
	    sh "$CONTRIB/notify/teams.sh"
	run jq -r '.attachments[0].content.body[1].facts[] | .value' \
	    "$SCRATCH/posted.2"
	assert_contains "$output" "[runbook]${wj}(https://evil.example)"
	assert_contains "$output" "api=[1]${wj}(https://evil.example)"
	assert_not_contains "$output" "]("
	[ "$(curl_budget)" -le 30 ] || {
		echo "teams.sh may take $(curl_budget) s" >&2
		false
	}
}

@test "notify/mail.sh: a subject and a body, on mail's standard input" {
	mkdir -p "$SCRATCH/fakebin"
	cat >"$SCRATCH/fakebin/mail" <<'EOF'
#!/bin/sh
n=$(ls "$SCRATCH" | grep -c '^mailed\.')
printf '%s\n' "$@" >"$SCRATCH/mail.args.$((n + 1))"
cat >"$SCRATCH/mailed.$((n + 1))"
EOF
	chmod +x "$SCRATCH/fakebin/mail"
	PATH=$SCRATCH/fakebin:$PATH
	export NOTIFY_MAIL_TO=oncall@example.org
	flow_notify mail.sh
	id=$(rel-create web -a api='1;`touch pwned`' -m 'fix; rm -rf /')
	run rel-promote "$id"
	assert_status 1
	assert_eq args "$(cat "$SCRATCH/mail.args.1")" "$(printf '%s\n' -s \
	    'rel: web-1 failed in qa' oncall@example.org)"
	grep -qx 'reason:    qa action api failed: exit 1' "$SCRATCH/mailed.1"
	grep -qx 'message:   fix; rm -rf /' "$SCRATCH/mailed.1"
	grep -qx '    api=1;`touch pwned`' "$SCRATCH/mailed.1"
	[ ! -e pwned ] && [ ! -e "$SCRATCH/pwned" ]
	[ ! -e "$SCRATCH/mailed.2" ]
}

@test "contrib/README.md names every file in contrib/" {
	local f missing=

	while IFS= read -r f; do
		f=${f#"$CONTRIB"/}
		case $f in README.md) continue ;; esac
		# The systemd pairs are named as `name.service`, `.timer`.
		grep -qF -- "${f%.timer}" "$CONTRIB/README.md" ||
		    missing+=" $f"
	done < <(find "$CONTRIB" -type f | sort)
	[ -z "$missing" ] || { echo "not in README.md:$missing" >&2; false; }
}
