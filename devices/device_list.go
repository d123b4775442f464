package devices

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

var deviceKeys = append([]string{"name", "host", "asset_uuid", "groups", "host_ip", "technology"}, settingKeys...)

// assetUUID is the canonical 8-4-4-4-12 form the OCA API puts in its URLs.
var assetUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolver holds what a device's settings fall back to.
type resolver struct {
	inv      *Inventory
	defaults settings
	groups   map[string]settings
	ssh      SSH
}

// seenAt remembers the first device that used a name or asset UUID, for duplicate messages.
type seenAt struct {
	line int
	name string
}

func (d *decoder) devices(e entry, r *resolver) []Device {
	n := resolve(e.val)
	if n.Kind != yaml.SequenceNode {
		d.problem(n, "devices", "must be a list of devices")
		return nil
	}
	if len(n.Content) == 0 {
		d.problem(n, "devices", "list at least one device")
		return nil
	}
	names := map[string]seenAt{}
	uuids := map[string]seenAt{}
	out := make([]Device, 0, len(n.Content))
	var jumpLists []setting[[]string]
	for i, item := range n.Content {
		path := "devices[" + strconv.Itoa(i) + "]"
		dev, jump, ok := d.device(entry{val: item, path: path}, r, names, uuids)
		if ok {
			out = append(out, dev)
			jumpLists = append(jumpLists, jump)
		}
	}
	d.resolveJumps(out, jumpLists, names)
	return out
}

// device decodes and resolves one device, and returns the jump setting it resolved to, for
// resolveJumps. ok is false when it had a problem.
func (d *decoder) device(e entry, r *resolver, names, uuids map[string]seenAt) (Device, setting[[]string], bool) {
	node := resolve(e.val)
	before := len(d.problems)
	f, ok := d.fields(node, e.path, deviceKeys)
	if !ok {
		return Device{}, setting[[]string]{}, false
	}
	dev := Device{Line: node.Line}

	dev.Name = d.requiredStr(f, "name", e)
	if ne, ok := f["name"]; ok && dev.Name != "" {
		nn := resolve(ne.val)
		if strings.ContainsFunc(dev.Name, isSpaceOrSlash) {
			d.problem(nn, ne.path, "invalid device name %q: must not contain \"/\" or whitespace", dev.Name)
		} else if prev, dup := names[dev.Name]; dup {
			d.problem(nn, ne.path, "duplicate device name %q (first at line %d)", dev.Name, prev.line)
		} else {
			names[dev.Name] = seenAt{line: nn.Line, name: dev.Name}
		}
	}
	dev.Host = d.requiredStr(f, "host", e)

	// Without asset_uuid the UUID comes from the asset state file (assetState), or the device
	// is left for "collector assets provision".
	if ue, ok := f["asset_uuid"]; ok {
		if v, ok := d.str(ue); ok {
			un := resolve(ue.val)
			id := strings.ToLower(v)
			switch {
			case !assetUUID.MatchString(v):
				d.problem(un, ue.path, "malformed asset UUID %q; want 8-4-4-4-12 hex digits", v)
			default:
				if prev, dup := uuids[id]; dup {
					d.problem(un, ue.path, "duplicate asset UUID %q (first at line %d, device %q)", id, prev.line, prev.name)
				} else {
					uuids[id] = seenAt{line: un.Line, name: dev.Name}
				}
				dev.AssetUUID = id
			}
		}
	}

	var own []settings // the device itself, then its groups in listed order
	own = append(own, d.settings(f))
	if ge, ok := f["groups"]; ok {
		if gs, ok := d.strList(ge); ok {
			gn := resolve(ge.val)
			for i, g := range gs {
				s, known := r.groups[g]
				if !known {
					if !d.declared["groups"][g] {
						d.problem(resolve(gn.Content[i]), ge.path+"["+strconv.Itoa(i)+"]", "unknown group %q", g)
					}
					continue
				}
				own = append(own, s)
				if !contains(dev.Groups, g) {
					dev.Groups = append(dev.Groups, g)
				}
			}
		}
	}
	d.checkRefs(own[0], r.inv)
	jump := d.apply(&dev, append(own, r.defaults), r, node, e.path)
	d.assetFields(&dev, f)
	return dev, jump, len(d.problems) == before
}

func isSpaceOrSlash(r rune) bool { return r == '/' || unicode.IsSpace(r) }

// apply resolves each setting through the layers (device, groups in listed order, defaults),
// then the built-in defaults, and checks that a device has what it needs to be contacted. It
// returns the jump setting, resolved later once every device is known.
func (d *decoder) apply(dev *Device, layers []settings, r *resolver, node *yaml.Node, path string) setting[[]string] {
	dev.Port = 22
	if v := pick(layers, func(s settings) setting[int] { return s.port }); v.set {
		dev.Port = v.val
	}
	dev.MaxSessions = r.inv.Collection.MaxSessions
	if v := pick(layers, func(s settings) setting[int] { return s.maxSessions }); v.set {
		dev.MaxSessions = v.val
	}
	jump := pick(layers, func(s settings) setting[[]string] { return s.jump })
	dev.Jump = jump.val
	dev.Platform = "linux"
	if v := pick(layers, func(s settings) setting[string] { return s.platform }); v.set {
		dev.Platform = v.val
	}
	if def, ok := r.inv.Platforms[dev.Platform]; ok {
		dev.PlatformDef = def.clone()
		d.batch(dev, pick(layers, func(s settings) setting[bool] { return s.batch }))
	}

	dev.SSH = sshLayers(r.ssh, layers)
	if dev.SSH.KnownHosts == "" && dev.SSH.HostKeyPolicy != HostKeyInsecure {
		d.problem(node, path, "no known_hosts file ($HOME is not set); set ssh.known_hosts")
	}

	if v := pick(layers, func(s settings) setting[string] { return s.credential }); v.set {
		dev.Credential = r.inv.Credentials[v.val]
		dev.Credential.Name = v.val
	} else {
		d.problem(node, path, "%s", missing("credential"))
	}
	if v := pick(layers, func(s settings) setting[string] { return s.commandSet }); v.set {
		dev.CommandSet = v.val
		dev.Commands = append([]string(nil), r.inv.CommandSets[v.val].Commands...)
	} else {
		d.problem(node, path, "%s", missing("command_set"))
	}
	return jump
}

// batch sets dev.Batch: on by default where it can work (a POSIX shell reached through exec
// channels), and an error where it was asked for but cannot, rather than silently running one
// channel per command or sending a shell script to a router.
func (d *decoder) batch(dev *Device, set setting[bool]) {
	def := dev.PlatformDef
	dev.Batch = def.POSIX && def.Mode == ModeExec
	if !set.set {
		return
	}
	switch {
	case set.val && !def.POSIX:
		d.problem(set.node, set.path, "batch needs a POSIX shell platform; %s is not", def.Name)
	case set.val && def.Mode != ModeExec:
		d.problem(set.node, set.path, "batch needs an exec-mode platform; %s is driven through an interactive shell", def.Name)
	default:
		dev.Batch = set.val
	}
}

// pick returns the setting from the first layer that sets it.
func pick[T any](layers []settings, get func(settings) setting[T]) setting[T] {
	for _, l := range layers {
		if v := get(l); v.set {
			return v
		}
	}
	return setting[T]{}
}

func missing(key string) string {
	return fmt.Sprintf("no %s (set it on the device, a group or defaults)", key)
}
