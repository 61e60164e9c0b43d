#!/bin/sh
# Demo action: "deploy" a component by writing its version where the
# environment's "servers" are: under $DEMO_CLUSTER (make demo makes one
# for its session; not a REL_* name, since rel passes a step its own REL_*
# variables and no others).  Release data comes only from REL_* variables.
set -eu
cluster=${DEMO_CLUSTER:-${TMPDIR:-/tmp}/rel-demo-cluster}/$REL_ENV
mkdir -p "$cluster"
echo "deploying $REL_COMPONENT $REL_VERSION of $REL_RELEASE to $REL_ENV (attempt $REL_ATTEMPT, was: ${REL_PREVIOUS:-nothing})"
sleep 0.3
printf '%s\n' "$REL_VERSION" > "$cluster/$REL_COMPONENT"
echo "url=https://$REL_ENV.shop.example/$REL_COMPONENT" >> "$REL_OUTPUT"
echo done
