#!/usr/bin/env bats
# rel-status --format html: one self-contained page, read as HTML by tidy
# and as a page by a real browser (Debian's chromium, headless, started by
# the tests themselves, each with an empty profile of its own).
#
# One store serves every test (made once, in setup_file): a product web
# whose flow has parallel branches and a manual gate, with a release that
# went through, a hostile one whose api failed in qa (a message that is an
# <img onerror>, a version that closes an attribute and opens a script,
# outputs that are javascript: and http URLs, a log with markup and
# terminal escapes), and a hotfix waiting at the gate; a product shop.
#
# The browser is slow to start (a second or more each): four starts in
# all, each page checked for several things.

load lib

# The version and message of the hostile release: if either became markup,
# a script would set the page's title to "pwned".
HOSTILE_VERSION="\"><script>document.title='pwned'</script>"
HOSTILE_MESSAGE="<img src=x onerror=\"document.title='pwned'\">"

setup_file() {
	rel_setup
	export STORE=$BATS_FILE_TMPDIR/state
	export PAGES=$BATS_FILE_TMPDIR
	export REL_STATE_DIR=$STORE
	write_flow "$STORE/flows/web.yaml" <<'EOF'
components: [api, ui]
environments:
  - name: dev
    action: 'echo "url=https://dev.example.org/$REL_COMPONENT?a=1&b=<2>" >> "$REL_OUTPUT"'
    post:
      - name: links
        run: 'echo "link=javascript:document.title=1" >> "$REL_OUTPUT"; echo "page=HTTPS://example.org/x" >> "$REL_OUTPUT"'
  - name: qa
    action: |
      test "$REL_RELEASE-$REL_COMPONENT" != web-2-api || {
        i=1; while [ $i -le 100 ]; do echo "line $i"; i=$((i + 1)); done
        printf '\033[31m<script>document.title="pwned"</script>\033[0m & done\r\n'
        exit 1
      }
  - name: staging-eu
    needs: qa
    action: 'true'
  - name: staging-us
    needs: qa
    action: 'true'
  - name: prod
    trigger: manual
    needs: [staging-eu, staging-us]
    action: 'true'
EOF
	write_flow "$STORE/flows/shop.yaml" <<'EOF'
environments:
  - name: live
    action: 'true'
EOF
	{
		rel-create web -a api=1.0 -a ui=2.0 -m "first release" --by alice &&
		rel-promote web-1 &&
		rel-promote web-1 prod &&
		rel-create web -a "api=$HOSTILE_VERSION" -a ui=2.1 \
		    -m "$HOSTILE_MESSAGE" --by mallory &&
		{ rel-promote web-2 || true; } &&
		rel-create web --hotfix -a api=1.0.1 -a ui=2.0 -m "fix leak" \
		    --by bob &&
		rel-promote web-3 &&
		rel-create shop -a shop=7 -m "shop" &&
		rel-promote shop-1
	} >"$BATS_FILE_TMPDIR/setup.log" 2>&1
	rel-status --format html web >"$PAGES/web.html"
}

teardown_file() {
	rel_teardown
}

setup() {
	rel_setup
	REL_STATE_DIR=$STORE
}

need() {
	command -v "$1" >/dev/null || skip "$1 is not installed: not checked"
}

# tidy_clean FILE: tidy finds neither error nor warning in it (leaving
# $output and $status alone).
tidy_clean() {
	local said

	need tidy
	if ! said=$(tidy -errors -quiet "$1" 2>&1); then
		printf 'tidy on %s:\n%s\n' "$1" "$said" >&2
		return 1
	fi
}

# never REGEX FILE: no line of FILE matches (grep -iE).  (A bare `! grep`
# cannot fail a bats test.)
never() {
	if grep -iE -- "$1" "$2" >&2; then
		echo "matched '$1' in $2 (above)" >&2
		return 1
	fi
}

