#!/bin/sh
# Install, on a Debian machine, what building and testing rel needs and is
# missing.  Quiet when everything is there.  Run by `make check` and
# `make demo`; safe to run again.
set -eu

need=""
has_pc() { pkg-config --exists "$1" 2>/dev/null; }
has_cmd() { command -v "$1" >/dev/null 2>&1; }

has_cmd cc || need="$need gcc libc6-dev"
has_cmd pkg-config || need="$need pkg-config"
has_pc yaml-0.1 || need="$need libyaml-dev"
has_pc libgit2 || need="$need libgit2-dev"
has_pc zlib || need="$need zlib1g-dev"
has_pc cmocka || need="$need libcmocka-dev"
has_cmd bats || need="$need bats"
has_cmd prove || need="$need perl"
has_cmd mandoc || need="$need mandoc"
has_cmd git || need="$need git"
# The sync tests serve a remote over ssh:// from an sshd of their own.
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
has_cmd ssh-keygen || need="$need openssh-client"
has_cmd zcat || need="$need gzip"
has_cmd jq || need="$need jq"
# Freeze windows read their time zones from the system's zoneinfo.
[ -f /usr/share/zoneinfo/Europe/Berlin ] || need="$need tzdata"
# The live view of rel-promote is tested in a terminal: tmux.
has_cmd tmux || need="$need tmux"
# The zsh and fish completions are tested at their shells' prompts.
has_cmd zsh || need="$need zsh"
has_cmd fish || need="$need fish"
# rel-status --format html is checked in a real browser, and by tidy.
has_cmd chromium || need="$need chromium"
has_cmd tidy || need="$need tidy"
if [ "${REL_DEPS_EXTRA:-}" ]; then
	for p in $REL_DEPS_EXTRA; do
		dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
	done
fi

[ -z "$need" ] && exit 0

if ! has_cmd apt-get; then
	echo "rel: missing:$need (install them; this is not a Debian machine)" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
	if has_cmd sudo; then sudo="sudo"; else
		echo "rel: missing:$need; run as root or install sudo" >&2
		exit 1
	fi
fi
echo "rel: installing:$need" >&2
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >&2
