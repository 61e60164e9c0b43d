#!/bin/sh
# Demo change record: production changes get a ticket, kept as an output.
n=$(date +%s | cut -c6-)
echo "opened change record CHG$n for $REL_RELEASE${REL_HOTFIX:+ (hotfix: $REL_HOTFIX)}"
echo "change_record=CHG$n" >> "$REL_OUTPUT"
