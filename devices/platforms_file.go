package devices

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxPlatformsFile bounds a platforms file: a few dozen definitions are a few KiB.
const maxPlatformsFile = 1 << 20

// platforms returns the platforms an inventory's devices may use: the built-ins, then the
// definitions of its platforms_file, which replace a built-in of the same name or add a platform.
// The file is either a list of definitions (each with a name) or a mapping of name to definition.
// A definition may start from another one with base: NAME (a built-in, or one earlier in the
// file) and change only the keys it sets. Problems in the file are reported with its own name,
// line and column.
func (d *decoder) platforms(top map[string]entry) map[string]Platform {
	out := make(map[string]Platform, len(builtinPlatforms()))
	for n, p := range builtinPlatforms() {
		out[n] = p
	}
	e, ok := top["platforms_file"]
	if !ok {
		return out
	}
	path, ok := d.pathField(e)
	if !ok {
		d.platformsUnknown = true
		return out
	}
	b, err := readPlatformsFile(path)
	if err != nil {
		d.problem(resolve(e.val), e.path, "%s", err.Error())
		d.platformsUnknown = true
		return out
	}
	pd := &decoder{file: path, dir: filepath.Dir(path), home: d.home}
	root, err := parseYAML(b, "platforms file")
	if err != nil {
		d.problems = append(d.problems, yamlProblem(path, err))
		d.platformsUnknown = true
		return out
	}
	var items []platformItem
	switch root.Kind {
	case yaml.SequenceNode:
		items = pd.platformList(root)
	case yaml.MappingNode:
		items = pd.platformMap(root)
	default:
		pd.problem(root, "", "must be a list of platform definitions, or a mapping of platform name to definition")
	}
	if len(items) == 0 {
		if len(pd.problems) == 0 {
			pd.problem(root, "", "list at least one platform definition")
		}
		d.platformsUnknown = true // whatever the devices name may have been meant to be there
	}
	declared := d.declare("platforms")
	first := map[string]int{}
	for _, it := range items {
		if it.name != "" {
			declared[it.name] = true
			if line, dup := first[it.name]; dup {
				pd.problem(resolve(it.e.val), it.e.path, "duplicate platform %q (first at line %d)", it.name, line)
				continue
			}
			first[it.name] = resolve(it.e.val).Line
		}
		if p, ok := pd.platform(it.e, it.key, out); ok {
			out[p.Name] = p
		}
	}
	d.problems = append(d.problems, pd.problems...)
	return out
}

// platformItem is one definition of a platforms file: where it is, the name it is filed under in
// the mapping form (key), and the name it declares as far as it can be read (for duplicates).
type platformItem struct {
	e    entry
	key  string
	name string
}

func (d *decoder) platformList(root *yaml.Node) []platformItem {
	items := make([]platformItem, 0, len(root.Content))
	for i, n := range root.Content {
		name := scalarField(resolve(n), "name")
		path := "[" + strconv.Itoa(i) + "]"
		if platformName.MatchString(name) {
			path = name
		}
		items = append(items, platformItem{e: entry{val: n, path: path}, name: name})
	}
	return items
}

func (d *decoder) platformMap(root *yaml.Node) []platformItem {
	es, _ := d.entries(root, "", nil)
	items := make([]platformItem, 0, len(es))
	for _, e := range es {
		if v := resolve(e.val); v.Kind == yaml.ScalarNode && contains(platformKeys, e.name) {
			// A single definition written at the top level reads as a mapping of names to
			// scalars; say what the file should look like instead of "must be a mapping".
			d.problem(e.key, "", "a platforms file is a list of definitions (- name: ...) or a mapping of name to definition; this looks like one definition: put it in a list")
			return nil
		}
		items = append(items, platformItem{e: e, key: e.name, name: e.name})
	}
	return items
}

// scalarField returns the text of key in mapping n when it is a scalar, else "".
func scalarField(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Value == key {
			if v := resolve(n.Content[i+1]); v.Kind == yaml.ScalarNode && !isNull(v) {
				return v.Value
			}
			return ""
		}
	}
	return ""
}

// readPlatformsFile reads the file whole. It checks that the path is a regular file before
// opening it: opening a FIFO or a terminal named by mistake would block validate forever.
func readPlatformsFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot read platforms file %q: %s", path, reason(err))
	case st.IsDir():
		return nil, fmt.Errorf("cannot read platforms file %q: is a directory", path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("cannot read platforms file %q: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read platforms file %q: %s", path, reason(err))
	}
	defer func() { _ = f.Close() }() // opened read-only: a close error loses nothing
	b, err := io.ReadAll(io.LimitReader(f, maxPlatformsFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read platforms file %q: %s", path, reason(err))
	}
	if len(b) > maxPlatformsFile {
		return nil, fmt.Errorf("platforms file %q is larger than %d bytes", path, maxPlatformsFile)
	}
	return b, nil
}
