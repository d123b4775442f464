package devices

import (
	"reflect"
	"testing"
)

func TestSelect(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	src := `version: 1
credentials: {c: {username: u, agent: true}}
command_sets: {s: {commands: [id]}}
defaults: {credential: c, command_set: s}
groups: {core: {}, edge: {}, empty: {}}
devices:
  - {name: a, host: h, asset_uuid: 00000000-0000-4000-8000-000000000001, groups: [core]}
  - {name: b, host: h, asset_uuid: 00000000-0000-4000-8000-000000000002}
  - {name: c, host: h, asset_uuid: 00000000-0000-4000-8000-000000000003, groups: [edge, core]}
  - {name: d, host: h, asset_uuid: 00000000-0000-4000-8000-000000000004, groups: [edge]}
`
	inv := mustLoad(t, writeInventory(t, src, nil))
	tests := []struct {
		name          string
		names, groups []string
		want          []string
		wantErr       string
	}{
		{name: "all", want: []string{"a", "b", "c", "d"}},
		{name: "by name in file order", names: []string{"d", "b"}, want: []string{"b", "d"}},
		{name: "by group", groups: []string{"core"}, want: []string{"a", "c"}},
		{name: "union without duplicates", names: []string{"c", "b", "c"}, groups: []string{"core", "edge"}, want: []string{"a", "b", "c", "d"}},
		{name: "unknown name and group", names: []string{"a", "zz"}, groups: []string{"nope"},
			wantErr: `select devices: unknown device "zz", unknown group "nope"`},
		{name: "empty group", groups: []string{"empty"}, wantErr: `select devices: no device is a member of group "empty"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inv.Select(tt.names, tt.groups)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range got {
				names = append(names, d.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("Select = %v, want %v", names, tt.want)
			}
		})
	}
	// The whole fleet is the inventory's slice (no copy of a large fleet), but appending to it
	// must not write into the inventory's array, even where that array has room.
	n := len(inv.Devices)
	inv.Devices = append(inv.Devices[:n:n], Device{Name: "spare"})[:n]
	all, _ := inv.Select(nil, nil)
	if &all[0] != &inv.Devices[0] {
		t.Error("Select(nil, nil) copied the fleet")
	}
	_ = append(all, Device{Name: "appended"})
	if spare := inv.Devices[:n+1][n]; spare.Name != "spare" {
		t.Errorf("appending to Select's result wrote %q into the inventory's array", spare.Name)
	}
}
