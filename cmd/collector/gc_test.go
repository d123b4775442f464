package main

import "testing"

func TestGCSettings(t *testing.T) {
	none := func(string) string { return "" }
	for conc, wantMiB := range map[int]int64{0: 64, 1: 64, 32: 76, 64: 88, 500: 251} {
		percent, limit, ok := gcSettings(conc, none)
		if !ok || percent != 400 || limit>>20 != wantMiB {
			t.Errorf("concurrency %d: %d%%, %d MiB, %v; want 400%%, %d MiB", conc, percent, limit>>20, ok, wantMiB)
		}
	}
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		env := func(k string) string {
			if k == name {
				return "off"
			}
			return ""
		}
		if _, _, ok := gcSettings(64, env); ok {
			t.Errorf("%s set: the collector still tunes the GC", name)
		}
	}
}
