#!/usr/bin/env bats
# rel-promote as CI, cron and a person at a terminal run it: environments in
# order, parallel branches at once, manual gates, failures that stop where
# DESIGN.md says, timeouts, supersede, dead runners, retry, and what the
# steps see.  Steps are small shell commands; nothing outlives a test.

load lib
load promote_lib

ISO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# web: api and ui, dev -> qa (auto) -> prod (manual) -> audit (auto);
# every step run is recorded in $SCRATCH/runs.
flow_gate() {
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    action: record
  - name: qa
    action: record
  - name: prod
    trigger: manual
    action: record
  - name: audit
    action: record
EOF
}

# The release record and environment histories of a product, hashed: to
# show that a refused command changed nothing.
records_sum() {
	(cd "$REL_STATE_DIR/products/$1" &&
	    find releases envs -type f 2>/dev/null | LC_ALL=C sort |
	    xargs -r sha256sum)
}

# record_runner PRODUCT ID: the pid of the runner that started the last
# environment, from the record (how=... runner=PID, see rel-store(5)).
record_runner() {
	wait_for "a runner in the record of $2" grep -q 'runner=[0-9]' \
	    "$REL_STATE_DIR/products/$1/releases/$2" >&2 || return 1
	grep -o 'runner=[0-9]*' "$REL_STATE_DIR/products/$1/releases/$2" |
	    tail -1 | cut -d= -f2
}

# --- the flow ------------------------------------------------------------

@test "sequential flow: dev and qa succeed, prod waits at its manual gate, exit 0" {
	flow_gate
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	run --separate-stderr rel-promote "$id"
	assert_status 0
	[ -z "$stderr" ]
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,prod=suspended,audit=pending"
	assert_eq status "$(status_of "$id")" suspended
	assert_eq reason "$(js "$id" '.environments[2].reason')" \
	    "waiting for a manual promotion"
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action api 1" \
	    "dev action ui 1" "qa action api 1" "qa action ui 1")"
	# dev before qa: the order in which the steps ran.
	assert_eq order "$(cut -d' ' -f1 "$SCRATCH/runs" | tr '\n' ' ')" "dev dev qa qa "
	# Running it again does nothing more: prod still waits for a person.
	run --separate-stderr rel-promote "$id"
	assert_status 0
	assert_eq runs-again "$(wc -l <"$SCRATCH/runs")" 4
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,prod=suspended,audit=pending"
}

@test "rel-promote ID prod: the manual gate, who is recorded, then on downstream" {
	flow_gate
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	rel-promote "$id" >/dev/null
	: >"$SCRATCH/runs"
	run --separate-stderr rel-promote --by alice "$id" prod
	assert_status 0
	[ -z "$stderr" ]
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,prod=succeeded,audit=succeeded"
	assert_eq status "$(status_of "$id")" succeeded
	assert_eq runs "$(runs)" "$(printf '%s\n' "audit action api 1" \
	    "audit action ui 1" "prod action api 1" "prod action ui 1")"
	assert_eq who "$(js "$id" '[.environments[] | .name + "=" + .by] | join(",")')" \
	    "dev=tester,qa=tester,prod=alice,audit=alice"
	# The history says who moved prod, and from which status.
	run rel-status --history "$id"
	assert_contains "$output" "	$id	alice	prod	suspended	running	"
	assert_contains "$output" "	$id	alice	prod	running	succeeded	"
	assert_contains "$output" "	$id	tester	dev	pending	running	"
}

@test "a manual promotion whose needs are unmet is refused: exit 2, nothing run" {
	flow_gate
	id=$(rel-create web -a api=1.0 -a ui=2.0)
	before=$(records_sum web)
	run --separate-stderr rel-promote "$id" prod
	assert_status 2
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-promote: cannot promote $id into prod: it needs qa, which is pending"
	[ ! -e "$SCRATCH/runs" ]
	assert_eq records "$(records_sum web)" "$before"
	assert_eq status "$(status_of "$id")" pending

	# Into audit, after prod: the same, naming prod.
	rel-promote "$id" >/dev/null
	run --separate-stderr rel-promote "$id" audit
	assert_status 2
	assert_eq stderr "$stderr" \
	    "rel-promote: cannot promote $id into audit: it needs prod, which is suspended"
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,prod=suspended,audit=pending"

	# An environment the flow does not have: not found.
	run --separate-stderr rel-promote "$id" staging
	assert_status 3
	assert_eq stderr "$stderr" \
	    "rel-promote: no environment 'staging' in the flow of $id (environments: dev, qa, prod, audit)"
}

