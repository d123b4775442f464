package upload

import (
	"regexp"
	"testing"
)

// assetUUIDPattern is the shape ValidAssetUUID checks, as a regular expression: the oracle.
var assetUUIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func TestValidAssetUUID(t *testing.T) {
	for _, c := range []struct {
		s  string
		ok bool
	}{
		{"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", true},
		{"6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B", true},
		{"", false},
		{"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4", false},   // one short
		{"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4bc", false}, // one long
		{"6f1c2a3b4d5e-4f60-8a7b-9c0d1e2f3a4b-", false},  // hyphen moved
		{"6f1c2a3g-4d5e-4f60-8a7b-9c0d1e2f3a4b", false},  // not hex
		{"../../etc/passwd-4f60-8a7b-9c0d1e2f3a", false},
		{"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4\n", false},
	} {
		if got := ValidAssetUUID(c.s); got != c.ok {
			t.Errorf("ValidAssetUUID(%q) = %v, want %v", c.s, got, c.ok)
		}
	}
}

// FuzzValidAssetUUID: the loop agrees with the regular expression on any string.
func FuzzValidAssetUUID(f *testing.F) {
	f.Add("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")
	f.Add("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4")
	f.Add("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidAssetUUID(s), assetUUIDPattern.MatchString(s); got != want {
			t.Fatalf("ValidAssetUUID(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
