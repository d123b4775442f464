package devices

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var commandSetKeys = []string{"commands", "file"}

// maxCommandFile bounds a command file: a command set is a few hundred lines at most, and a path
// pointing at a log file by mistake should fail at validate, not be run line by line.
const maxCommandFile = 1 << 20

func (d *decoder) commandSets(n *yaml.Node) map[string]CommandSet {
	out := make(map[string]CommandSet)
	es := d.named(n, "command_sets")
	for _, e := range es {
		if cs, ok := d.commandSet(e); ok {
			out[e.name] = cs
		}
	}
	return out
}

// commandSet decodes command_sets.<name>: exactly one of an inline list or a file. Commands are
// read here, at load, so that a run never starts with a set it cannot complete.
func (d *decoder) commandSet(e entry) (CommandSet, bool) {
	cs := CommandSet{Name: e.name}
	f, ok := d.fields(e.val, e.path, commandSetKeys)
	if !ok {
		return cs, false
	}
	ce, hasCommands := f["commands"]
	fe, hasFile := f["file"]
	switch {
	case hasCommands && hasFile:
		d.problem(resolve(e.val), e.path, "set only one of commands, file")
		return cs, false
	case !hasCommands && !hasFile:
		d.problem(resolve(e.val), e.path, "needs commands or file")
		return cs, false
	case hasCommands:
		n := resolve(ce.val)
		if n.Kind != yaml.SequenceNode {
			d.problem(n, ce.path, "must be a list of strings")
			return cs, false
		}
		ok := true
		for i, item := range n.Content {
			item = resolve(item)
			p := ce.path + "[" + strconv.Itoa(i) + "]"
			if item.Kind != yaml.ScalarNode || isNull(item) {
				d.problem(item, p, "must be a string")
				ok = false
				continue
			}
			cmd := strings.TrimSpace(item.Value)
			switch {
			case cmd == "":
				d.problem(item, p, "empty command")
				ok = false
			case strings.ContainsAny(cmd, "\r\n"):
				d.problem(item, p, "command %q contains a newline; give each command its own entry", cmd)
				ok = false
			default:
				cs.Commands = append(cs.Commands, cmd)
			}
		}
		if !ok {
			return cs, false
		}
	default:
		path, ok := d.pathField(fe)
		if !ok {
			return cs, false
		}
		cs.File = path
		cmds, err := readCommandFile(path)
		if err != nil {
			d.problem(resolve(fe.val), fe.path, "%s", err.Error())
			return cs, false
		}
		cs.Commands = cmds
	}
	if len(cs.Commands) == 0 {
		d.problem(resolve(e.val), e.path, "command set %q has no commands", e.name)
		return cs, false
	}
	return cs, true
}

// readCommandFile reads one command per line. Blank lines and lines starting with '#' (after
// trimming) are skipped, so a command file can be commented like a shell script; CRLF files from
// Windows editors work too.
func readCommandFile(path string) ([]string, error) {
	if err := checkReadable("command file", path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read command file %q: %s", path, reason(err))
	}
	if len(b) > maxCommandFile {
		return nil, fmt.Errorf("command file %q is larger than %d bytes", path, maxCommandFile)
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, fmt.Errorf("command file %q is not a text file", path)
	}
	var cmds []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), maxCommandFile)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmds = append(cmds, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cannot read command file %q: %w", path, err)
	}
	return cmds, nil
}
