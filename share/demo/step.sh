#!/bin/sh
# Demo pre/post step: pretend to do $1 for a moment.
echo "$1 for $REL_RELEASE in $REL_ENV"
sleep 0.2
