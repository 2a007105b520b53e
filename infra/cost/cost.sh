#!/usr/bin/env bash
# The monthly Azure cost of one Backazon customer, from the backend's request counts and list
# prices (infra/cost-model.md explains every line).
#   bash infra/cost/cost.sh                          # the table: prices.json, prices.conf, workload.conf
#   bash infra/cost/cost.sh big_file_share=0.2 cold_gb_month=0.004    # any value overridden
# Needs bash and awk only (POSIX awk: mawk, gawk or BSD awk).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for override in "$@"; do
  case "$override" in
    *=*) ;;
    *) echo "cost.sh: expected name=value, got '$override'" >&2; exit 2 ;;
  esac
done

LC_ALL=C awk -v overrides="$*" -f "$here/cost.awk" "$here/prices.json" "$here/prices.conf" "$here/workload.conf"
