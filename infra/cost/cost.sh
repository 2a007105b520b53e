#!/usr/bin/env bash
# The monthly Azure cost of one Backazon customer, from the backend's request counts and list
# prices (infra/cost-model.md explains every line).
#   bash infra/cost/cost.sh                          # the table, with prices.conf and workload.conf
#   bash infra/cost/cost.sh hot_gb_month=0.0208 files=250000    # any value overridden
# Needs bash and awk only (POSIX awk: mawk, gawk or BSD awk).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for override in "$@"; do
  case "$override" in
    *=*) ;;
    *) echo "cost.sh: expected name=value, got '$override'" >&2; exit 2 ;;
  esac
done

LC_ALL=C awk -v overrides="$*" -f "$here/cost.awk" "$here/prices.conf" "$here/workload.conf"