@test "parallel branches run at the same time" {
	# eu and us both need qa; each waits until the other has started, so
	# both succeed only if they overlap (and fail, not hang, if not).
	flow shop <<'EOF'
environments:
  - name: qa
    action: "true"
  - name: eu
    needs: qa
    action: rendezvous eu us
  - name: us
    needs: qa
    action: rendezvous us eu
  - name: prod
    needs: [eu, us]
    trigger: manual
    action: "true"
EOF
	id=$(rel-create shop -a shop=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 0
	assert_eq envs "$(envs_of "$id")" \
	    "qa=succeeded,eu=succeeded,us=succeeded,prod=suspended"
}

# --- failures stop where DESIGN.md says --------------------------------

# One component; pre p1, p2; action; verify; post q1, q2; then qa.  The
# step named in $FAIL (from the caller's environment) fails.
flow_steps() {
	flow app <<'EOF'
environments:
  - name: dev
    pre:
      - {name: p1, run: 'record; [ "$FAIL" != p1 ]'}
      - {name: p2, run: 'record; [ "$FAIL" != p2 ]'}
    action: 'record; [ "$FAIL" != action ]'
    verify: 'record; [ "$FAIL" != verify ]'
    post:
      - {name: q1, run: 'record; [ "$FAIL" != q1 ]'}
      - {name: q2, run: 'record; [ "$FAIL" != q2 ]'}
  - name: qa
    action: record
EOF
}

# fails_at STEP RAN STEPS: promoting with STEP failing exits 1, runs
# exactly RAN (space-separated step names, in order), and leaves the steps
# as STEPS ("name=status,...").
fails_at() {
	local id

	flow_steps
	id=$(rel-create app -a app=1.0)
	FAIL=$1 run --separate-stderr rel-promote "$id"
	assert_status 1
	assert_eq stderr "$stderr" \
	    "rel-promote: $id failed (rel-status $id; rel-log $id dev)"
	assert_eq ran "$(cut -d' ' -f2 "$SCRATCH/runs" | tr '\n' ' ')" "$2 "
	assert_eq envs "$(envs_of "$id")" "dev=failed,qa=pending"
	assert_eq status "$(status_of "$id")" failed
	assert_eq steps "$(js "$id" '[.environments[0].steps[] | .name + "=" + .status] | join(",")')" "$3"
	assert_eq code "$(js "$id" ".environments[0].steps[] | select(.name == \"$1\") | .runs[0].code")" 1
	REASON=$(js "$id" '.environments[0].reason')
}

@test "a failing pre step: the rest of dev is skipped, dev failed, qa pending, exit 1" {
	fails_at p1 "p1" \
	    "p1=failed,p2=skipped,action=skipped,verify=skipped,q1=skipped,q2=skipped"
	assert_eq reason "$REASON" "dev p1 failed: exit 1"
	# Skipped for the environment's reason; qa's steps were never
	# reached: pending.
	assert_eq why "$(js app-1 '.environments[0].steps[1].runs[0].reason')" \
	    "dev p1 failed: exit 1"
	assert_eq qa "$(js app-1 '.environments[1].steps[0].runs[0].status')" pending
}

@test "a failing action: no verify, no post (skipped)" {
	fails_at action "p1 p2 action" \
	    "p1=succeeded,p2=succeeded,action=failed,verify=skipped,q1=skipped,q2=skipped"
	assert_eq reason "$REASON" "dev action app failed: exit 1"
}

@test "a failing verify: no post (skipped)" {
	fails_at verify "p1 p2 action verify" \
	    "p1=succeeded,p2=succeeded,action=succeeded,verify=failed,q1=skipped,q2=skipped"
	assert_eq reason "$REASON" "dev verify app failed: exit 1"
}

@test "a failing post step: the next post step is skipped, dev failed" {
	fails_at q1 "p1 p2 action verify q1" \
	    "p1=succeeded,p2=succeeded,action=succeeded,verify=succeeded,q1=failed,q2=skipped"
	assert_eq reason "$REASON" "dev q1 failed: exit 1"
}

@test "skipped steps run on retry; a retry skips nothing that succeeded" {
	flow_steps
	id=$(rel-create app -a app=1.0)
	FAIL=action run rel-promote "$id"
	assert_status 1
	run --separate-stderr rel-promote --retry "$id"
	assert_status 0
	assert_eq steps "$(js "$id" '[.environments[0].steps[] | .name + "=" + .status] | join(",")')" \
	    "p1=succeeded,p2=succeeded,action=succeeded,verify=succeeded,q1=succeeded,q2=succeeded"
	assert_eq ran "$(cut -d' ' -f2,4 "$SCRATCH/runs" | tr '\n' ' ')" \
	    "p1 1 p2 1 action 1 action 2 verify 2 q1 2 q2 2 action 2 "
}

@test "best effort off: one of 3 components fails, its siblings are stopped" {
	# c fails once a and b are well under way (sleeping); they are
	# stopped and terminated, verify and post never run.
	flow three <<'EOF'
components: [a, b, c]
best_effort: false
environments:
  - name: dev
    action: 'if [ "$REL_COMPONENT" = c ]; then waitfor "$SCRATCH/pid.a" && waitfor "$SCRATCH/pid.b" && exit 1; fi; long "$REL_COMPONENT"'
    verify: record
    post: [record]
  - name: qa
    action: record
EOF
	id=$(rel-create three -a a=1 -a b=1 -a c=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq envs "$(envs_of "$id")" "dev=failed,qa=pending"
	assert_eq status "$(status_of "$id")" failed
	assert_eq action "$(js "$id" '[.environments[0].steps[0].runs[] | .component + "=" + .status] | join(",")')" \
	    "a=terminated,b=terminated,c=failed"
	assert_eq reason "$(js "$id" '.environments[0].reason')" \
	    "dev action c failed: exit 1"
	[ ! -e "$SCRATCH/runs" ]
	assert_dead "$(cat "$SCRATCH/pid.a")"
	assert_dead "$(cat "$SCRATCH/pid.b")"
}

@test "best effort on: the other components still deploy and verify, then dev fails" {
	# c fails first; a and b deploy only after c has failed, and verify.
	flow three <<'EOF'
components: [a, b, c]
best_effort: true
environments:
  - name: dev
    action: 'if [ "$REL_COMPONENT" = c ]; then record; : >"$SCRATCH/c-failed"; exit 1; fi; waitfor "$SCRATCH/c-failed" && record'
    verify: record
    post: [record]
  - name: qa
    action: record
EOF
	id=$(rel-create three -a a=1 -a b=1 -a c=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq envs "$(envs_of "$id")" "dev=failed,qa=pending"
	assert_eq status "$(status_of "$id")" failed
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action a 1" \
	    "dev action b 1" "dev action c 1" "dev verify a 1" "dev verify b 1")"
	assert_eq steps "$(steps_of "$id" dev)" "$(printf '%s\n' \
	    "dev action a succeeded 1" "dev action b succeeded 1" \
	    "dev action c failed 1" "dev verify a succeeded 1" \
	    "dev verify b succeeded 1" "dev verify c skipped 1" \
	    "dev post-1 - skipped 1")"
	assert_eq reason "$(js "$id" '.environments[0].reason')" \
	    "dev action c failed"
}

# --- timeouts -------------------------------------------------------------

@test "a step over its timeout is killed and fails: the reason says timed out" {
	flow app <<'EOF'
environments:
  - name: dev
    action: {run: long dev, timeout: 1s}
    post: [record]
  - name: qa
    action: record
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq envs "$(envs_of "$id")" "dev=failed,qa=pending"
	assert_eq step "$(steps_of "$id" dev | head -1)" "dev action app failed 1"
	assert_eq why "$(js "$id" '.environments[0].steps[0].runs[0].reason')" \
	    "timed out after 1s"
	assert_eq reason "$(js "$id" '.environments[0].reason')" \
	    "dev action app failed: timed out after 1s"
	[ ! -e "$SCRATCH/runs" ]
	assert_dead "$(cat "$SCRATCH/pid.dev")"
}

@test "a release over its flow timeout is terminated by its runner, exit 1" {
	flow app <<'EOF'
timeout: 1s
environments:
  - name: dev
    action: long dev
  - name: qa
    action: record
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq stderr "$stderr" \
	    "rel-promote: $id terminated (rel-status $id; rel-log $id dev)"
	assert_eq status "$(status_of "$id")" terminated
	assert_eq envs "$(envs_of "$id")" "dev=terminated,qa=pending"
	assert_eq reason "$(js "$id" '.terminated.reason')" \
	    "flow timeout of 1s exceeded"
	[ ! -e "$SCRATCH/runs" ]
	assert_dead "$(cat "$SCRATCH/pid.dev")"
}

@test "a release terminated by its flow timeout can be retried" {
	# DESIGN.md: retry resumes a failed or terminated release.  The
	# second attempt is quick; only the first overran the timeout.
	flow app <<'EOF'
timeout: 2s
environments:
  - name: dev
    action: 'record; [ "$REL_ATTEMPT" -gt 1 ] || long dev'
  - name: qa
    action: record
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq status "$(status_of "$id")" terminated
	run --separate-stderr timeout 60 rel-promote --retry "$id"
	assert_status 0
	assert_eq status "$(status_of "$id")" succeeded
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action app 1" \
	    "dev action app 2" "qa action app 2")"
}

# --- verify -------------------------------------------------------------

@test "verify is retried: succeeds at the 3rd try" {
	flow app <<'EOF'
environments:
  - name: dev
    action: "true"
    verify:
      run: 'echo try >>"$SCRATCH/tries"; [ "$(wc -l <"$SCRATCH/tries")" -ge 3 ]'
      retries: 5
      interval: 1s
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 0
	assert_eq tries "$(wc -l <"$SCRATCH/tries")" 3
	assert_eq status "$(status_of "$id")" succeeded
	assert_eq verify "$(js "$id" '.environments[0].steps[1].runs[0] | "\(.status) \(.tries)"')" \
	    "succeeded 3"
}

@test "verify fails after retries+1 tries" {
	flow app <<'EOF'
environments:
  - name: dev
    action: "true"
    verify: {run: 'echo try >>"$SCRATCH/tries"; exit 3', retries: 2, interval: 1s}
    post: [record]
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq tries "$(wc -l <"$SCRATCH/tries")" 3
	assert_eq verify "$(js "$id" '.environments[0].steps[1].runs[0] | "\(.status) \(.tries) \(.reason)"')" \
	    "failed 3 exit 3 (after 3 tries)"
	assert_eq envs "$(envs_of "$id")" "dev=failed"
	[ ! -e "$SCRATCH/runs" ]
}

# --- what steps see and say ----------------------------------------------

@test "\$REL_OUTPUT key=value lines are recorded and shown by rel-status" {
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    pre:
      - {name: change, run: 'printf "change=CHG-42\n" >"$REL_OUTPUT"'}
    action: 'echo "url=https://dev.example.org/$REL_COMPONENT" >>"$REL_OUTPUT"; echo "not a pair" >>"$REL_OUTPUT"'
EOF
	id=$(rel-create web -a api=1 -a ui=2)
	run --separate-stderr rel-promote "$id"
	assert_status 0
	assert_eq outputs "$(js "$id" '.outputs[] | [.env, .step, .component // "-", .key, .value, .attempt] | @tsv' | LC_ALL=C sort)" \
	    "$(printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
	    dev action api url https://dev.example.org/api 1 \
	    dev action ui url https://dev.example.org/ui 1 \
	    dev change - change CHG-42 1)"
	# A person sees them too.
	run rel-status --format table "$id"
	assert_contains "$output" "change=CHG-42"
	assert_contains "$output" "url=https://dev.example.org/ui"
	# The line that is not KEY=VALUE is ignored, and the log says so.
	run rel-log "$id" dev action
	assert_contains "$output" "ignored \$REL_OUTPUT line"
}

@test "a step sees every variable of DESIGN.md, and the caller's environment" {
	make_repo "$SCRATCH/repo"
	commit=$(git -C "$SCRATCH/repo" rev-parse v1)
	flow web <<'EOF'
components: [api, ui]
environments:
  - name: dev
    pre:
      - name: look
        run: |
          for v in REL_STATE_DIR REL_PRODUCT REL_RELEASE REL_ENV REL_STEP \
              REL_COMPONENT REL_VERSION REL_ARTIFACTS REL_REV REL_HOTFIX \
              REL_PREVIOUS REL_ATTEMPT CALLER; do
            eval "printf '%s=[%s]\n' $v \"\$$v\""
          done >"$SCRATCH/env.$REL_RELEASE.pre"
          [ -n "$REL_OUTPUT" ] && echo seen=yes >"$REL_OUTPUT"
    action: |
      printf '%s\n' "$REL_STEP" "$REL_COMPONENT" "$REL_VERSION" "$REL_ATTEMPT" \
          >"$SCRATCH/env.$REL_RELEASE.$REL_COMPONENT"
EOF
	rel-create web -a api=0.9 -a ui=1.9 >/dev/null
	rel-promote web-1 >/dev/null
	id=$(rel-create web --hotfix --repo "$SCRATCH/repo" --rev v1 \
	    -a api=1.0 -a ui=2.0)
	CALLER=kept REL_RELEASE=forged REL_ENV=forged run --separate-stderr \
	    rel-promote "$id"
	assert_status 0
	assert_eq pre "$(cat "$SCRATCH/env.$id.pre")" "$(printf '%s\n' \
	    "REL_STATE_DIR=[$(cd "$REL_STATE_DIR" && pwd -P)]" \
	    "REL_PRODUCT=[web]" "REL_RELEASE=[$id]" "REL_ENV=[dev]" \
	    "REL_STEP=[look]" "REL_COMPONENT=[]" "REL_VERSION=[]" \
	    "REL_ARTIFACTS=[api=1.0" "ui=2.0]" "REL_REV=[$commit]" \
	    "REL_HOTFIX=[yes]" "REL_PREVIOUS=[web-1]" "REL_ATTEMPT=[1]" \
	    "CALLER=[kept]")"
	assert_eq api "$(cat "$SCRATCH/env.$id.api")" "$(printf '%s\n' action api 1.0 1)"
	assert_eq ui "$(cat "$SCRATCH/env.$id.ui")" "$(printf '%s\n' action ui 2.0 1)"
	# REL_OUTPUT named a file the step could write, and it was read.
	assert_eq output "$(js "$id" '.outputs[0].key + "=" + .outputs[0].value')" "seen=yes"
	# The first release: no hotfix, no rev, nothing live before.
	assert_contains "$(cat "$SCRATCH/env.web-1.pre")" "REL_HOTFIX=[no]"
	assert_contains "$(cat "$SCRATCH/env.web-1.pre")" "REL_REV=[]"
	assert_contains "$(cat "$SCRATCH/env.web-1.pre")" "REL_PREVIOUS=[]"
}

@test "a version holding shell metacharacters is data: nothing is executed" {
	flow web <<'EOF'
components: [api, ui, db]
environments:
  - name: dev
    action: 'printf "%s=%s\n" "$REL_COMPONENT" "$REL_VERSION" >"$SCRATCH/seen.$REL_COMPONENT"'
    post: [ 'printf "%s\n" "$REL_ARTIFACTS" >"$SCRATCH/artifacts"' ]
EOF
	v1='1.0;touch $HOME/pwned'
	v2='$(touch pwned2)'
	v3='`touch pwned3`'
	id=$(rel-create web -a "api=$v1" -a "ui=$v2" -a "db=$v3")
	run --separate-stderr rel-promote "$id"
	assert_status 0
	assert_eq api "$(cat "$SCRATCH/seen.api")" "api=$v1"
	assert_eq ui "$(cat "$SCRATCH/seen.ui")" "ui=$v2"
	assert_eq db "$(cat "$SCRATCH/seen.db")" "db=$v3"
	assert_eq artifacts "$(cat "$SCRATCH/artifacts")" \
	    "$(printf '%s\n' "api=$v1" "ui=$v2" "db=$v3")"
	assert_eq pwned "$(find "$SCRATCH" -name 'pwned*')" ""
	# A newline is refused when the release is made.
	run --separate-stderr rel-create web -a "api=1.0
touch pwned4" -a ui=1 -a db=1
	assert_status 2
	[ -z "$output" ]
	assert_contains "$stderr" "rel-create: "
	[ ! -e "$SCRATCH/pwned4" ]
}

@test "a command that cannot start is a step error, not a hang" {
	printf 'echo never\n' >"$SCRATCH/not-executable.sh"
	flow app <<'EOF'
environments:
  - name: dev
    action: ./missing-deploy.sh
  - name: qa
    action: "true"
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq envs "$(envs_of "$id")" "dev=failed,qa=pending"
	assert_eq step "$(js "$id" '.environments[0].steps[0].runs[0] | "\(.status) \(.code)"')" "error 127"
	assert_contains "$(js "$id" '.environments[0].steps[0].runs[0].reason')" "not found"
	# The other: dev made to pass, qa cannot run its command.
	flow app <<'EOF'
environments:
  - name: dev
    action: "true"
  - name: qa
    action: ./not-executable.sh
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq envs "$(envs_of "$id")" "dev=succeeded,qa=failed"
	assert_eq step "$(js "$id" '.environments[1].steps[0].runs[0] | "\(.status) \(.code)"')" "error 126"
	assert_contains "$(js "$id" '.environments[1].steps[0].runs[0].reason')" "not executable"
}

# --- one promotion per environment, one runner per release ---------------

@test "supersede: a newer release promoted into an env terminates the older run" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'if [ "$REL_VERSION" = old ]; then long old; fi; record'
EOF
	old=$(rel-create app -a app=old)
	new=$(rel-create app -a app=new)
	bg "$SCRATCH/old.out" "$SCRATCH/old.err" rel-promote "$old"
	runner=$BG_PID
	pid=$(step_pid old)
	run --separate-stderr timeout 60 rel-promote "$new"
	assert_status 0
	assert_eq new "$(status_of "$new")" succeeded
	bg_wait "$runner"
	assert_eq old-exit "$BG_RC" 1
	assert_eq old "$(status_of "$old")" terminated
	assert_eq old-envs "$(envs_of "$old")" "dev=terminated"
	assert_eq reason "$(js "$old" '.terminated.reason')" \
	    "superseded by $new in dev"
	assert_dead "$pid"
	assert_eq runs "$(runs)" "dev action app 1"
	assert_eq live "$(rel-status --live app | cut -f1,2)" "dev	$new"
}

@test "an older release promoted where a newer one runs is the one terminated" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'if [ "$REL_VERSION" = new ]; then long new; fi; record'
EOF
	old=$(rel-create app -a app=old)
	new=$(rel-create app -a app=new)
	bg "$SCRATCH/new.out" "$SCRATCH/new.err" rel-promote "$new"
	runner=$BG_PID
	pid=$(step_pid new)
	run --separate-stderr timeout 60 rel-promote "$old"
	assert_status 1
	assert_eq old "$(status_of "$old")" terminated
	assert_eq reason "$(js "$old" .terminated.reason)" \
	    "superseded: $new (newer) is being promoted into dev"
	# The newer one goes on undisturbed.
	proc_alive "$pid"
	assert_eq new "$(status_of "$new")" running
	[ ! -e "$SCRATCH/runs" ]
	rel-terminate "$new" >/dev/null
	bg_wait "$runner"
}

