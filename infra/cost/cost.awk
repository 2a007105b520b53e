# Reads "name = value" lines (prices.conf, workload.conf), applies the command line's
# name=value overrides, and prints one row per case. See infra/cost-model.md.

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
    if (!(kv[1] in p)) { print "cost.sh: unknown name '" kv[1] "'" > "/dev/stderr"; exit 2 }
    p[kv[1]] = kv[2] + 0
  }

  printf "%-34s %7s %7s %7s %9s %9s %9s %9s %9s %10s %9s\n", "case (one customer, per month)", "hot TB", "cool TB", "cold TB", "storage", "requests", "compute", "logs", "early del", "TOTAL", "vs B2 $9"
  row("first backup month (1 TB, 100k)", 1, 0, 0, 0, 0)
  row("unchanged daily backups", 0, 0, 0, 0, 0)
  row("1%/day changed, 30 days history", 0, 1, 30, 0, 0)
  row("1%/day changed, 1 year history", 0, 1, 365, 0, 1)
  row("  same, tiering off", 0, 1, 365, 0, 0)
  row("1%/day changed, forever, year 1", 0, 1, 0, 1, 1)
  row("1%/day changed, forever, year 3", 0, 1, 0, 3, 1)
  printf "\nBackblaze Personal: $%.2f a month, or $%.2f a year ($%.2f a month). Prices: infra/cost/prices.conf (check them).\n", p["backblaze_month"], p["backblaze_year"], p["backblaze_year"] / 12
  unchanged = p["days_per_month"] * p["unchanged_table_ops_per_day"]
  printf "An unchanged daily backup: %d table requests and %d executions a month, $%.6f in requests and compute, $%.6f in logs: the month is its storage.\n", unchanged, p["days_per_month"], ops(unchanged, p["table_10k"]) + p["days_per_month"] * (p["execution_seconds"] * p["instance_gb"] * p["flex_gb_second"] + p["flex_million_executions"] / 1e6), (unchanged * p["log_bytes_per_storage_request"] + p["days_per_month"] * p["log_bytes_per_execution"]) / 1e9 * p["log_gb"]
  restore = p["stored_bytes"] / 1e9
  printf "A full restore of the current %.1f TB (hot): egress $%.2f + reads $%.2f, once.\n", restore / 1000, restore * p["egress_gb"], p["files"] * p["hot_read_10k"] / 1e4
}

function ops(count, price10k) { return count * price10k / 1e4 }

# Blob writes a device makes for one file of this size: one Put Blob, or its blocks and a
# Put Block List.
function device_writes(bytes) {
  if (bytes <= p["block_bytes"]) return 1
  return int((bytes + p["block_bytes"] - 1) / p["block_bytes"]) + 1
}

# Requests and compute for `count` new files of `bytes` each; adds to the globals.
function new_files(count, bytes) {
  blob_writes += count * device_writes(bytes)
  blob_reads += count * p["backend_blob_reads_per_file"]
  blob_other += count * p["backend_other_per_300_files"] / 300 + (bytes > p["block_bytes"] ? count : 0)
  table_ops += count * (p["backend_table_reads_per_file"] + p["backend_table_writes_per_file"] + p["retention_table_per_changed_file"])
  queue_ops += count * p["backend_queue_ops_per_file"]
  executions += count * p["executions_per_300_files"] / 300
  gb_seconds += count * bytes / p["verify_bytes_per_second"] * p["instance_gb"]
}

