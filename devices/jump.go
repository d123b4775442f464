package devices

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// maxJumpHops bounds a device's chain of jump hosts. Each hop is a full SSH handshake inside the
// previous one; five is more than any real network needs, and a longer chain is a mistake.
const maxJumpHops = 5

// jumps resolves every device's jump list into JumpHops once all devices are known, since a hop
// may name a device declared further down. A hop that is itself reached through jump hosts is
// expanded first (its hops, then itself). Problems are reported at the jump entry that causes
// them, which may be a group's or the defaults' jump list.
type jumps struct {
	d      *decoder
	devs   []Device
	lists  []setting[[]string] // each device's jump setting, with its position
	byName map[string]int      // index into devs
	names  map[string]seenAt   // every declared device name, valid or not
	cycles map[string]bool     // cycles already reported, in canonical form
}

func (d *decoder) resolveJumps(devs []Device, lists []setting[[]string], names map[string]seenAt) {
	j := &jumps{d: d, devs: devs, lists: lists, byName: make(map[string]int, len(devs)), names: names, cycles: map[string]bool{}}
	for i, dev := range devs {
		j.byName[dev.Name] = i
	}
	for i := range devs {
		if len(devs[i].Jump) == 0 {
			continue
		}
		var hops []Hop
		switch j.expand(i, []string{devs[i].Name}, &hops) {
		case expandOK:
		case expandTooMany:
			l := lists[i]
			d.problem(l.node, l.path, "device %q needs more than %d jump hops (%s ...); at most %d", devs[i].Name, maxJumpHops, hopNames(hops), maxJumpHops)
			continue
		default:
			continue
		}
		if dup := duplicateHop(hops); dup != "" {
			l := lists[i]
			d.problem(l.node, l.path, "jump host %q appears twice on the way to %q (%s -> %s)", dup, devs[i].Name, hopNames(hops), devs[i].Name)
			continue
		}
		devs[i].JumpHops = hops
	}
}

type expandResult int

const (
	expandOK      expandResult = iota
	expandFailed               // a problem was reported (or the hop device is itself invalid)
	expandTooMany              // more than maxJumpHops
)

// expand appends the hops of device i, in dialling order, to hops. stack holds the devices being
// expanded (the target first), to detect a cycle.
func (j *jumps) expand(i int, stack []string, hops *[]Hop) expandResult {
	dev := j.devs[i]
	l := j.lists[i]
	failed := false // an entry had a problem: report the others too, then fail
	for k, name := range dev.Jump {
		var item *yaml.Node
		if l.node != nil && l.node.Kind == yaml.SequenceNode && k < len(l.node.Content) {
			item = resolve(l.node.Content[k])
		}
		path := l.path + "[" + strconv.Itoa(k) + "]"
		if h, isDevice := j.byName[name]; isDevice {
			if name == dev.Name {
				j.d.problem(item, path, "device %q lists itself as a jump host; set jump: [] on it", name)
				return expandFailed
			}
			if at := slices.Index(stack, name); at >= 0 {
				j.cycle(append(slices.Clone(stack[at:]), name), item, path)
				return expandFailed
			}
			if r := j.expand(h, append(stack, name), hops); r != expandOK {
				return r
			}
			hd := j.devs[h]
			*hops = append(*hops, Hop{Name: hd.Name, Host: hd.Host, Port: hd.Port, Credential: hd.Credential, SSH: hd.SSH})
		} else {
			if _, declared := j.names[name]; declared {
				failed = true // an invalid device: its own problems are reported already
				continue
			}
			if !strings.Contains(name, "@") {
				msg := fmt.Sprintf("unknown jump host %q: not a device of this inventory, nor user@host[:port]", name)
				if s := suggest(name, j.deviceNames()); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				j.d.problem(item, path, "%s", msg)
				failed = true
				continue
			}
			user, host, port, err := parseJumpHost(name)
			if err != "" {
				j.d.problem(item, path, "malformed jump host %q: %s; want user@host[:port]", name, err)
				failed = true
				continue
			}
			cred := dev.Credential
			cred.Username = user
			*hops = append(*hops, Hop{Name: name, Host: host, Port: port, Credential: cred, SSH: dev.SSH})
		}
		if len(*hops) > maxJumpHops {
			return expandTooMany
		}
	}
	if failed {
		return expandFailed
	}
	return expandOK
}

// cycle reports a cycle of jump hosts once, however many devices run into it.
func (j *jumps) cycle(names []string, item *yaml.Node, path string) {
	ring := names[:len(names)-1]
	start := 0
	for i, n := range ring {
		if n < ring[start] {
			start = i
		}
	}
	canon := append(slices.Clone(ring[start:]), ring[:start]...)
	key := strings.Join(canon, "\x00")
	if j.cycles[key] {
		return
	}
	j.cycles[key] = true
	j.d.problem(item, path, "jump hosts form a cycle: %s", strings.Join(names, " -> "))
}

func (j *jumps) deviceNames() []string {
	names := make([]string, 0, len(j.names))
	for n := range j.names {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// parseJumpHost splits user@host[:port]. The user is everything before the last '@' (a domain
// account may contain one); an IPv6 address is bracketed, with or without a port. err says what
// is wrong, "" when nothing is.
func parseJumpHost(s string) (user, host string, port int, err string) {
	at := strings.LastIndex(s, "@")
	user, rest := s[:at], s[at+1:]
	port = 22
	switch {
	case user == "":
		return "", "", 0, "no user before '@'"
	case strings.ContainsFunc(user, unicode.IsSpace):
		return "", "", 0, "the user contains whitespace"
	case rest == "":
		return "", "", 0, "no host after '@'"
	}
	host = rest
	switch {
	case strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]"):
		host = rest[1 : len(rest)-1]
	case strings.HasPrefix(rest, "[") || strings.Count(rest, ":") == 1:
		h, p, e := net.SplitHostPort(rest)
		if e != nil {
			return "", "", 0, "cannot split host and port"
		}
		n, e := strconv.Atoi(p)
		if e != nil || n < 1 || n > 65535 {
			return "", "", 0, fmt.Sprintf("port %q is not between 1 and 65535", p)
		}
		host, port = h, n
	case strings.Count(rest, ":") > 1:
		return "", "", 0, "bracket an IPv6 address (user@[2001:db8::1]:22)"
	}
	if host == "" || strings.ContainsFunc(host, func(r rune) bool { return r == '/' || r == '@' || r == '[' || r == ']' || unicode.IsSpace(r) }) {
		return "", "", 0, fmt.Sprintf("invalid host %q", host)
	}
	return user, host, port, ""
}

func hopNames(hops []Hop) string {
	names := make([]string, len(hops))
	for i, h := range hops {
		names[i] = h.Name
	}
	return strings.Join(names, " -> ")
}

// duplicateHop returns the name of a hop that appears twice in one chain (dialling a host through
// itself), or "".
func duplicateHop(hops []Hop) string {
	seen := make(map[string]bool, len(hops))
	for _, h := range hops {
		if seen[h.Name] {
			return h.Name
		}
		seen[h.Name] = true
	}
	return ""
}