# The runner that waits for the product lock to record what its step did
# while a newer release's runner asks for its termination (under that
# lock): once it has the lock it sees the request first, records what the
# step did and nothing it would have decided from it (the environment's
# end, the gate after it), finishes the termination itself and exits 1.
# The lock holder and the step's wait make the interleaving, not sleeps.
@test "a termination asked for while the runner waits for the lock: nothing stale after it, exit 1" {
	[ -x "$REL_HELPERS/holdlock" ] || skip "build/helpers/holdlock not built"
	# The runner waits for the lock in nanosleep, for nothing else.
	[ -r /proc/self/wchan ] || skip "no /proc/PID/wchan to tell a runner waiting for a lock"
	flow w <<'EOF'
environments:
  - name: dev
    action: 'echo $$ >"$SCRATCH/pid.dev"; waitfor "$SCRATCH/go"; record'
  - name: prod
    trigger: manual
    action: record
EOF
	a=$(rel-create w -a w=1)
	b=$(rel-create w -a w=2)
	bg "$SCRATCH/a.out" "$SCRATCH/a.err" rel-promote "$a"
	runner=$BG_PID
	pid=$(step_pid dev)
	start_bg "$SCRATCH/holder.out" "$REL_HELPERS/holdlock" \
	    "$REL_STATE_DIR/locks/w.lock"
	holder=$BG_PID
	wait_for_line "$SCRATCH/holder.out" locked
	: >"$SCRATCH/go"
	wait_gone "$pid"
	wait_for "$a's runner to wait for the lock" \
	    grep -q nanosleep "/proc/$runner/wchan"
	# What the newer release's runner writes under the lock, as it does.
	perl -MCompress::Zlib -e '
	    my $l = join("\t", @ARGV);
	    printf "%s\t%08x\n", $l, crc32($l);' tr \
	    "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" tester - running terminating 1 \
	    "superseded by $b in dev" grace=10.000 \
	    >>"$REL_STATE_DIR/products/w/releases/$a"
	kill "$holder"
	bg_wait "$runner"
	assert_eq exit "$BG_RC" 1
	assert_contains "$(cat "$SCRATCH/a.err")" "rel-promote: $a terminated"
	assert_eq status "$(status_of "$a")" terminated
	assert_eq envs "$(envs_of "$a")" "dev=terminated,prod=pending"
	assert_eq reason "$(js "$a" .terminated.reason)" "superseded by $b in dev"
	# What the step did is true whatever came after: it ran, it succeeded.
	assert_eq runs "$(runs)" "dev action w 1"
	assert_eq steps "$(steps_of "$a" dev)" "dev action w succeeded 1"
	# After the request, nothing the runner decided before it.
	run rel-status --history "$a"
	after=$(sed -n '/	running	terminating	/,$p' <<<"$output" | cut -f4-6)
	assert_eq after "$after" "$(printf '%s\n' \
	    "release	running	terminating" \
	    "dev/action/w	running	succeeded" \
	    "dev	running	terminated" \
	    "release	terminating	terminated")"
	# The environment's history agrees: the run ended, terminated.
	grep -q "	$a	.*terminated" "$REL_STATE_DIR/products/w/envs/dev"
	# Nothing is left to repair, and the newer release goes through.
	run --separate-stderr rel-status --check
	assert_status 0
	assert_not_contains "$stderr" fixed
	run --separate-stderr timeout 60 rel-promote "$b"
	assert_status 0
	assert_eq envs "$(envs_of "$b")" "dev=succeeded,prod=suspended"
}

