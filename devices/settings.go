package devices

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// settingKeys are the keys defaults, groups and devices share.
var settingKeys = []string{"port", "platform", "credential", "command_set", "jump", "ssh", "batch", "max_sessions"}

var sshKeys = []string{"known_hosts", "host_key_policy", "algorithms", "keepalive_interval", "keepalive_count_max"}

// Keepalive defaults: a peer that answers none of 3 probes 15 s apart is declared dead after
// ~45 s, well inside a command timeout, instead of a half-open TCP connection hanging the device
// until device_timeout.
const (
	defaultKeepaliveInterval = 15 * time.Second
	defaultKeepaliveCountMax = 3
)

// setting is a value with the node it came from, so a reference checked after decoding (an
// unknown credential) is still reported at the line that wrote it.
type setting[T any] struct {
	val  T
	set  bool
	node *yaml.Node
	path string
}

func (s *setting[T]) put(v T, e entry) {
	s.val, s.set, s.node, s.path = v, true, resolve(e.val), e.path
}

// settings is one layer of device settings: what defaults, a group or a device itself set.
// Unset keys fall through to the next layer.
type settings struct {
	port          setting[int]
	platform      setting[string]
	credential    setting[string]
	commandSet    setting[string]
	jump          setting[[]string]
	knownHosts    setting[string]
	hostKeyPolicy setting[string]
	algorithms    setting[Algorithms]
	keepalive     setting[time.Duration]
	keepaliveMax  setting[int]
	batch         setting[bool]
	maxSessions   setting[int]
}

// settings decodes the shared device settings out of an already split mapping. Reference checks
// (does the credential exist?) happen later in checkRefs, once every section is known.
func (d *decoder) settings(f map[string]entry) settings {
	var s settings
	if e, ok := f["port"]; ok {
		if v, ok := d.intRange(e, 1, 65535, ""); ok {
			s.port.put(int(v), e)
		}
	}
	if e, ok := f["platform"]; ok {
		if v, ok := d.nonEmpty(e); ok {
			s.platform.put(v, e)
		}
	}
	if e, ok := f["credential"]; ok {
		if v, ok := d.nonEmpty(e); ok {
			s.credential.put(v, e)
		}
	}
	if e, ok := f["command_set"]; ok {
		if v, ok := d.nonEmpty(e); ok {
			s.commandSet.put(v, e)
		}
	}
	if e, ok := f["jump"]; ok {
		if v, ok := d.strList(e); ok {
			s.jump.put(v, e)
		}
	}
	if e, ok := f["ssh"]; ok {
		d.sshSettings(e, &s)
	}
	if e, ok := f["batch"]; ok {
		if v, ok := d.boolean(e); ok {
			s.batch.put(v, e)
		}
	}
	if e, ok := f["max_sessions"]; ok {
		if v, ok := d.intRange(e, 1, 10, maxSessionsHint); ok {
			s.maxSessions.put(int(v), e)
		}
	}
	return s
}

// maxSessionsHint explains the upper bound: sshd refuses channels beyond its MaxSessions
// ("connect failed"), and a limit above it only costs refused opens.
const maxSessionsHint = " (sshd's MaxSessions default is 10 channels per connection)"

func (d *decoder) sshSettings(e entry, s *settings) {
	f, ok := d.fields(e.val, e.path, sshKeys)
	if !ok {
		return
	}
	if ke, ok := f["known_hosts"]; ok {
		if p, ok := d.pathField(ke); ok {
			s.knownHosts.put(p, ke)
		}
	}
	if pe, ok := f["host_key_policy"]; ok {
		if v, ok := d.hostKeyPolicy(pe); ok {
			s.hostKeyPolicy.put(v, pe)
		}
	}
	if ae, ok := f["algorithms"]; ok {
		if v, ok := d.algorithms(ae); ok {
			s.algorithms.put(v, ae)
		}
	}
	if ke, ok := f["keepalive_interval"]; ok {
		if v, ok := d.durationOrZero(ke); ok {
			if v > 0 && v < time.Second {
				d.problem(resolve(ke.val), ke.path, "must be 0 (off) or at least 1s, got %q", resolve(ke.val).Value)
			} else {
				s.keepalive.put(v, ke)
			}
		}
	}
	if ke, ok := f["keepalive_count_max"]; ok {
		if v, ok := d.intRange(ke, 1, 100, ""); ok {
			s.keepaliveMax.put(int(v), ke)
		}
	}
}

// sshLayers resolves the SSH settings through the layers onto base (the fleet's ssh section).
// algorithms is taken whole from the first layer that sets it: merging lists across layers would
// make the effective set hard to read off the inventory.
func sshLayers(base SSH, layers []settings) SSH {
	s := base
	if v := pick(layers, func(s settings) setting[string] { return s.knownHosts }); v.set {
		s.KnownHosts = v.val
	}
	if v := pick(layers, func(s settings) setting[string] { return s.hostKeyPolicy }); v.set {
		s.HostKeyPolicy = v.val
	}
	if v := pick(layers, func(s settings) setting[Algorithms] { return s.algorithms }); v.set {
		s.Algorithms = v.val
	}
	if v := pick(layers, func(s settings) setting[time.Duration] { return s.keepalive }); v.set {
		s.KeepaliveInterval = v.val
	}
	if v := pick(layers, func(s settings) setting[int] { return s.keepaliveMax }); v.set {
		s.KeepaliveCountMax = v.val
	}
	return s
}

func (d *decoder) hostKeyPolicy(e entry) (string, bool) {
	v, ok := d.str(e)
	if !ok {
		return "", false
	}
	switch v {
	case HostKeyStrict, HostKeyAcceptNew, HostKeyInsecure:
		return v, true
	}
	d.problem(resolve(e.val), e.path, "unknown host_key_policy %q; must be one of strict, accept-new, insecure", v)
	return "", false
}

// nonEmpty decodes a string that must not be empty when present.
func (d *decoder) nonEmpty(e entry) (string, bool) {
	v, ok := d.str(e)
	if ok && v == "" {
		d.problem(resolve(e.val), e.path, "must not be empty")
		return "", false
	}
	return v, ok
}

// checkRefs reports references to names that do not exist, at the line that wrote them.
func (d *decoder) checkRefs(s settings, inv *Inventory) {
	if s.platform.set {
		if _, ok := inv.Platforms[s.platform.val]; !ok && !d.declared["platforms"][s.platform.val] && !d.platformsUnknown {
			msg := fmt.Sprintf("unknown platform %q", s.platform.val)
			if sg := suggest(s.platform.val, sortedNames(inv.Platforms)); sg != "" {
				msg += fmt.Sprintf("; did you mean %q?", sg)
			}
			d.problem(s.platform.node, s.platform.path, "%s", msg)
		}
	}
	if s.credential.set {
		if _, ok := inv.Credentials[s.credential.val]; !ok && !d.declared["credentials"][s.credential.val] {
			d.problem(s.credential.node, s.credential.path, "unknown credential %q", s.credential.val)
		}
	}
	if s.commandSet.set {
		if _, ok := inv.CommandSets[s.commandSet.val]; !ok && !d.declared["command_sets"][s.commandSet.val] {
			d.problem(s.commandSet.node, s.commandSet.path, "unknown command set %q", s.commandSet.val)
		}
	}
}
