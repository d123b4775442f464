package devices

import (
	"errors"
	"testing"
)

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "inv.yaml", Line: 14, Col: 5, Path: "devices[3].platform", Message: `unknown platform "ios_xe"`},
			`inv.yaml:14:5: devices[3].platform: unknown platform "ios_xe"`},
		{Problem{File: "inv.yaml", Path: "version", Message: "required, must be 1"},
			`inv.yaml: version: required, must be 1`},
		{Problem{File: "inv.yaml", Line: 3, Message: "did not find expected key"},
			`inv.yaml:3: did not find expected key`},
		{Problem{File: "inv.yaml", Message: "inventory is empty"}, `inv.yaml: inventory is empty`},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestProblemsError(t *testing.T) {
	var err error = Problems{
		{File: "a.yaml", Line: 1, Col: 1, Path: "version", Message: "required, must be 1"},
		{File: "a.yaml", Line: 9, Col: 3, Path: "devices", Message: "list at least one device"},
	}
	want := "a.yaml:1:1: version: required, must be 1\na.yaml:9:3: devices: list at least one device"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 2 {
		t.Errorf("errors.As(Problems) = %v, %d", ps, len(ps))
	}
}

func TestSortProblemsIsStableByPosition(t *testing.T) {
	ps := []Problem{
		{Line: 5, Col: 3, Message: "c"},
		{Line: 2, Col: 9, Message: "b"},
		{Line: 5, Col: 3, Message: "d"},
		{Line: 0, Message: "a"},
		{Line: 2, Col: 1, Message: "a2"},
	}
	sortProblems(ps, "")
	var got string
	for _, p := range ps {
		got += p.Message + " "
	}
	if want := "a a2 b c d "; got != want {
		t.Errorf("order = %q, want %q", got, want)
	}
}

// TestSortProblemsInventoryFirst: problems of the platforms file the inventory names come after
// the inventory's own, each file in position order.
func TestSortProblemsInventoryFirst(t *testing.T) {
	ps := []Problem{
		{File: "/etc/oca/platforms.yaml", Line: 1, Message: "p1"},
		{File: "inv.yaml", Line: 9, Message: "i9"},
		{File: "/etc/oca/b.yaml", Line: 1, Message: "b1"},
		{File: "inv.yaml", Line: 2, Message: "i2"},
	}
	sortProblems(ps, "inv.yaml")
	var got string
	for _, p := range ps {
		got += p.Message + " "
	}
	if want := "i2 i9 b1 p1 "; got != want {
		t.Errorf("order = %q, want %q", got, want)
	}
}

func TestEditDistanceAndSuggest(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"platfrom", "platform", 2}, {"port", "port", 0}, {"", "abc", 3}, {"kitten", "sitting", 3}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := suggest("credentail", settingKeys); got != "credential" {
		t.Errorf("suggest(credentail) = %q", got)
	}
	if got := suggest("colour", settingKeys); got != "" {
		t.Errorf("suggest(colour) = %q, want none", got)
	}
}