@test "the same release promoted twice at once: the second is refused, exit 4" {
	flow app <<'EOF'
environments:
  - name: dev
    action: long dev
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/1.out" "$SCRATCH/1.err" rel-promote "$id"
	runner=$BG_PID
	step_pid dev >/dev/null
	run --separate-stderr rel-promote "$id"
	assert_status 4
	[ -z "$output" ]
	assert_contains "$stderr" "rel-promote: $id is being promoted already, by rel-promote (pid $runner"
	run --separate-stderr rel-promote --retry "$id"
	assert_status 4
	# The first goes on undisturbed until it is terminated.
	assert_eq status "$(status_of "$id")" running
	rel-terminate "$id" >/dev/null
	bg_wait "$runner"
	assert_eq exit "$BG_RC" 1
}

@test "SIGKILL of the runner mid-step: rel-status records the failure, --retry succeeds" {
	flow app <<'EOF'
environments:
  - name: dev
    pre: [ {name: p1, run: record} ]
    action: 'record; [ "$REL_ATTEMPT" -gt 1 ] || long dev'
  - name: qa
    action: record
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/1.out" "$SCRATCH/1.err" rel-promote "$id"
	runner=$BG_PID
	pid=$(step_pid dev)
	kill -KILL "$runner"
	bg_wait "$runner"
	run --separate-stderr rel-status "$id"
	assert_status 0
	assert_eq status "$(cut -f3 <<<"$output")" failed
	assert_eq envs "$(envs_of "$id")" "dev=failed,qa=pending"
	assert_contains "$(js "$id" '.environments[0].reason')" \
	    "the runner (pid $runner"
	assert_contains "$(js "$id" '.environments[0].steps[1].runs[0].reason')" \
	    "the runner (pid $runner"
	# Its step is not left behind.
	wait_gone "$pid"
	run --separate-stderr timeout 60 rel-promote --retry "$id"
	assert_status 0
	assert_eq status "$(status_of "$id")" succeeded
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action app 1" \
	    "dev action app 2" "dev p1 - 1" "qa action app 2")"
}

