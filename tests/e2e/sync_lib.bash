# sync_lib.bash - remotes for the sync tests: a bare repository reached as
# a path, a file:// URL, git:// from a `git daemon` and ssh:// from an
# sshd, both started by the test on 127.0.0.1, each on a port the kernel
# gives, and stopped in teardown (start_bg) whatever happened.  The ssh
# client side lives in the scratch HOME ($HOME/.ssh): a throwaway key and
# a known_hosts naming the throwaway host key; the real ~/.ssh is never
# read.

load lib

# Under SANITIZE=1: libgit2 1.5.1 leaks a little at every ssh connection
# (see the suppressions file); full stacks are needed to match it.
export LSAN_OPTIONS="print_suppressions=0:suppressions=$REL_TOP/tests/e2e/lsan-libgit2-ssh.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# new_remote NAME: a bare repository $SCRATCH/srv/NAME.git.
new_remote() {
	mkdir -p "$SCRATCH/srv" &&
	git init -q --bare "$SCRATCH/srv/$1.git"
}

# start_git_daemon: serve $SCRATCH/srv over git:// (push allowed); sets
# GIT_PORT.  URL: git://127.0.0.1:$GIT_PORT/NAME.git
start_git_daemon() {
	local try i

	for ((try = 0; try < 5; try++)); do
		GIT_PORT=$("$REL_HELPERS/freeport") || return 1
		start_bg "$SCRATCH/git-daemon.log" git daemon --reuseaddr \
		    --listen=127.0.0.1 --port="$GIT_PORT" \
		    --base-path="$SCRATCH/srv" --export-all \
		    --enable=receive-pack "$SCRATCH/srv"
		GIT_DAEMON_PID=$BG_PID
		for ((i = 0; i < 200; i++)); do
			kill -0 "$GIT_DAEMON_PID" 2>/dev/null || break
			git ls-remote "git://127.0.0.1:$GIT_PORT/none" \
			    >/dev/null 2>&1 && return 0
			# An answer naming the missing repository is an
			# answer: the daemon is up.
			git ls-remote "git://127.0.0.1:$GIT_PORT/none" 2>&1 |
			    grep -q 'not exported\|not found\|remote error\|hung up' &&
			    return 0
			sleep 0.05
		done
		kill -9 "$GIT_DAEMON_PID" 2>/dev/null || true
	done
	echo "git daemon did not start" >&2
	return 1
}

# start_sshd: an sshd on 127.0.0.1 as this user, its own config, a
# throwaway host key, a client key in $HOME/.ssh; sets SSH_PORT and
# SSH_USER.  URL: ssh://$SSH_USER@127.0.0.1:$SSH_PORT$SCRATCH/srv/NAME.git
start_sshd() {
	local d=$SCRATCH/sshd try i

	mkdir -p "$d" "$HOME/.ssh" && chmod 700 "$HOME/.ssh" &&
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -f "$HOME/.ssh/id_ed25519" &&
	cp "$HOME/.ssh/id_ed25519.pub" "$d/authorized_keys" || return 1
	SSH_USER=$(id -un)
	# Privilege separation needs this directory when sshd runs as root.
	[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
	for ((try = 0; try < 5; try++)); do
		SSH_PORT=$("$REL_HELPERS/freeport") || return 1
		cat >"$d/config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/pid
AuthorizedKeysFile $d/authorized_keys
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers $SSH_USER
LogLevel ERROR
# The session's shell reads \$HOME/.bashrc (bash does for ssh): not the
# real user's, which may take seconds (a pyenv set-up).
SetEnv HOME=$d/home
CONF
		mkdir -p "$d/home"
		start_bg "$d/log" /usr/sbin/sshd -D -e -f "$d/config"
		SSHD_PID=$BG_PID
		for ((i = 0; i < 200; i++)); do
			kill -0 "$SSHD_PID" 2>/dev/null || break
			if ssh-keyscan -p "$SSH_PORT" -t ed25519 127.0.0.1 \
			    >"$d/scan" 2>/dev/null && [ -s "$d/scan" ]; then
				cp "$d/scan" "$HOME/.ssh/known_hosts"
				return 0
			fi
			sleep 0.05
		done
		kill -9 "$SSHD_PID" 2>/dev/null || true
	done
	echo "sshd did not start: $(cat "$d/log" 2>/dev/null)" >&2
	return 1
}

# remote_url TRANSPORT NAME: the URL of remote NAME over TRANSPORT (path,
# file, git, ssh); the servers must be started.
remote_url() {
	case $1 in
	path) echo "$SCRATCH/srv/$2.git" ;;
	file) echo "file://$SCRATCH/srv/$2.git" ;;
	git) echo "git://127.0.0.1:$GIT_PORT/$2.git" ;;
	ssh) echo "ssh://$SSH_USER@127.0.0.1:$SSH_PORT$SCRATCH/srv/$2.git" ;;
	esac
}

# start_transport TRANSPORT: start what it needs.
start_transport() {
	case $1 in
	git) start_git_daemon ;;
	ssh) start_sshd ;;
	esac
}

# machine NAME: the state directory of machine NAME.
machine() {
	echo "$SCRATCH/$1"
}

# flow_in STATE PRODUCT: a one-environment flow for PRODUCT in STATE.
flow_in() {
	mkdir -p "$1/flows" &&
	printf 'environments:\n  - name: dev\n    action: "true"\n' \
	    >"$1/flows/$2.yaml"
}

# snapshot DIR: like store_snapshot, of any state directory, less the
# objects in its repository (a fetch may add some; they are invisible
# until a branch names them, and the branches are in the snapshot) and
# the lock files (which say who took the lock last).
snapshot() {
	REL_STATE_DIR=$1 store_snapshot | grep -v '\./git/objects/\|\./locks/'
}

# --- three machines, as the publishing tests drive them -----------------

# join NAME URL [FLOW]: machine NAME, its remote URL, small leases, and
# the flow of web (default: one environment, one quick step).
join() {
	local d
	d=$(machine "$1")
	mkdir -p "$d/flows" &&
	printf 'remote = %s\nlease = 3s\nsync_interval = 200ms\n' "$2" \
	    >"$d/config" &&
	printf '%s' "${3:-$(printf 'environments:\n  - name: dev\n    action: "true"\n')}" \
	    >"$d/flows/web.yaml"
}

# on NAME CMD...: run a rel command as machine NAME.
on() {
	local m=$1
	shift
	REL_STATE_DIR=$(machine "$m") "$@"
}

# until_ok SECONDS CMD...: run CMD until it succeeds (a bound against
# hanging, not a measure).
until_ok() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || { "$@"; return 1; }
		sleep 0.1
	done
}

# stop_git_daemon: the daemon of start_git_daemon, gone.
stop_git_daemon() {
	kill "$GIT_DAEMON_PID" 2>/dev/null
	wait "$GIT_DAEMON_PID" 2>/dev/null || true
	# its children (one per connection) go with their connections
}

# no_overlap FILE: every start is followed by the end of the same run.
no_overlap() {
	sort -k2,2n "$1" | awk '
	    $1 == "start" { if (open != "") { print "overlap: " $0; bad = 1 }
	                    open = $3 }
	    $1 == "end"   { if (open != $3) { print "stray end: " $0; bad = 1 }
	                    open = "" }
	    END { exit bad }'
}
