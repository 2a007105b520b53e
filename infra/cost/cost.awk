# Reads the block blob prices of prices.json (Retail Prices API items, one per line), then
# "name = value" lines (prices.conf, workload.conf), applies the command line's name=value
# overrides, and prints one row per case. See infra/cost-model.md.

# prices.json: an item's x-param names the price; its skuName's last word, when LRS or ZRS,
# says which redundancy it prices (the others price both).
FILENAME ~ /\.json$/ {
  if ($0 !~ /"x-param"/) next
  param = field($0, "x-param"); sku = field($0, "skuName")
  redundancy = sku ~ / (LRS|ZRS)$/ ? substr(sku, length(sku) - 2) : "any"
  price[redundancy, param] = field($0, "retailPrice") + 0
  params[param] = 1
  next
}

/^[ \t]*(#|$)/ { next }
{
  line = $0
  sub(/[ \t]*#.*/, "", line)
  split(line, kv, "=")
  name = kv[1]; value = kv[2]
  gsub(/[ \t]/, "", name); gsub(/[ \t]/, "", value)
  p[name] = value + 0
}

END {
  n = split(overrides, given, " ")
  for (i = 1; i <= n; i++) {
    split(given[i], kv, "=")
    if (!(kv[1] in p) && !(kv[1] in params)) { print "cost.sh: unknown name '" kv[1] "'" > "/dev/stderr"; exit 2 }
    if (kv[1] in params) { price["LRS", kv[1]] = price["ZRS", kv[1]] = price["any", kv[1]] = kv[2] + 0 }
    else p[kv[1]] = kv[2] + 0
  }

  printf "%-34s %6s %6s %8s %8s %8s %8s %8s %9s %9s %8s %7s\n", "case (one customer, per month)", "hot TB", "cold TB", "storage", "requests", "compute", "logs", "early del", "LRS", "ZRS", "B2 $6/TB", "LRS/$9"
  row("first backup month (1 TB)", 1, 0, 30, 0, 1)
  row("unchanged daily backups", 0, 0, 30, 0, 1)
  for (g = 1; g <= 3; g++) {
    gb = g == 1 ? 1 : g == 2 ? 3 : 10
    row(gb " GB/day new, 30 days history", 0, gb * 1e9, 30, 0, 1)
    row(gb " GB/day new, 1 year history", 0, gb * 1e9, 365, 0, 1)
    row(gb " GB/day new, for ever, year 3", 0, gb * 1e9, 0, 3, 1)
  }
  row("  3 GB/day, 30 days, all hot", 0, 3e9, 30, 0, 0)
  row("  3 GB/day, 30 days, account cold", 0, 3e9, 30, 0, 2)
  row("  same, uploads hot until checked", 0, 3e9, 30, 0, 3)
  row("  same, 1 year history", 0, 3e9, 365, 0, 3)
  row("  3 GB/day, 1 year, all hot", 0, 3e9, 365, 0, 0)
  row("  3 GB/day, 30 days, no big files", 0, 3e9, 30, 0, 1, 0)
  row("  3 GB/day, 1 year, no big files", 0, 3e9, 365, 0, 1, 0)

  R = "LRS"
  printf "\nEast US list prices (infra/cost/prices.json: LRS checked, ZRS derived; prices.conf: unchecked). Backblaze Personal: $%.2f a month per computer, 30 days of history.\n", p["backblaze_personal_month"]
  printf "Cold costs less than hot for content kept at least %.1f days (cold's %d-day minimum at its price against hot); the backend moves checked content to cold for plans that keep every version that long.\n", breakeven(), p["cold_min_days"]
  unchanged = p["days_per_month"] * p["unchanged_table_ops_per_day"]
  printf "An unchanged daily backup: %d table requests and %d executions a month, $%.6f in requests and compute, $%.6f in logs: the month is its storage.\n", unchanged, p["days_per_month"], ops(unchanged, p["table_10k"]) + p["days_per_month"] * (p["execution_seconds"] * p["instance_gb"] * p["flex_gb_second"] + p["flex_million_executions"] / 1e6), (unchanged * p["log_bytes_per_storage_request"] + p["days_per_month"] * p["log_bytes_per_execution"]) / 1e9 * p["log_gb"]
  restore = p["stored_bytes"] / 1e9
  cold_share = 1 - (p["account_default_cold"] ? 0 : p["big_file_share"])
  printf "A full restore of the current %.1f TB: egress $%.2f (the first %d GB of the month free) + cold retrieval $%.2f + reads $%.2f, once.\n", restore / 1000, max(0, restore - p["egress_free_gb"]) * price["any", "egress_gb"], p["egress_free_gb"], restore * cold_share * pr("cold_retrieval_gb"), ops(p["files"], pr("cold_read_10k"))
}

# The value of "name": "..." or "name": number in one JSON line.
function field(text, name,    at, rest) {
  at = index(text, "\"" name "\":")
  if (!at) return ""
  rest = substr(text, at + length(name) + 3)
  sub(/^ */, "", rest)
  if (substr(rest, 1, 1) == "\"") { rest = substr(rest, 2); sub(/".*/, "", rest) }
  else sub(/[,}].*/, "", rest)
  return rest
}

# The price of `param` for the redundancy R being costed.
function pr(param) {
  if ((R, param) in price) return price[R, param]
  if (("any", param) in price) return price["any", param]
  print "cost.sh: prices.json has no " param " for " R > "/dev/stderr"; exit 2
}

function ops(count, price10k) { return count * price10k / 1e4 }

# Days of keeping content for which cold (charged at least its minimum stay) costs less than hot.
function breakeven() { return p["cold_min_days"] * pr("cold_gb_month") / pr("hot_gb_month") }

# One row: the LRS month in detail, then the ZRS total; `share` replaces big_file_share. policy 0: everything hot; 1: the
# template's choice (workload.conf); 2: the data account's default tier set to cold; 3: that,
# with devices uploading content explicitly hot and the backend moving it to cold once checked.
function row(label, first, new_per_day, history, years, policy, share,    b2) {
  big_share = share == "" ? p["big_file_share"] : share
  R = "ZRS"; month(first, new_per_day, history, years, policy); zrs = total
  R = "LRS"; month(first, new_per_day, history, years, policy)
  b2 = stored / 1e12 * p["b2_tb_month"]
  printf "%-34s %6.2f %6.2f %8.2f %8.2f %8.2f %8.2f %8.2f %9.2f %9.2f %8.2f %6.2fx\n", label, hot / 1e12, cold / 1e12, storage, requests, compute, logs, early, total, zrs, b2, total / p["backblaze_personal_month"]
}

# Sets hot, cold, stored, storage, requests, compute, logs, early and total for one month.
# Small files' content is one blob each; big files' content (big_file_share of the bytes) is
# kept on lineage blobs, which take the account's default tier (an explicit tier would bill
# every snapshot whole).
function month(first, new_per_day, history, years, policy,    days, b, age, account_cold, upload_tier, small_cold, small_tier, big_tier, current, old, deleted, files_new, bytes_new, small_files, big_files, chunks, small_writes, big_writes, small_reads, big_reads, retrieval, other, table_ops, queue_ops, executions, gb_seconds, moves, released, table_gb, cold_released) {
  days = p["days_per_month"]
  b = big_share
  age = history > 0 ? history : years * 365
  account_cold = policy >= 2 || (policy == 1 && p["account_default_cold"])
  # A device's upload lands in the account's tier unless it names hot (policy 3).
  upload_tier = account_cold && policy != 3 ? "cold" : "hot"
  # Checked content kept less than the breakeven costs less hot, early deletion counted.
  small_cold = upload_tier == "hot" && policy != 0 && p["cold_after_check"] && (history == 0 || history >= breakeven())
  small_tier = small_cold || upload_tier == "cold" ? "cold" : "hot"
  big_tier = account_cold ? "cold" : "hot"

  # Stored: the current tree, the old versions the history keeps (each day's new bytes make as
  # many old), and released content soft-deleted in its tier.
  current = p["stored_bytes"]
  old = new_per_day * age
  deleted = history > 0 ? new_per_day * p["soft_delete_days"] : 0
  stored = current + old + deleted
  hot = cold = 0
  if (small_tier == "cold") cold += stored * (1 - b); else hot += stored * (1 - b)
  if (big_tier == "cold") cold += stored * b; else hot += stored * b
  table_gb = (p["files"] + (new_per_day > 0 ? p["changed_files_per_day"] * age : 0)) * 2 * p["row_bytes"] / 1e9
  storage = hot / 1e9 * pr("hot_gb_month") + cold / 1e9 * pr("cold_gb_month") + table_gb * p["table_gb_month"]

  # Requests: every run's report, then per new file and per new byte.
  files_new = first ? p["files"] : (new_per_day > 0 ? p["changed_files_per_day"] * days : 0)
  bytes_new = first ? p["stored_bytes"] : new_per_day * days
  small_files = files_new * (1 - b); big_files = files_new * b
  chunks = bytes_new * b / p["chunk_bytes"]
  # Device, in the upload's tier: Put Blob (or blocks and a list) per small file, a staged
  # chunk per new chunk of a big file and a list. Backend, in the lineage's tier: a Put Block
  # From URL per chunk, a list and a snapshot per version.
  small_writes = small_files + bytes_new * (1 - b) / p["block_bytes"] + chunks + big_files
  big_writes = chunks + 2 * big_files
  # The check reads every new byte back once, in the tier it was written to.
  small_reads = small_files * p["backend_blob_reads_per_file"]
  big_reads = big_files * p["backend_blob_reads_per_file"]
  retrieval = ((upload_tier == "cold" ? 1 - b : 0) + (big_tier == "cold" ? b : 0)) * bytes_new / 1e9 * pr("cold_retrieval_gb")
  other = files_new * p["backend_other_per_300_files"] / 300
  # Set Blob Tier to cold after the check: one cold write per small file's content.
  moves = small_cold ? small_files : 0
  table_ops = days * p["unchanged_table_ops_per_day"] + files_new * (p["backend_table_reads_per_file"] + p["backend_table_writes_per_file"] + p["retention_table_per_changed_file"])
  queue_ops = files_new * p["backend_queue_ops_per_file"]
  released = history > 0 && new_per_day > 0 ? p["changed_files_per_day"] * days : 0
  table_ops += released * p["release_table_per_version"]
  requests = ops(small_writes, pr(upload_tier "_write_10k")) + ops(big_writes, pr(big_tier "_write_10k")) + ops(small_reads, pr(upload_tier "_read_10k")) + ops(big_reads, pr(big_tier "_read_10k")) + retrieval + ops(other, pr("hot_other_10k")) + ops(moves, pr("cold_write_10k")) + ops(table_ops, p["table_10k"]) + ops(queue_ops, p["queue_10k"])

  executions = days + files_new * p["executions_per_300_files"] / 300
  gb_seconds = bytes_new / p["verify_bytes_per_second"] * p["instance_gb"] + executions * p["execution_seconds"] * p["instance_gb"]
  compute = gb_seconds * p["flex_gb_second"] + executions * p["flex_million_executions"] / 1e6
  logs = ((small_writes + big_writes + small_reads + big_reads + other + moves + table_ops + queue_ops) * p["log_bytes_per_storage_request"] + executions * p["log_bytes_per_execution"]) / 1e9 * p["log_gb"]

  # Early deletion: content released from cold before its minimum stay is charged the rest.
  # Released content has lived at least the history (pessimistic: exactly that).
  early = 0
  cold_released = (small_tier == "cold" ? 1 - b : 0) + (big_tier == "cold" ? b : 0)
  if (history > 0 && history < p["cold_min_days"]) early = new_per_day * days / 1e9 * cold_released * (p["cold_min_days"] - history) / 30 * pr("cold_gb_month")
  total = storage + requests + compute + logs + early
}

function min(a, b) { return a < b ? a : b }
function max(a, b) { return a > b ? a : b }