@test "SIGKILL of the runner, then --retry at once: the dead run is cleaned up first" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'record; [ "$REL_ATTEMPT" -gt 1 ] || long dev'
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/1.out" "$SCRATCH/1.err" rel-promote "$id"
	runner=$BG_PID
	pid=$(step_pid dev)
	kill -KILL "$runner"
	bg_wait "$runner"
	run --separate-stderr timeout 60 rel-promote --retry "$id"
	assert_status 0
	assert_eq status "$(status_of "$id")" succeeded
	wait_gone "$pid"
	run rel-status --history "$id"
	assert_contains "$output" "	$id	rel	dev	running	failed	the runner (pid $runner"
	assert_contains "$output" "	$id	tester	release	failed	running	retry"
}

# --- retry ----------------------------------------------------------------

@test "retry resumes where it failed: succeeded steps and components are not run again" {
	# dev: p1, then a, b, c deploy (best effort, c fails on attempt 1),
	# verify, post q1 (fails on attempt 2); qa.  Attempt 3 succeeds.
	flow three <<'EOF'
components: [a, b, c]
environments:
  - name: dev
    best_effort: true
    pre: [ {name: p1, run: record} ]
    action: 'record; ! [ "$REL_COMPONENT" = c -a -e "$SCRATCH/fail-c" ]'
    verify: record
    post: [ {name: q1, run: 'record; ! [ -e "$SCRATCH/fail-q1" ]'} ]
  - name: qa
    action: record
EOF
	id=$(rel-create three -a a=1 -a b=1 -a c=1)
	touch "$SCRATCH/fail-c" "$SCRATCH/fail-q1"
	run --separate-stderr rel-promote "$id"
	assert_status 1
	assert_eq runs-1 "$(runs)" "$(printf '%s\n' "dev action a 1" \
	    "dev action b 1" "dev action c 1" "dev p1 - 1" "dev verify a 1" \
	    "dev verify b 1")"

	rm "$SCRATCH/fail-c"
	: >"$SCRATCH/runs"
	run --separate-stderr rel-promote --retry "$id"
	assert_status 1
	assert_eq runs-2 "$(runs)" "$(printf '%s\n' "dev action c 2" \
	    "dev q1 - 2" "dev verify c 2")"
	assert_eq envs "$(envs_of "$id")" "dev=failed,qa=pending"

	rm "$SCRATCH/fail-q1"
	: >"$SCRATCH/runs"
	run --separate-stderr rel-promote --retry "$id"
	assert_status 0
	assert_eq runs-3 "$(runs)" "$(printf '%s\n' "dev q1 - 3" \
	    "qa action a 3" "qa action b 3" "qa action c 3")"
	assert_eq status "$(status_of "$id")" succeeded
	assert_eq attempt "$(js "$id" .attempt)" 3
	# Each step run keeps the attempt it succeeded at.
	assert_eq steps "$(steps_of "$id" dev)" "$(printf '%s\n' \
	    "dev p1 - succeeded 1" "dev action a succeeded 1" \
	    "dev action b succeeded 1" "dev action c succeeded 2" \
	    "dev verify a succeeded 1" "dev verify b succeeded 1" \
	    "dev verify c succeeded 2" "dev q1 - succeeded 3")"
	run rel-status --history "$id"
	assert_contains "$output" "	$id	tester	release	failed	running	retry"
}