# browser ARGS... URL: headless chromium with an empty profile of its
# own; what it prints on stdout.  Without the background-networking
# flags it tries to reach the network, which this machine refuses.
browser() {
	local profile

	need chromium
	profile=$(mktemp -d "$SCRATCH/profile.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$profile" "$@" 2>>"$SCRATCH/chromium.err"
}

@test "a product's page: valid HTML5, its flow, a row per release, a column per environment, a section per release" {
	local page=$PAGES/web.html

	tidy_clean "$page"
	grep -q '^<!DOCTYPE html>$' "$page"
	# The flow: a box per environment, an arrow per need, the gate dashed.
	svg=$(sed -n '/<svg /,/<\/svg>/p' "$page")
	[ "$(grep -o '<g class="env' <<<"$svg" | wc -l)" -eq 5 ]
	[ "$(grep -o '<path ' <<<"$svg" | wc -l)" -eq 5 ]
	assert_contains "$svg" '<g class="env manual s-succeeded">'
	assert_contains "$svg" '>web-1 succeeded</text><text x="20" y="'
	assert_contains "$svg" '>live: web-1</text>'
	# Parallel branches side by side: staging-eu and -us at one height.
	[ "$(grep -o '<text x="[0-9]*" y="[0-9]*" class="n">staging-[eu][us]<' <<<"$svg" |
	    sed 's/.* y="\([0-9]*\)".*/\1/' | sort -u | wc -l)" -eq 1 ]
	# The table: newest first, a column per environment in the flow's
	# order, each status a word in a cell of its colour's class.
	head=$(grep -o '<thead>.*</thead>' "$page" | head -n 1)
	assert_eq columns "$(sed 's/<[^>]*>/ /g' <<<"$head" | tr -s ' ')" \
	    " release status created by hotfix message dev qa staging-eu staging-us prod "
	rows=$(sed -n '/<table class="releases">/,/<\/table>/p' "$page" | grep '^<tr><th scope="row">')
	assert_eq ids "$(grep -o 'href="#[^"]*"' <<<"$rows" | tr '\n' ' ')" \
	    'href="#web-3" href="#web-2" href="#web-1" '
	assert_contains "$(sed -n 1p <<<"$rows")" '<td class="hotfix">hotfix</td>'
	assert_contains "$(sed -n 1p <<<"$rows")" '<td class="st s-suspended">suspended</td></tr>'
	assert_contains "$(sed -n 2p <<<"$rows")" '<td class="st s-failed">failed</td><td class="st s-pending">pending</td>'
	assert_contains "$(sed -n 3p <<<"$rows")" '<td class="st s-succeeded">succeeded<span class="live">live</span></td></tr>'
	lacking=$(grep -o '<td class="st s-[a-z]*">[^<]*<' "$page" |
	    grep -v 's-\([a-z]*\)">\1<' || true)
	assert_eq "cells whose word is not their class" "$lacking" ""
	# Each row links to its release's section, which says who promoted.
	for id in web-1 web-2 web-3; do
		grep -q "<section class=\"release\" id=\"$id\">" "$page"
	done
	sec=$(sed -n '/id="web-1"/,/<\/section>/p' "$page")
	assert_contains "$sec" '<dd><code>api=1.0</code>, <code>ui=2.0</code></dd>'
	assert_contains "$sec" '<tr class="env"><th scope="row">prod</th><td class="st s-succeeded">succeeded</td><td>1</td>'
	assert_contains "$sec" "<td>$USER</td>"
	assert_contains "$sec" '<td class="step">action api</td><td class="st s-succeeded">succeeded</td><td>1</td><td><time datetime="'
}

@test "nothing on the page is active: no script, no style attribute, nothing loaded, hostile values as text, links only to http(s)" {
	local page=$PAGES/web.html

	never '<script' "$page"
	never '<[^>]* (on[a-z]+|style|src)=' "$page"
	never '<(img|iframe|object|embed|link|base|form)[ >]' "$page"
	# The hostile strings, escaped.
	grep -qF '&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;' "$page"
	grep -qF '<code>api=&quot;&gt;&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;</code>' "$page"
	# Outputs: http(s) URLs are links (escaped), javascript: is text.
	grep -qF '<a href="https://dev.example.org/api?a=1&amp;b=%3C2%3E">https://dev.example.org/api?a=1&amp;b=&lt;2&gt;</a>' "$page"
	grep -qF '<a href="HTTPS://example.org/x">' "$page"
	grep -qF 'link = javascript:document.title=1</li>' "$page"
	assert_eq "links" "$(grep -o 'href="[^"#][^"]*"' "$page" | sort -u | tr '\n' ' ')" \
	    'href="HTTPS://example.org/x" href="https://dev.example.org/api?a=1&amp;b=%3C2%3E" href="https://dev.example.org/ui?a=1&amp;b=%3C2%3E" '
	# Its policy allows its one style sheet, by its hash, and nothing else.
	[ "$(grep -c '<style>' "$page")" -eq 1 ]
	hash=$(sed -n '/<style>/,/<\/style>/p' "$page" |
	    perl -0777 -MDigest::SHA=sha256_base64 -ne \
	    'm{<style>(.*)</style>}s or die; print sha256_base64($1), "="')
	grep -qF "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-$hash'; base-uri 'none'; form-action 'none'\">" "$page"
}

@test "a failed step's log: its last 40 lines, escaped, without the terminal's escapes" {
	local page=$PAGES/web.html

	sec=$(sed -n '/<section class="release" id="web-2">/,/<\/section>/p' "$page")
	assert_contains "$sec" '<figcaption>The last 40 lines of the log of web-2 qa/action/api (attempt 1, failed); <code>rel-log web-2 qa action</code> prints it whole:</figcaption>'
	log=$(sed -n '/<pre>/,/<\/pre>/p' <<<"$sec")
	assert_not_contains "$log" "line 61"$'\n'
	assert_contains "$log" "<pre>line 62"$'\n'
	assert_contains "$log" "line 100"$'\n''&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; &amp; done'$'\n''</pre>'
	assert_no_escapes "$log"
	[[ "$log" != *$'\r'* ]]
	assert_contains "$sec" '<tr class="env"><th scope="row">qa</th><td class="st s-failed">failed</td>'
}

@test "a release's page, -n, --status, ids from standard input, --refresh" {
	run --separate-stderr rel-status --format html web-2
	assert_status 0
	printf '%s\n' "$output" >"$SCRATCH/one.html"
	tidy_clean "$SCRATCH/one.html"
	assert_contains "$output" '<title>rel: web-2</title>'
	assert_contains "$output" '<section class="release" id="web-2">'$'\n''<h2>'
	# Its flow, with its own statuses.
	assert_contains "$output" '<g class="env s-failed"><rect '
	assert_contains "$output" '>failed</text><text x="20" y="'
	assert_not_contains "$output" 'id="web-1"'
	[ "$(grep -c '<svg ' <<<"$output")" -eq 1 ]

	run --separate-stderr rel-status --format html -n 1 --refresh 30 web shop
	assert_status 0
	assert_contains "$output" '<meta http-equiv="refresh" content="30">'
	assert_contains "$output" '<nav>'
	assert_contains "$output" '<li><a href="#shop">shop</a></li>'
	assert_contains "$output" '3 releases; below, the newest 1, older ones not shown (rel-status -n 0 shows all).'
	[ "$(grep -c '^<tr><th scope="row">' <<<"$output")" -eq 2 ]
	assert_contains "$output" '<section class="release" id="web-3">'
	assert_not_contains "$output" 'id="web-2"'

	run --separate-stderr rel-status --format html --status failed,succeeded web
	assert_status 0
	assert_eq rows "$(grep -o '^<tr><th scope="row"><a href="#[^"]*"' <<<"$output" | cut -d'#' -f2 | tr '\n' ' ')" \
	    'web-2" web-1" '

	# Ids from a pipe, as the other views take them.
	printf 'web-1\nshop-1\n' | rel-status --format html >"$SCRATCH/ids.html"
	tidy_clean "$SCRATCH/ids.html"
	grep -q '<section class="release" id="shop-1">' "$SCRATCH/ids.html"
	grep -q '<section class="release" id="web-1">' "$SCRATCH/ids.html"
	never 'class="product"' "$SCRATCH/ids.html"

	# Every product, and an empty store.
	rel-status --format html </dev/null >"$SCRATCH/all.html"
	tidy_clean "$SCRATCH/all.html"
	grep -q '<section class="product" id="shop">' "$SCRATCH/all.html"
	grep -q '<section class="product" id="web">' "$SCRATCH/all.html"
	REL_STATE_DIR=$SCRATCH/empty rel-status --format html >"$SCRATCH/empty.html"
	tidy_clean "$SCRATCH/empty.html"
	grep -q '<p>No releases.</p>' "$SCRATCH/empty.html"
}

@test "errors: all or nothing on stdout, the usual exit statuses" {
	run --separate-stderr rel-status --format html web nosuch
	assert_status 3
	assert_output ""
	assert_contains "$stderr" "rel-status: no product or release 'nosuch'"
	run --separate-stderr rel-status --format html web-99
	assert_status 3
	assert_output ""
	run --separate-stderr rel-status --refresh 5 web
	assert_status 2
	assert_contains "$stderr" "rel-status: --refresh goes with --format html"
	for opt in --envs --steps --live --graph --history "--env qa"; do
		# shellcheck disable=SC2086
		run --separate-stderr rel-status --format html $opt web
		assert_status 2
		assert_output ""
	done
	run --separate-stderr rel-status --format html --refresh x web
	assert_status 2
}

@test "in a browser: the releases, their statuses and the hostile strings are text, and no script runs" {
	browser --dump-dom "file://$PAGES/web.html" >"$SCRATCH/dom.html"
	dom=$(cat "$SCRATCH/dom.html")
	# The title is the page's own: neither the message's onerror nor the
	# version's script ran.
	assert_contains "$dom" '<title>rel: web</title>'
	assert_not_contains "$dom" pwned'</title>'
	assert_not_contains "$dom" '<img'
	assert_not_contains "$dom" '<script'
	assert_contains "$dom" "&lt;img src=x onerror=\"document.title='pwned'\"&gt;"
	assert_contains "$dom" "api=\"&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;"
	for id in web-1 web-2 web-3; do
		assert_contains "$dom" "<a href=\"#$id\">$id</a>"
	done
	assert_contains "$dom" '<td class="st s-failed">failed</td>'
	assert_contains "$dom" '>web-1 succeeded</text>'
	assert_not_contains "$dom" 'href="javascript'
}

# phone PAGE OUT: OUT is a page that shows PAGE in a frame as wide as a
# phone's screen, 390 CSS pixels (Chromium will not make its window
# narrower than 500), at its top left, and takes as its title any
# message the framed page posts to it.
phone() {
	cat >"$2" <<EOF
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>phone</title>
<style>body { margin: 0 } iframe { border: 0; width: 390px; height: 844px; display: block }</style>
</head><body><iframe src="file://$1"></iframe>
<script>addEventListener("message", function (e) { document.title = e.data; });</script>
</body></html>
EOF
}

# The page at a phone's width, in the dark, measured by a script added to
# a copy of it (the page itself has none): no element reaches past the
# screen unless it is inside a box that scrolls, and the releases' table
# does scroll.  The copy's own <img onerror> ran, which shows that this
# browser runs scripts: the title test above can fail.
@test "in a browser at a phone's width: nothing wider than the screen but what scrolls; scripts run here" {
	sed '/Content-Security-Policy/d; s#</body>#<img src="nothing.png" onerror="window.ran = 1"><script>\
addEventListener("load", function () {\
  var d = document.documentElement, w = d.clientWidth, out = 0, scrolls = 0;\
  document.querySelectorAll("main *").forEach(function (e) {\
    if (!e.closest(".scroll") \&\& e.getBoundingClientRect().right > w + 0.5) out++;\
  });\
  document.querySelectorAll(".scroll").forEach(function (e) {\
    if (e.scrollWidth > e.clientWidth) scrolls++;\
  });\
  parent.postMessage("measured " + (window.ran ? "ran" : "none") + " " +\
    d.scrollWidth + " " + w + " " + out + " " + (scrolls > 0 ? "scrolls" : "fits") +\
    (matchMedia("(prefers-color-scheme: dark)").matches ? " dark" : " light"), "*");\
});\
</script></body>#' "$PAGES/web.html" >"$SCRATCH/measure.html"
	phone "$SCRATCH/measure.html" "$SCRATCH/phone.html"
	browser --force-dark-mode --window-size=390,844 \
	    --virtual-time-budget=5000 --dump-dom "file://$SCRATCH/phone.html" \
	    >"$SCRATCH/dom.html"
	title=$(grep -o '<title>[^<]*</title>' "$SCRATCH/dom.html")
	[[ "$title" =~ ^"<title>measured ran "([0-9]+)" "([0-9]+)" 0 scrolls dark</title>"$ ]] || {
		echo "got: $title" >&2
		false
	}
	# The page is no wider than the screen (390 less a scroll bar).
	[ "${BASH_REMATCH[1]}" -eq "${BASH_REMATCH[2]}" ]
	[ "${BASH_REMATCH[2]}" -le 390 ] && [ "${BASH_REMATCH[2]}" -ge 360 ]
}

@test "screenshots at 1280 and 390 pixels wide: not blank, statuses in their colours, dark when asked" {
	need chromium
	[ -x "$REL_HELPERS/pngstat" ] || skip "build/helpers/pngstat not built (make test-bins)"
	browser --window-size=1280,900 --screenshot="$SCRATCH/wide.png" \
	    "file://$PAGES/web.html" >/dev/null
	# width height colours differ-per-mille, then pixels of the light
	# succeeded and failed backgrounds.
	read -r w h colours differ ok bad < <("$REL_HELPERS/pngstat" \
	    "$SCRATCH/wide.png" dafbe1 ffebe9)
	[ "$w" -eq 1280 ] && [ "$h" -eq 900 ]
	[ "$colours" -gt 50 ] && [ "$differ" -gt 50 ]
	[ "$ok" -gt 2000 ] && [ "$bad" -gt 200 ]
	# Kept for whoever updates the picture in README.md.
	mkdir -p "$REL_TOP/build/screenshots"
	cp "$SCRATCH/wide.png" "$REL_TOP/build/screenshots/rel-status-html.png"

	phone "$PAGES/web.html" "$SCRATCH/phone.html"
	browser --force-dark-mode --window-size=390,844 \
	    --screenshot="$SCRATCH/narrow.png" "file://$SCRATCH/phone.html" \
	    >/dev/null
	# The dark background, the dark succeeded background.
	read -r w h colours differ dark ok < <("$REL_HELPERS/pngstat" \
	    "$SCRATCH/narrow.png" 0d1117 12361f)
	[ "$w" -eq 390 ] && [ "$h" -eq 844 ]
	[ "$colours" -gt 50 ] && [ "$differ" -gt 50 ]
	[ "$dark" -gt $((390 * 844 / 3)) ] && [ "$ok" -gt 500 ]
}
