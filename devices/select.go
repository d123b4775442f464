package devices

import (
	"fmt"
	"strings"
)

// Select returns the devices a run targets: with no names and no groups, every device; otherwise
// the union of the named devices and the members of the named groups. Devices keep the
// inventory's order and appear once, so a device both named and in a named group is contacted
// once. An unknown name or group is an error naming every one of them: a typo in --device must
// not silently collect nothing.
//
// The whole fleet is the inventory's own slice, not a copy (a Device is most of a kilobyte, so
// a copy of a 10,000-device fleet held for the whole run is 7 MB): callers must not change its
// elements. Its capacity is cut to its length, so appending to it never writes into the
// inventory.
func (inv *Inventory) Select(names, groups []string) ([]Device, error) {
	if len(names) == 0 && len(groups) == 0 {
		return inv.Devices[:len(inv.Devices):len(inv.Devices)], nil
	}
	wantName := make(map[string]bool, len(names))
	wantGroup := make(map[string]bool, len(groups))
	var unknown []string
	for _, n := range names {
		if !inv.hasDevice(n) {
			unknown = append(unknown, fmt.Sprintf("unknown device %q", n))
		}
		wantName[n] = true
	}
	for _, g := range groups {
		if _, ok := inv.Groups[g]; !ok {
			unknown = append(unknown, fmt.Sprintf("unknown group %q", g))
		}
		wantGroup[g] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("select devices: %s", strings.Join(unknown, ", "))
	}
	var out []Device
	for _, dev := range inv.Devices {
		if wantName[dev.Name] || inAny(dev.Groups, wantGroup) {
			out = append(out, dev)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("select devices: no device is a member of group %s", strings.Join(quoteAll(groups), ", "))
	}
	return out, nil
}

func (inv *Inventory) hasDevice(name string) bool {
	for _, d := range inv.Devices {
		if d.Name == name {
			return true
		}
	}
	return false
}

func inAny(groups []string, want map[string]bool) bool {
	for _, g := range groups {
		if want[g] {
			return true
		}
	}
	return false
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