@test "retry of a release that did not fail: exit 2 with a message" {
	flow_gate
	id=$(rel-create web -a api=1 -a ui=1)
	run --separate-stderr rel-promote --retry "$id"
	assert_status 2
	assert_eq stderr "$stderr" \
	    "rel-promote: $id is pending: only a failed or terminated release can be retried"
	rel-promote "$id" >/dev/null
	before=$(records_sum web)
	run --separate-stderr rel-promote --retry "$id"
	assert_status 2
	assert_eq stderr "$stderr" \
	    "rel-promote: $id is suspended: only a failed or terminated release can be retried"
	rel-promote "$id" prod >/dev/null
	run --separate-stderr rel-promote --retry "$id"
	assert_status 2
	assert_eq stderr "$stderr" \
	    "rel-promote: $id is succeeded: only a failed or terminated release can be retried"
	assert_eq runs "$(wc -l <"$SCRATCH/runs")" 8
}

@test "a failed release is not run again without --retry: exit 2, says how" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'record; exit 1'
EOF
	id=$(rel-create app -a app=1)
	run rel-promote "$id"
	assert_status 1
	run --separate-stderr rel-promote "$id"
	assert_status 2
	assert_contains "$stderr" "rel-promote --retry $id"
	assert_eq runs "$(runs)" "dev action app 1"
}

# --- how it is run ----------------------------------------------------------

@test "--detach returns at once with the id alone; the promotion goes on" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'waitfor "$SCRATCH/go" && record'
  - name: qa
    action: record
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr rel-promote --detach "$id" 3>&-
	assert_status 0
	assert_output "$id"
	[ -z "$stderr" ]
	# It returned while its step still waits for us.
	assert_eq status "$(status_of "$id")" running
	# The runner (its pid in the record, rel-store(5)) goes on in a
	# session of its own.
	runner=$(record_runner app "$id")
	REL_BG_PIDS+=("$runner")
	assert_eq session "$(ps -o sid= -p "$runner" | tr -d ' ')" "$runner"
	touch "$SCRATCH/go"
	wait_status "$id" succeeded
	assert_eq runs "$(runs)" "$(printf '%s\n' "dev action app 1" "qa action app 1")"
}

@test "a detached runner is busy: the message names its pid, the one running" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'waitfor "$SCRATCH/go"'
EOF
	id=$(rel-create app -a app=1)
	rel-promote --detach "$id" >/dev/null 3>&-
	runner=$(record_runner app "$id")
	REL_BG_PIDS+=("$runner")
	run --separate-stderr rel-promote "$id"
	touch "$SCRATCH/go"
	assert_status 4
	assert_contains "$stderr" "rel-promote: $id is being promoted already, by rel-promote (pid $runner,"
	wait_status "$id" succeeded
}

