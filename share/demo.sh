#!/bin/sh
# make demo: a session with rel on the default state directory (or
# $REL_STATE_DIR), with the demo product "shop" (share/flows/shop.yaml):
# releases made and promoted through a manual gate, status for people and
# for programs, a rollback and a hotfix.  Run from the top of the tree.
set -eu
PATH=$(pwd)/bin:$PATH
export PATH

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; sh -c "$*"; }

state=$(rel-status --help >/dev/null; sh -c 'printf %s "${REL_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/rel}"')
mkdir -p "$state/flows"
cp share/flows/shop.yaml "$state/flows/shop.yaml"
DEMO_CLUSTER=$(mktemp -d "${TMPDIR:-/tmp}/rel-demo-cluster.XXXXXX")
export DEMO_CLUSTER
trap 'rm -rf "$DEMO_CLUSTER"' EXIT

# A small git history for the release notes, in conventional commits.
repo=$DEMO_CLUSTER/shop.git
git init -q "$repo"
commit() { git -C "$repo" -c user.name="${2:-Ana Lima}" \
    -c user.email=dev@shop.example commit -q --allow-empty -m "$1"; }
commit "feat(checkout): pay in two steps"
git -C "$repo" tag v2.0
commit "fix(search): ranking ignored stock (#131)"
commit "perf(search): cache the catalogue index" "Bo Chen"
commit "feat(api)!: orders carry their currency

BREAKING CHANGE: clients must send the currency of an order.
Closes SHOP-77"
commit "docs: how to run the shop locally" "Bo Chen"
echo "rel demo: state directory $state, product 'shop' (flow: $state/flows/shop.yaml)"

say 'id=$(rel-create shop -a api=1.4.0 -a ui=2.0.0 --rev v2.0 --repo "$repo" -m "checkout v2")'
id=$(rel-create shop -a api=1.4.0 -a ui=2.0.0 --rev v2.0 --repo "$repo" -m "checkout v2")
echo "$id"
run "rel-promote $id        # dev, qa, both stagings; stops at the manual prod gate"
run "rel-status --format table $id"
run "rel-promote $id prod --by release-manager   # the manual gate"

say 'next=$(rel-create shop -a api=1.5.0 -a ui=2.1.0 --rev HEAD --repo "$repo" -m "faster search")'
next=$(rel-create shop -a api=1.5.0 -a ui=2.1.0 --rev HEAD --repo "$repo" -m "faster search")
echo "$next"
run "rel-promote $next > /dev/null   # up to the gate"
run "rel-notes --env prod $next        # what prod would get"
run "rel-promote $next prod > /dev/null"
run "rel-status shop                      # TSV for programs"
run "rel-status shop --envs | awk -F'\t' '\$2 == \"prod\" && \$6 == \"yes\" { print \$1, \"is live in prod\" }'"
run "rel-status shop --format json | jq -c '{id, status, artifacts, prod: (.environments[] | select(.name == \"prod\") | .status)}'"

say "# 3 a.m.: $next misbehaves in prod; roll back to $id"
run "rel-redeploy $id prod --reason '$next leaks memory' > /dev/null && rel-status --live shop"

say "# a new release goes to qa for testing, then a hotfix goes all the way"
third=$(rel-create shop -a api=1.6.0 -a ui=2.2.0 -m "new cart")
run "rel-promote $third > /dev/null; rel-status --live shop"
say 'hotfix=$(rel-create shop --hotfix -a api=1.4.1 -a ui=2.0.0 -m "fix leak")'
hotfix=$(rel-create shop --hotfix -a api=1.4.1 -a ui=2.0.0 -m "fix leak")
run "rel-promote $hotfix > /dev/null && rel-promote --detach $hotfix prod   # in the background"
run "rel-log --follow $hotfix prod   # its steps' output as it comes, until prod is done"
run "rel-status --live shop"
run "rel-redeploy --restore $hotfix 2>/dev/null   # testers get $third back"
run "rel-status --live shop"
run "rel-status --env prod --history shop"
run "rel-log $hotfix prod change-record"
run "rel-status --history $hotfix | head -5"
echo
echo "rel demo: done.  Look around: rel-status --format table shop; man rel"
