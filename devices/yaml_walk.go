package devices

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks one inventory's YAML node tree by hand rather than unmarshalling into structs:
// that is what lets every problem carry the line and column of the node at fault, and lets the
// walk carry on past a problem so that all of them are reported at once.
type decoder struct {
	file string // the inventory path as given to Load, for messages
	dir  string // absolute directory relative paths are resolved against
	home string // $HOME, for "~" in paths; empty when unknown
	// declared holds the names each named section (credentials, command_sets, groups) declares,
	// valid or not, so a reference to a broken entry is not also reported as unknown.
	declared map[string]map[string]bool
	// platformsUnknown is set when the platforms_file could not be read: a device naming a
	// platform is then not also reported as unknown.
	platformsUnknown bool
	problems         []Problem
	warnings         []Problem
	// reported holds the problems already recorded. A setting inherited from defaults or a group
	// is checked once per device; the same problem at the same place is reported once.
	reported map[Problem]bool
}

func (d *decoder) problem(n *yaml.Node, path, format string, args ...any) {
	p := d.at(n, path, fmt.Sprintf(format, args...))
	if d.reported[p] {
		return
	}
	if d.reported == nil {
		d.reported = make(map[Problem]bool)
	}
	d.reported[p] = true
	d.problems = append(d.problems, p)
}

func (d *decoder) warn(n *yaml.Node, path, format string, args ...any) {
	d.warnings = append(d.warnings, d.at(n, path, fmt.Sprintf(format, args...)))
}

func (d *decoder) at(n *yaml.Node, path, msg string) Problem {
	p := Problem{File: d.file, Path: path, Message: msg}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	return p
}

// entry is one key/value pair of a mapping.
type entry struct {
	name string
	key  *yaml.Node
	val  *yaml.Node
	path string // the value's path: parent path + "." + name
}

// resolve follows aliases so that anchors (&x / *x) work everywhere.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// join builds a child path; the top level has no prefix.
func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// entries returns the pairs of mapping n in document order, with merge keys (<<: *anchor)
// expanded. It reports a node that is not a mapping, duplicate keys and, when known is not nil,
// keys outside known (with a suggestion when one is close). ok is false when n is not a mapping.
func (d *decoder) entries(n *yaml.Node, path string, known []string) (out []entry, ok bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "must be a mapping")
		return nil, false
	}
	return d.mappingEntries(n, path, known, map[*yaml.Node]bool{n: true}), true
}

// mappingEntries lists n's pairs. visited holds the mappings already expanded for the mapping
// being decoded: merging one anchor twice adds nothing (the first occurrence wins anyway), and
// skipping it keeps a "billion laughs" chain of merges linear instead of exponential.
func (d *decoder) mappingEntries(n *yaml.Node, path string, known []string, visited map[*yaml.Node]bool) []entry {
	var out, merged []entry
	seen := make(map[string]*yaml.Node)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merged = append(merged, d.mergeEntries(v, path, known, visited)...)
			continue
		}
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.problem(k, path, "keys must be non-empty strings")
			continue
		}
		name := k.Value
		p := join(path, name)
		if first, dup := seen[name]; dup {
			d.problem(k, p, "duplicate key %q (first at line %d)", name, first.Line)
			continue
		}
		seen[name] = k
		if known != nil && !contains(known, name) && !isExtension(path, name) {
			msg := fmt.Sprintf("unknown key %q", name)
			if s := suggest(name, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			d.problem(k, p, "%s", msg)
			continue
		}
		out = append(out, entry{name: name, key: k, val: v, path: p})
	}
	// Explicit keys win over merged ones; among merged mappings the first one listed wins.
	for _, e := range merged {
		if _, dup := seen[e.name]; !dup {
			seen[e.name] = e.key
			out = append(out, e)
		}
	}
	return out
}

func (d *decoder) mergeEntries(v *yaml.Node, path string, known []string, visited map[*yaml.Node]bool) []entry {
	v = resolve(v)
	var items []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		items = []*yaml.Node{v}
	case yaml.SequenceNode:
		items = v.Content
	default:
		d.problem(v, path, "<< must merge a mapping or a list of mappings")
		return nil
	}
	var out []entry
	for _, item := range items {
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			d.problem(item, path, "<< must merge a mapping or a list of mappings")
			continue
		}
		if visited[item] {
			continue
		}
		visited[item] = true
		out = append(out, d.mappingEntries(item, path, known, visited)...)
	}
	return out
}

// named decodes a section that maps names to entries, recording every declared name.
func (d *decoder) named(n *yaml.Node, section string) []entry {
	es, _ := d.entries(n, section, nil)
	declared := d.declare(section)
	for _, e := range es {
		declared[e.name] = true
	}
	return es
}

// declare returns the set of names declared in section, creating it.
func (d *decoder) declare(section string) map[string]bool {
	if d.declared == nil {
		d.declared = make(map[string]map[string]bool)
	}
	if d.declared[section] == nil {
		d.declared[section] = make(map[string]bool)
	}
	return d.declared[section]
}

// fields is entries as a lookup table, for sections with a fixed set of keys.
func (d *decoder) fields(n *yaml.Node, path string, known []string) (map[string]entry, bool) {
	es, ok := d.entries(n, path, known)
	m := make(map[string]entry, len(es))
	for _, e := range es {
		m[e.name] = e
	}
	return m, ok
}

// isExtension reports a top-level "x-" key, the place for anchors that is not itself decoded.
func isExtension(path, name string) bool { return path == "" && strings.HasPrefix(name, "x-") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the known key closest to name when it is within edit distance 2.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(name, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes; keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
