package devices

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// topKeys are the keys of inventory version 1. Top-level keys starting with "x-" are ignored, so
// that YAML anchors shared by several groups have somewhere to live (as in docker-compose).
var topKeys = []string{
	"version", "output_dir", "collection", "upload", "ssh", "platforms_file",
	"credentials", "command_sets", "defaults", "groups", "devices", "agent",
	"asset_state_file", "retention",
}

// maxInventory bounds the inventory file; tens of thousands of devices fit in a few MiB.
const maxInventory = 64 << 20

// Load reads, decodes, defaults, resolves and validates the inventory at path. On any problem it
// returns a nil inventory and a Problems error listing every problem found, so the operator fixes
// them all in one pass. Warnings (an inline password) do not fail the load; they are in
// Inventory.Warnings.
func Load(path string) (*Inventory, error) {
	b, err := readInventory(path)
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	home, _ := os.UserHomeDir()
	return parse(path, filepath.Dir(abs), home, b)
}

func readInventory(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read inventory: %s", reason(err))
	}
	defer func() { _ = f.Close() }() // opened read-only: a close error loses nothing
	b, err := io.ReadAll(io.LimitReader(f, maxInventory+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read inventory: %s", reason(err))
	}
	if len(b) > maxInventory {
		return nil, fmt.Errorf("inventory is larger than %d bytes", maxInventory)
	}
	return b, nil
}

// yamlLine extracts the line yaml.v3 puts in its syntax errors ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse is Load without the file system read: file names the inventory in messages, dir is the
// absolute directory relative paths resolve against, home is $HOME for "~".
func parse(file, dir, home string, data []byte) (*Inventory, error) {
	root, err := parseYAML(data, "inventory")
	if err != nil {
		return nil, Problems{yamlProblem(file, err)}
	}
	d := &decoder{file: file, dir: dir, home: home}
	inv := d.inventory(root)
	inv.Path = file
	inv.Dir = dir
	if len(d.problems) > 0 {
		sortProblems(d.problems, file)
		return nil, Problems(d.problems)
	}
	sortProblems(d.warnings, file)
	for _, w := range d.warnings {
		inv.Warnings = append(inv.Warnings, w.Error())
	}
	return inv, nil
}

// yamlProblem turns a parseYAML error into a Problem, with the line yaml.v3 puts in its message.
func yamlProblem(file string, err error) Problem {
	p := Problem{File: file, Message: err.Error()}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = m[2]
	}
	return p
}

// parseYAML returns the root node of the single document in data; what names the document in
// messages ("inventory", "platforms file").
func parseYAML(data []byte, what string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s is empty", what)
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("yaml: line %d: more than one YAML document; %s is one document", extra.Line, article(what))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, fmt.Errorf("%s is empty", what)
	}
	return doc.Content[0], nil
}

// article prefixes a noun with "a" or "an".
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// inventory walks the top level. Sections are decoded in dependency order (references last), so
// a device can be checked against every credential however the file is ordered.
func (d *decoder) inventory(root *yaml.Node) *Inventory {
	inv := &Inventory{OutputDir: defaultOutputDir()}
	f, ok := d.fields(root, "", topKeys)
	if !ok {
		return inv
	}
	if e, ok := f["version"]; !ok {
		d.problem(resolve(root), "version", "required, must be 1")
	} else if v, ok := d.integer(e); ok {
		if v != 1 {
			d.problem(resolve(e.val), "version", "unsupported version %d; must be 1", v)
		}
		inv.Version = int(v)
	}
	if e, ok := f["output_dir"]; ok {
		if p, ok := d.pathField(e); ok {
			inv.OutputDir = p
		}
	}
	inv.Collection = d.collection(f)
	inv.Retention = d.retention(f)
	if e, ok := f["upload"]; ok {
		inv.Upload = d.upload(e)
	}
	if e, ok := f["agent"]; ok {
		inv.Agent = d.agent(e)
	}
	fleetSSH := d.fleetSSH(f)
	inv.Platforms = d.platforms(f)
	inv.Credentials = map[string]Credential{}
	if e, ok := f["credentials"]; ok {
		inv.Credentials = d.credentials(e.val)
	}
	inv.CommandSets = map[string]CommandSet{}
	if e, ok := f["command_sets"]; ok {
		inv.CommandSets = d.commandSets(e.val)
	}
	var defaults settings
	if e, ok := f["defaults"]; ok {
		if df, ok := d.fields(e.val, "defaults", settingKeys); ok {
			defaults = d.settings(df)
			d.checkRefs(defaults, inv)
		}
	}
	groups := map[string]settings{}
	inv.Groups = map[string]Group{}
	if e, ok := f["groups"]; ok {
		for _, ge := range d.named(e.val, "groups") {
			gf, ok := d.fields(ge.val, ge.path, settingKeys)
			if !ok {
				continue
			}
			s := d.settings(gf)
			d.checkRefs(s, inv)
			groups[ge.name] = s
			inv.Groups[ge.name] = Group{Name: ge.name}
		}
	}
	r := resolver{inv: inv, defaults: defaults, groups: groups, ssh: fleetSSH}
	if e, ok := f["devices"]; ok {
		inv.Devices = d.devices(e, &r)
	} else {
		d.problem(resolve(root), "devices", "required, list at least one device")
	}
	d.assetState(inv, f)
	return inv
}

// fleetSSH decodes the top-level ssh section: the SSH settings every device starts from.
func (d *decoder) fleetSSH(f map[string]entry) SSH {
	s := SSH{
		HostKeyPolicy:     HostKeyStrict,
		KeepaliveInterval: defaultKeepaliveInterval,
		KeepaliveCountMax: defaultKeepaliveCountMax,
	}
	if d.home != "" {
		s.KnownHosts = filepath.Join(d.home, ".ssh", "known_hosts")
	}
	var layer settings
	if e, ok := f["ssh"]; ok {
		d.sshSettings(e, &layer)
	}
	return sshLayers(s, []settings{layer})
}
