#!/usr/bin/env bash
# bench-table.sh GO_BENCH_OUTPUT CSV: turns `go test -bench -benchmem` output into a markdown
# table on stdout and a CSV file (package,benchmark,ns_per_op,mb_per_s,bytes_per_op,allocs_per_op).
set -euo pipefail
in=$1 csv=$2
awk -v csv="$csv" '
  /^pkg: / { pkg = $2 }
  /^Benchmark/ {
    name = $1; ns = ""; mbs = ""; bop = ""; aop = ""
    for (i = 2; i <= NF; i++) {
      if ($i == "ns/op") ns = $(i-1)
      if ($i == "MB/s") mbs = $(i-1)
      if ($i == "B/op") bop = $(i-1)
      if ($i == "allocs/op") aop = $(i-1)
    }
    rows[++n] = pkg "," name "," ns "," mbs "," bop "," aop
  }
  END {
    print "package,benchmark,ns_per_op,mb_per_s,bytes_per_op,allocs_per_op" > csv
    print "| package | benchmark | ns/op | MB/s | B/op | allocs/op |"
    print "|---|---|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
      print rows[i] >> csv
      split(rows[i], f, ",")
      sub(/^github.com\/oca-collector\/collector\//, "", f[1])
      printf "| %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[6]
    }
  }' "$in"
echo "csv: $csv" >&2