function row(label, first, changed, history, years, tiering,    ts, days, per_day, new_per_day, age, hot, cool, cold, tagged, released, early, stay, storage, requests, compute, logs, total, gb) {
  blob_writes = blob_reads = blob_other = table_ops = queue_ops = executions = gb_seconds = 0
  cool_moves = cold_moves = tag_writes = early = 0
  days = p["days_per_month"]
  hot = p["stored_bytes"]; cool = 0; cold = 0; tagged = 0

  if (first) new_files(p["files"], p["stored_bytes"] / p["files"])

  # Every backup run ends with its report.
  table_ops += days * p["unchanged_table_ops_per_day"]
  executions += days

  if (changed) {
    per_day = p["files"] * p["changed_share_per_day"]
    new_per_day = per_day * p["changed_file_bytes"]
    new_files(per_day * days, p["changed_file_bytes"])
    # Each new version makes the previous one old; old content lives `age` days (the plan's
    # history, or how long the account has existed when history is for ever).
    age = history > 0 ? history : years * 365
    # The backend tags only content of at least tier_min_bytes (infra/README.md).
    ts = p["changed_file_bytes"] >= p["tier_min_bytes"] ? p["tiered_share"] : 0
    if (tiering) {
      hot += new_per_day * (age * (1 - ts) + ts * min(age, p["cool_after_days"]))
      cool += new_per_day * ts * max(0, min(age, p["cold_after_days"]) - p["cool_after_days"])
      cold += new_per_day * ts * max(0, age - p["cold_after_days"])
      # Each tagged blob: one tag set (and one removal, counted as a write too), one move per tier it reaches.
      tag_writes = 2 * per_day * days * ts
      cool_moves = age > p["cool_after_days"] ? per_day * days * ts : 0
      cold_moves = age > p["cold_after_days"] ? per_day * days * ts : 0
      tagged = per_day * ts * age
    } else {
      hot += new_per_day * age
    }

    if (history > 0) {
      # Steady state: as many versions leave retention as arrive; their content is released.
      released = per_day * days
      table_ops += released * p["release_table_per_version"]
      # Released content stays soft-deleted in its tier for soft_delete_days.
      gb = new_per_day * p["soft_delete_days"]
      if (!tiering || age <= p["cool_after_days"]) hot += gb
      else {
        hot += gb * (1 - ts)
        if (age <= p["cold_after_days"]) cool += gb * ts
        else cold += gb * ts
      }
      # Early deletion: the rest of a minimum stay, for content that leaves a tier too soon.
      if (tiering && age > p["cool_after_days"]) {
        stay = min(age, p["cold_after_days"]) - p["cool_after_days"]
        if (stay < p["cool_min_days"]) early += new_per_day * days * ts / 1e9 * (p["cool_min_days"] - stay) / 30 * p["cool_gb_month"]
      }
      if (tiering && age > p["cold_after_days"]) {
        stay = age - p["cold_after_days"]
        if (stay < p["cold_min_days"]) early += new_per_day * days * ts / 1e9 * (p["cold_min_days"] - stay) / 30 * p["cold_gb_month"]
      }
    }
  }

  # Catalog and content rows: every current file, every old version.
  table_gb = (p["files"] + (changed ? per_day * age : 0)) * 2 * p["row_bytes"] / 1e9

  storage = hot / 1e9 * p["hot_gb_month"] + cool / 1e9 * p["cool_gb_month"] + cold / 1e9 * p["cold_gb_month"] + table_gb * p["table_gb_month"] + tagged * p["index_tags_10k_month"] / 1e4
  requests = ops(blob_writes + tag_writes, p["hot_write_10k"]) + ops(blob_reads, p["hot_read_10k"]) + ops(blob_other, p["hot_other_10k"]) + ops(cool_moves, p["cool_write_10k"]) + ops(cold_moves, p["cold_write_10k"]) + ops(table_ops, p["table_10k"]) + ops(queue_ops, p["queue_10k"])
  gb_seconds += executions * p["execution_seconds"] * p["instance_gb"]
  compute = gb_seconds * p["flex_gb_second"] + executions * p["flex_million_executions"] / 1e6
  logs = ((blob_writes + blob_reads + blob_other + tag_writes + table_ops + queue_ops) * p["log_bytes_per_storage_request"] + executions * p["log_bytes_per_execution"]) / 1e9 * p["log_gb"]
  total = storage + requests + compute + logs + early

  printf "%-34s %7.2f %7.2f %7.2f %9.2f %9.2f %9.2f %9.2f %9.2f %10.2f %8.1fx\n", label, hot / 1e12, cool / 1e12, cold / 1e12, storage, requests, compute, logs, early, total, total / p["backblaze_month"]
}

function min(a, b) { return a < b ? a : b }
function max(a, b) { return a > b ? a : b }
