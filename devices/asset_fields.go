package devices

import (
	"net/netip"
	"strings"
	"unicode"
)

// Where a device's AssetUUID came from (Device.AssetSource).
const (
	AssetFromInventory = "inventory"  // the device's asset_uuid key
	AssetFromState     = "state file" // the asset state file, written by "collector assets provision"
)

// maxTechnologyLen bounds a technology name; OCA's are a few words.
const maxTechnologyLen = 128

// assetFields decodes what provisioning needs (host_ip, technology) and resolves HostIP and
// Technology. Neither is required here: a device that already has its asset UUID never needs
// them, and "collector assets provision" says what is missing for one that does not.
func (d *decoder) assetFields(dev *Device, f map[string]entry) {
	if e, ok := f["host_ip"]; ok {
		if v, ok := d.str(e); ok {
			if ip, err := netip.ParseAddr(v); err != nil || ip.Zone() != "" {
				d.problem(resolve(e.val), e.path, "%q is not an IP address", v)
			} else {
				dev.HostIP = ip.Unmap().String()
			}
		}
	} else if ip, err := netip.ParseAddr(dev.Host); err == nil && ip.Zone() == "" {
		dev.HostIP = ip.Unmap().String()
	}
	dev.Technology = dev.PlatformDef.Technology
	if e, ok := f["technology"]; ok {
		if v, ok := d.technology(e); ok {
			dev.Technology = v
		}
	}
}

// technology decodes an OCA technology name (a platform's or a device's). Its spelling cannot be
// checked here: OCA publishes no list, and the subscription's own list is what counts.
func (d *decoder) technology(e entry) (string, bool) {
	v, ok := d.nonEmpty(e)
	if !ok {
		return "", false
	}
	v = strings.TrimSpace(v)
	n := resolve(e.val)
	switch {
	case v == "":
		d.problem(n, e.path, "must not be empty")
		return "", false
	case len(v) > maxTechnologyLen:
		d.problem(n, e.path, "must be at most %d bytes", maxTechnologyLen)
		return "", false
	case strings.ContainsFunc(v, unicode.IsControl):
		d.problem(n, e.path, "%q contains control characters", v)
		return "", false
	}
	return v, true
}