@test "rel-create | rel-promote: the id from standard input" {
	flow_gate
	run --separate-stderr bash -c 'rel-create web -a api=1 -a ui=2 | rel-promote'
	assert_status 0
	assert_eq envs "$(envs_of web-1)" \
	    "dev=succeeded,qa=succeeded,prod=suspended,audit=pending"
}

@test "several ids on standard input with --retry" {
	flow app <<'EOF'
environments:
  - name: dev
    action: 'record; ! [ -e "$SCRATCH/fail" ]'
EOF
	touch "$SCRATCH/fail"
	a=$(rel-create app -a app=1)
	b=$(rel-create app -a app=2)
	c=$(rel-create app -a app=3)
	rel-promote "$a" >/dev/null 2>&1 || true
	rel-promote "$b" >/dev/null 2>&1 || true
	rel-promote "$c" >/dev/null 2>&1 || true
	assert_eq failed "$(rel-status --status failed | cut -f1 | LC_ALL=C sort | tr '\n' ' ')" \
	    "app-1 app-2 app-3 "
	rm "$SCRATCH/fail"
	# As USERS.md pipes it, from rel-status: every failed release again,
	# newest first.  The oldest would then roll dev back over the one
	# just retried: refused (exit 2), a rollback is rel-redeploy's.
	run --separate-stderr bash -c \
	    "rel-status --status failed --format tsv | grep -v '^$b' | cut -f1 | rel-promote --retry"
	assert_status 2
	assert_eq stderr "$stderr" "rel-promote: $c is live in dev now, newer than $a: retrying would roll dev back; use --force to do it anyway, or rel-redeploy $a dev"
	assert_eq a "$(status_of "$a")" failed
	assert_eq b "$(status_of "$b")" failed
	assert_eq c "$(status_of "$c")" succeeded
	assert_eq runs "$(grep -c ' 2$' "$SCRATCH/runs")" 1
}

@test "not on a terminal: one tab-separated line per transition, no escapes" {
	flow app <<'EOF'
environments:
  - name: dev
    pre: [ {name: lint, run: "true"} ]
    action: "true"
  - name: qa
    action: "exit 2"
EOF
	id=$(rel-create app -a app=1)
	run --separate-stderr rel-promote "$id"
	assert_status 1
	assert_no_escapes "$output"
	# TIME RELEASE ENV STEP COMPONENT STATUS WHY, "-" where none applies.
	[ "$(awk -F'\t' '{ print NF }' <<<"$output" | sort -u)" = 7 ]
	while IFS=$'\t' read -r t rest; do
		[[ "$t" =~ $ISO ]]
	done <<<"$output"
	assert_eq lines "$(cut -f2- <<<"$output")" "$(printf '%s\n' \
	    "$id	dev	-	-	running	-" \
	    "$id	-	-	-	running	-" \
	    "$id	dev	lint	-	running	-" \
	    "$id	dev	lint	-	succeeded	-" \
	    "$id	dev	action	app	running	-" \
	    "$id	dev	action	app	succeeded	-" \
	    "$id	dev	-	-	succeeded	-" \
	    "$id	qa	-	-	running	-" \
	    "$id	qa	action	app	running	-" \
	    "$id	qa	action	app	failed	exit 2" \
	    "$id	qa	-	-	failed	qa action app failed: exit 2" \
	    "$id	-	-	-	failed	-")"
	# The same through a pipe, as in a CI log.
	id=$(rel-create app -a app=2)
	rel-promote "$id" 2>/dev/null | cat >"$SCRATCH/piped" || true
	assert_eq piped "$(cut -f2- "$SCRATCH/piped" | head -1)" "$id	dev	-	-	running	-"
}

@test "on a terminal: a live view with escape codes and the environments" {
	flow_gate
	id=$(rel-create web -a api=1 -a ui=2)
	run timeout 60 script -qec "rel-promote $id" /dev/null </dev/null
	assert_status 0
	assert_contains "$output" $'\e['
	assert_contains "$output" "$id"
	for env in dev qa prod audit; do
		assert_contains "$output" "  $env"
	done
	assert_contains "$output" "suspended"
	assert_eq envs "$(envs_of "$id")" \
	    "dev=succeeded,qa=succeeded,prod=suspended,audit=pending"
}

@test "SIGINT to a foreground rel-promote terminates the release cleanly" {
	flow app <<'EOF'
environments:
  - name: dev
    action: long dev
  - name: qa
    action: record
EOF
	id=$(rel-create app -a app=1)
	bg "$SCRATCH/out" "$SCRATCH/err" rel-promote "$id"
	runner=$BG_PID
	pid=$(step_pid dev)
	kill -INT "$runner"
	bg_wait "$runner"
	assert_eq exit "$BG_RC" 1
	assert_eq status "$(status_of "$id")" terminated
	assert_eq envs "$(envs_of "$id")" "dev=terminated,qa=pending"
	assert_eq reason "$(js "$id" .terminated.reason)" \
	    "interrupted (rel-promote got signal 2)"
	assert_dead "$pid"
	assert_eq stderr "$(cat "$SCRATCH/err")" \
	    "rel-promote: $id terminated (rel-status $id; rel-log $id dev)"
	[ ! -e "$SCRATCH/runs" ]
}

# --- issue 11: statuses, retry and the gate's comment ----------------------

@test "a shell syntax error is a step error, not a failure; an exit 2 of a command is a failure" {
	flow app <<'EOF2'
environments:
  - name: dev
    action: 'if then fi'
  - name: qa
    needs: []
    action: 'ls "$SCRATCH/no such file"'
EOF2
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	assert_eq dev "$(js "$id" '.environments[0].steps[0].runs[0] | "\(.status) \(.code)"')" "error 2"
	assert_contains "$(js "$id" '.environments[0].steps[0].runs[0].reason')" \
	    "shell syntax error: "
	assert_eq qa "$(js "$id" '.environments[1].steps[0].runs[0] | "\(.status) \(.reason)"')" \
	    "failed exit 2"
}

