#!/bin/sh
# Demo action: "deploy" a component by writing its version where the
# environment's "servers" are.  Release data comes only from REL_* variables.
set -eu
cluster=${REL_DEMO_CLUSTER:-${TMPDIR:-/tmp}/rel-demo-cluster}/$REL_ENV
mkdir -p "$cluster"
echo "deploying $REL_COMPONENT $REL_VERSION of $REL_RELEASE to $REL_ENV (attempt $REL_ATTEMPT, was: ${REL_PREVIOUS:-nothing})"
sleep 0.3
printf '%s\n' "$REL_VERSION" > "$cluster/$REL_COMPONENT"
echo "url=https://$REL_ENV.shop.example/$REL_COMPONENT" >> "$REL_OUTPUT"
echo done
