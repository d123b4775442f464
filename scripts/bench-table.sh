#!/usr/bin/env bash
# bench-table.sh GO_BENCH_OUTPUT... CSV: turns `go test -bench` output (with -benchmem and any
# b.ReportMetric custom metrics) into markdown on stdout and a CSV file with one row per
# benchmark and metric: package,benchmark,metric,value.
#
# Benchmarks that report wall_s (the fleet benchmarks of internal/bench) get a table of their
# own, one column per benchmark and one row per metric, followed by the notes they logged
# (key exchanges, batch mode, baselines' command lines, targets met or not) and the reasons of
# skipped ones. The others are listed with ns/op, MB/s, B/op, allocs/op and any extra metric.
set -euo pipefail
if (($# < 2)); then
  echo "usage: $0 GO_BENCH_OUTPUT... CSV" >&2
  exit 2
fi
csv=${*: -1}
inputs=("${@:1:$#-1}")
awk -v csv="$csv" '
  function std(unit) {
    return unit == "ns/op" || unit == "MB/s" || unit == "B/op" || unit == "allocs/op"
  }
  function csvname(unit) {
    if (unit == "ns/op") return "ns_per_op"
    if (unit == "MB/s") return "mb_per_s"
    if (unit == "B/op") return "bytes_per_op"
    if (unit == "allocs/op") return "allocs_per_op"
    return unit
  }
  function short(name) {
    sub(/^Benchmark/, "", name)
    sub(/-[0-9]+$/, "", name)
    return name
  }
  # record parses "NAME ITERATIONS v1 u1 v2 u2 ..." starting at field `from` (the iterations).
  function record(name, from,    i, b) {
    b = ++nb
    bname[b] = name; bpkg[b] = pkg; nm[b] = 0
    for (i = from + 1; i < NF; i += 2) {
      nm[b]++; mval[b, nm[b]] = $i; munit[b, nm[b]] = $(i + 1)
      if ($(i + 1) == "wall_s") fleet[b] = 1
    }
  }
  /^pkg: / { pkg = $2; next }
  /^Benchmark[^ \t]*[ \t]+[0-9]+[ \t]/ { record($1, 2); pending = ""; next }
  /^Benchmark[^ \t]*[ \t]*$/ { pending = $1; next }   # name printed, results on a later line
  pending != "" && /^[ \t]*[0-9]+[ \t]+[0-9.e+-]+ / {
    $0 = pending " " $0; record($1, 2); pending = ""; next
  }
  /^--- (BENCH|SKIP): / { note_for = $3; skip = ($2 == "SKIP:"); next }
  /^[ \t]+[^ \t]+\.go:[0-9]+: / && note_for != "" {
    line = $0; sub(/^[ \t]+[^ \t]+\.go:[0-9]+: /, "", line)
    notes[++nn] = (skip ? "skipped " short(note_for) ": " : short(note_for) ": ") line
    next
  }
  { note_for = "" }
  END {
    print "package,benchmark,metric,value" > csv
    for (b = 1; b <= nb; b++)
      for (j = 1; j <= nm[b]; j++)
        printf "%s,%s,%s,%s\n", bpkg[b], bname[b], csvname(munit[b, j]), mval[b, j] >> csv

    print "## Go benchmarks"
    print ""
    print "| package | benchmark | ns/op | MB/s | B/op | allocs/op | other |"
    print "|---|---|---:|---:|---:|---:|---|"
    for (b = 1; b <= nb; b++) {
      if (b in fleet) continue
      delete v; other = ""
      for (j = 1; j <= nm[b]; j++) {
        u = munit[b, j]
        if (std(u)) v[u] = mval[b, j]
        else other = other (other == "" ? "" : ", ") mval[b, j] " " u
      }
      p = bpkg[b]; sub(/^github.com\/oca-collector\/collector\//, "", p)
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", p, short(bname[b]), v["ns/op"], v["MB/s"], v["B/op"], v["allocs/op"], other
    }

    nf = 0
    for (b = 1; b <= nb; b++) if (b in fleet) cols[++nf] = b
    if (nf == 0 && nn == 0) exit
    print ""
    print "## Fleet benchmarks"
    print ""
    if (nf > 0) {
      # Rows: the headline metrics first, in this order, then the rest as they come.
      split("wall_s devices_per_s cpu_ms_per_device cpu_user_ms_per_device cpu_sys_ms_per_device peak_rss_mb goroutines_end fds_end device_ms_p50 device_ms_max round_trips_p50 round_trips_max channels_per_device logins_per_device max_channels_at_once", order, " ")
      nr = 0
      for (k = 1; k in order; k++) rows[++nr] = order[k]
      for (c = 1; c <= nf; c++) {
        b = cols[c]
        for (j = 1; j <= nm[b]; j++) {
          u = munit[b, j]; seen = 0
          for (r = 1; r <= nr; r++) if (rows[r] == u) seen = 1
          if (!seen && !std(u)) rows[++nr] = u
        }
      }
      hdr = "| metric |"; sep = "|---|"
      for (c = 1; c <= nf; c++) { hdr = hdr " " short(bname[cols[c]]) " |"; sep = sep "---:|" }
      print hdr; print sep
      for (r = 1; r <= nr; r++) {
        line = "| " rows[r] " |"; any = 0
        for (c = 1; c <= nf; c++) {
          b = cols[c]; val = ""
          for (j = 1; j <= nm[b]; j++) if (munit[b, j] == rows[r]) { val = mval[b, j]; any = 1 }
          line = line " " val " |"
        }
        if (any) print line
      }
    }
    if (nn > 0) {
      print ""
      for (k = 1; k <= nn; k++) print "- " notes[k]
    }
  }' "${inputs[@]}"
echo "csv: $csv" >&2