# rel(7): `error` is a step that could not start.  A script the shell
# cannot parse is one, and then none of it runs, not even the lines
# before the error; a script that ran and then met a syntax error of its
# own making (eval) ran: it failed.
@test "a syntax error anywhere in a script: nothing of it runs, error; one met while running: failed" {
	flow app <<'EOF2'
environments:
  - name: dev
    action: |
      echo deployed-for-real >>"$SCRATCH/deployed"
      if then fi
  - name: qa
    needs: []
    action: |
      echo ran >>"$SCRATCH/ran"
      eval 'if then fi'
EOF2
	id=$(rel-create app -a app=1)
	run --separate-stderr timeout 60 rel-promote "$id"
	assert_status 1
	[ ! -e "$SCRATCH/deployed" ]
	assert_eq dev "$(js "$id" '.environments[0].steps[0].runs[0].status')" error
	assert_contains "$(js "$id" '.environments[0].steps[0].runs[0].reason')" \
	    "shell syntax error: "
	run rel-log "$id" dev action
	assert_contains "$output" "nothing was run"
	assert_eq ran "$(cat "$SCRATCH/ran")" ran
	assert_eq qa "$(js "$id" '.environments[1].steps[0].runs[0] | "\(.status) \(.reason)"')" \
	    "failed exit 2"
}

@test "--retry of an older release where a newer one is being promoted is superseded, as a promotion is" {
	flow app <<'EOF2'
environments:
  - name: dev
    action: 'long "$REL_RELEASE"'
EOF2
	old=$(rel-create app -a app=1)
	new=$(rel-create app -a app=2)
	# The older one is superseded by the newer...
	bg "$SCRATCH/old.out" "$SCRATCH/old.err" rel-promote "$old"
	older=$BG_PID
	step_pid "$old" >/dev/null
	bg "$SCRATCH/new.out" "$SCRATCH/new.err" rel-promote "$new"
	newer=$BG_PID
	bg_wait "$older"
	assert_eq old "$(status_of "$old")" terminated
	step_pid "$new" >/dev/null
	# ...and so is its retry while the newer one runs: recorded, exit 1.
	run --separate-stderr timeout 60 rel-promote --retry "$old"
	assert_status 1
	assert_contains "$output" "	$old	-	-	-	terminating	superseded: $new (newer) is being promoted into dev"
	assert_eq stderr "$stderr" \
	    "rel-promote: $old terminated (rel-status $old; rel-log $old dev)"
	assert_eq status "$(status_of "$old")" terminated
	assert_eq reason "$(js "$old" .terminated.reason)" \
	    "superseded: $new (newer) is being promoted into dev"
	run rel-status --history "$old"
	assert_contains "$output" "	$old	tester	release	terminated	running	retry"
	assert_contains "$output" "	$old	tester	release	running	terminating	superseded: $new (newer)"
	assert_contains "$output" "	$old	tester	release	terminating	terminated	superseded: $new (newer)"
	# The newer one was not touched.
	assert_eq new "$(status_of "$new")" running
	rel-terminate "$new" >/dev/null
	bg_wait "$newer"
}

@test "nothing on standard input is nothing to do: exit 0" {
	flow_gate
	run --separate-stderr bash -c ': | rel-promote --retry'
	assert_status 0
	[ -z "$output" ] && [ -z "$stderr" ]
	run --separate-stderr bash -c 'printf "\n# none\n" | rel-promote'
	assert_status 0
	[ -z "$output" ] && [ -z "$stderr" ]
	# As USERS.md pipes it, on a night when nothing failed.
	run --separate-stderr bash -c 'rel-status --status failed --format tsv | cut -f1 | rel-promote --retry'
	assert_status 0
}

@test "--retry of an old release over a newer live one is refused unless --force" {
	flow app <<'EOF2'
environments:
  - name: dev
    action: 'record; [ "$REL_RELEASE" != app-1 ] || [ "$REL_ATTEMPT" -gt 1 ]'
EOF2
	old=$(rel-create app -a app=1)
	new=$(rel-create app -a app=2)
	run rel-promote "$old"
	assert_status 1
	run rel-promote "$new"
	assert_status 0
	before=$(records_sum app)
	run --separate-stderr rel-promote --retry "$old"
	assert_status 2
	[ -z "$output" ]
	assert_eq stderr "$stderr" \
	    "rel-promote: $new is live in dev now, newer than $old: retrying would roll dev back; use --force to do it anyway, or rel-redeploy $old dev"
	assert_eq records "$(records_sum app)" "$before"
	run --separate-stderr rel-promote --retry --force "$old"
	assert_status 0
	assert_eq live "$(rel-status --live app | cut -f2)" "$old"
	# --force alone means nothing.
	run --separate-stderr rel-promote --force "$new"
	assert_status 2
	assert_contains "$stderr" "--force goes with --retry"
}

@test "the gate takes a comment: --reason is recorded with it, not downstream" {
	flow_gate
	id=$(rel-create web -a api=1 -a ui=2)
	rel-promote "$id" >/dev/null
	run --separate-stderr rel-promote --by carol "$id" prod --reason "CAB approved, RDM 4471"
	assert_status 0
	run rel-status --history "$id"
	assert_contains "$output" "	$id	carol	prod	suspended	running	CAB approved, RDM 4471"
	assert_contains "$output" "	$id	carol	audit	pending	running	"
	assert_not_contains "$output" "audit	pending	running	CAB"
	assert_eq env-history "$(rel-status --history --env prod web | head -1 | cut -f3,6,8)" \
	    "$id	carol	CAB approved, RDM 4471"
	assert_eq audit "$(rel-status --history --env audit web | head -1 | cut -f8)" ""
	# Data, not syntax; one line only.
	run --separate-stderr rel-promote "$id" prod -m "two
lines"
	assert_status 2
	assert_contains "$stderr" "rel-promote: --reason"
}
