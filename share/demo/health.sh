#!/bin/sh
# Demo verify: the component answers with the version just deployed.
set -eu
cluster=${DEMO_CLUSTER:-${TMPDIR:-/tmp}/rel-demo-cluster}/$REL_ENV
got=$(cat "$cluster/$REL_COMPONENT" 2>/dev/null || true)
echo "health of $REL_COMPONENT in $REL_ENV: version '$got' (try $REL_TRY)"
[ "$got" = "$REL_VERSION" ]
