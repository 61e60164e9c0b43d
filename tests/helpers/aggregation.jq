# aggregation.jq - the releases (rel-status --format json, one per line)
# whose status breaks DESIGN.md's aggregation rule: a release's status
# follows from its environments.  One line each, saying why; nothing when
# every release keeps the rule.  Used by the fault tests and the soak:
#   jq -r -f tests/helpers/aggregation.jq RELEASES.json
def agg:
  ([.environments[].status]) as $e |
  if .terminated != null then
    (if .status == "terminating" or .status == "terminated" then .status
     else "terminating|terminated" end)
  elif any($e[]; . == "failed" or . == "terminated") then "failed"
  elif any($e[]; . == "running") then "running"
  elif any($e[]; . == "suspended") then "suspended"
  elif ($e | length) > 0 and all($e[]; . == "succeeded") then "succeeded"
  else "pending" end;
select(agg != .status) | "\(.id) is \(.status), its environments say \(agg)"
