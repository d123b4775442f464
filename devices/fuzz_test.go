package devices

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary documents to the loader: it must never panic, must report problems
// as Problems with a message and a position inside the document, and must only accept
// inventories whose devices are complete.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	seeds, _ := filepath.Glob("testdata/invalid/*.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("version: 1\nx: &x {<<: *x}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := parse("fuzz.yaml", dir, dir, data)
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1 // YAML breaks lines on CR too
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error %v (%T) is not Problems", err, err)
			}
			for _, p := range ps {
				// A problem in a platforms_file the document names carries that file's
				// (absolute) path and its own positions.
				other := p.File != "fuzz.yaml" && filepath.IsAbs(p.File)
				if p.Message == "" || (p.File != "fuzz.yaml" && !other) || p.Line < 0 || (!other && p.Line > lines+1) {
					t.Fatalf("bad problem %+v (document has %d lines)", p, lines)
				}
			}
			return
		}
		if inv.Version != 1 || len(inv.Devices) == 0 {
			t.Fatalf("accepted inventory with version %d and %d devices", inv.Version, len(inv.Devices))
		}
		for _, d := range inv.Devices {
			if d.Name == "" || d.Host == "" || d.Credential.Name == "" || len(d.Commands) == 0 {
				t.Fatalf("accepted incomplete device %+v", d)
			}
			// A device may wait for provisioning, but never silently.
			if d.AssetUUID == "" && !slices.ContainsFunc(inv.Warnings, func(w string) bool {
				return strings.Contains(w, "no asset_uuid: run `collector assets provision`")
			}) {
				t.Fatalf("accepted device %q without an asset UUID and without a warning: %q", d.Name, inv.Warnings)
			}
		}
	})
}
