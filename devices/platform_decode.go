package devices

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The platform definition schema. Every key is checked: a misspelt key in a definition would
// otherwise silently change how every device of that platform is driven.
var (
	platformKeys = []string{
		"name", "base", "description", "mode", "posix", "prompt", "gates", "on_open", "pagers",
		"enable", "error_patterns", "exit", "technology",
	}
	promptKeys = []string{"user", "privileged"}
	answerKeys = []string{"pattern", "send"}
	enableKeys = []string{"command", "password_prompt", "failure"}
)

// Bounds on definition values: a prompt or pager regexp is run against every chunk a device
// sends, so a pathological one costs every device of the platform.
const (
	maxPatternLen = 1024
	maxSendLen    = 64
	maxLineLen    = 512 // an on_open, enable or exit command
)

// platformName is what a platform may be called: it is written in inventories and file names.
var platformName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$`)

// platform decodes one definition. key is the name the definition is filed under (its mapping
// key, or its file name for a built-in), "" when the definition must carry its own name. known
// are the platforms a "base:" may name. ok is false when the definition had a problem.
func (d *decoder) platform(e entry, key string, known map[string]Platform) (Platform, bool) {
	before := len(d.problems)
	node := resolve(e.val)
	f, ok := d.fields(node, e.path, platformKeys)
	if !ok {
		return Platform{}, false
	}
	var p Platform
	name := key
	if ne, ok := f["name"]; ok {
		if v, ok := d.nonEmpty(ne); ok {
			if key != "" && v != key {
				d.problem(resolve(ne.val), ne.path, "name %q does not match %q, the name it is filed under", v, key)
			} else {
				name = v
			}
		}
	} else if key == "" {
		d.problem(node, join(e.path, "name"), "required")
	}
	if name != "" && !platformName.MatchString(name) {
		d.problem(node, e.path, "invalid platform name %q: use letters, digits, '_', '-' and '.' (at most 64)", name)
	}
	hasBase := false
	if be, ok := f["base"]; ok {
		hasBase = true // when it is wrong, that is the problem to report, not a missing mode
		if v, ok := d.nonEmpty(be); ok {
			b, found := known[v]
			// known holds the definitions before this one, so base may name the platform being
			// redefined: "cisco_ios: {base: cisco_ios, on_open: [...]}" changes the built-in.
			switch {
			case found:
				p = b.clone()
			case v == name:
				d.problem(resolve(be.val), be.path, "a platform cannot be its own base")
			default:
				msg := fmt.Sprintf("unknown base platform %q", v)
				if s := suggest(v, sortedNames(known)); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				d.problem(resolve(be.val), be.path, "%s", msg)
			}
		}
	}
	p.Name = name
	if de, ok := f["description"]; ok {
		if v, ok := d.str(de); ok {
			p.Description = strings.TrimSpace(v)
		}
	}
	if te, ok := f["technology"]; ok {
		if v, ok := d.technology(te); ok {
			p.Technology = v
		}
	}
	if me, ok := f["mode"]; ok {
		if v, ok := d.str(me); ok {
			if v != ModeExec && v != ModeShell {
				d.problem(resolve(me.val), me.path, "unknown mode %q; must be exec or shell", v)
			}
			p.Mode = v
		}
	} else if !hasBase {
		d.problem(node, join(e.path, "mode"), "required: exec or shell")
	}
	if pe, ok := f["posix"]; ok {
		if v, ok := d.boolean(pe); ok {
			p.POSIX = v
		}
	}
	if pe, ok := f["prompt"]; ok {
		d.prompt(pe, &p.Prompt)
	}
	if ge, ok := f["gates"]; ok {
		p.Gates = d.answers(ge)
	}
	if oe, ok := f["on_open"]; ok {
		p.OnOpen = d.lines(oe)
	}
	if pe, ok := f["pagers"]; ok {
		p.Pagers = d.answers(pe)
	}
	if ee, ok := f["enable"]; ok {
		p.Enable = d.enable(ee)
	}
	if ee, ok := f["error_patterns"]; ok {
		p.ErrorPatterns = d.patterns(ee)
	}
	if xe, ok := f["exit"]; ok {
		if v, ok := d.line(xe); ok {
			p.Exit = v
		}
	}
	if len(d.problems) > before {
		return p, false
	}
	// Whole-definition checks, once every key is valid on its own.
	if p.Mode == ModeShell && p.Prompt.User == "" && p.Prompt.Privileged == "" {
		d.problem(node, join(e.path, "prompt"), "shell mode needs prompt.user or prompt.privileged: the driver cannot tell when a command has finished without one")
	}
	if p.Enable != nil && p.Prompt.Privileged == "" {
		d.problem(node, join(e.path, "enable"), "enable needs prompt.privileged, the prompt that says it worked")
	}
	return p, len(d.problems) == before
}

func (d *decoder) prompt(e entry, pp *PromptPatterns) {
	f, ok := d.fields(e.val, e.path, promptKeys)
	if !ok {
		return
	}
	if ue, ok := f["user"]; ok {
		pp.User, _ = d.pattern(ue)
	}
	if pe, ok := f["privileged"]; ok {
		pp.Privileged, _ = d.pattern(pe)
	}
}

// enable decodes the enable dialogue; null removes one inherited from a base.
func (d *decoder) enable(e entry) *Enable {
	if isNull(resolve(e.val)) {
		return nil
	}
	f, ok := d.fields(e.val, e.path, enableKeys)
	if !ok {
		return nil
	}
	en := &Enable{}
	if ce, ok := f["command"]; ok {
		en.Command, _ = d.line(ce)
	} else {
		d.problem(resolve(e.val), join(e.path, "command"), "required")
	}
	if pe, ok := f["password_prompt"]; ok {
		en.PasswordPrompt, _ = d.pattern(pe)
	} else {
		d.problem(resolve(e.val), join(e.path, "password_prompt"), "required")
	}
	if fe, ok := f["failure"]; ok {
		en.Failure, _ = d.pattern(fe)
	}
	return en
}

// answers decodes a list of {pattern, send} pairs (gates, pagers).
func (d *decoder) answers(e entry) []Answer {
	n := resolve(e.val)
	if n.Kind != yaml.SequenceNode {
		d.problem(n, e.path, "must be a list of {pattern, send}")
		return nil
	}
	out := make([]Answer, 0, len(n.Content))
	for i, item := range n.Content {
		p := e.path + "[" + strconv.Itoa(i) + "]"
		f, ok := d.fields(item, p, answerKeys)
		if !ok {
			continue
		}
		var a Answer
		if pe, ok := f["pattern"]; ok {
			a.Pattern, _ = d.pattern(pe)
		} else {
			d.problem(resolve(item), join(p, "pattern"), "required")
		}
		if se, ok := f["send"]; ok {
			a.Send, _ = d.send(se)
		} else {
			d.problem(resolve(item), join(p, "send"), `required (" " for a space, "\n" for Enter)`)
		}
		out = append(out, a)
	}
	return out
}

// send decodes what is typed in answer to a gate or pager. It is sent verbatim, with no newline
// added, so " " answers a pager with a space and "a" a gate that wants one key. YAML turns "\n"
// into a newline only inside double quotes; a backslash-n that reached here was written in plain
// or single quotes and would be typed as two characters, which no device wants.
func (d *decoder) send(e entry) (string, bool) {
	n := resolve(e.val)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.problem(n, e.path, "must be a string")
		return "", false
	}
	v := n.Value
	switch {
	case v == "":
		d.problem(n, e.path, `must not be empty (" " for a space, "\n" for Enter)`)
		return "", false
	case len(v) > maxSendLen:
		d.problem(n, e.path, "must be at most %d bytes", maxSendLen)
		return "", false
	case strings.Contains(v, `\n`) || strings.Contains(v, `\r`):
		d.problem(n, e.path, `%q holds a backslash, not a newline; write it in double quotes ("\n") so YAML turns it into one`, v)
		return "", false
	}
	return v, true
}

// pattern decodes and compiles a regular expression. A pattern that matches an empty line would
// match everywhere (every blank line of output would look like a prompt), so it is refused.
func (d *decoder) pattern(e entry) (string, bool) {
	v, ok := d.nonEmpty(e)
	if !ok {
		return "", false
	}
	n := resolve(e.val)
	if len(v) > maxPatternLen {
		d.problem(n, e.path, "pattern is longer than %d bytes", maxPatternLen)
		return "", false
	}
	re, err := regexp.Compile(v)
	if err != nil {
		d.problem(n, e.path, "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return "", false
	}
	if re.MatchString("") {
		d.problem(n, e.path, "pattern %q matches an empty line, so it would match everywhere", v)
		return "", false
	}
	return v, true
}

// patterns decodes a list of regular expressions.
func (d *decoder) patterns(e entry) []string {
	n := resolve(e.val)
	if n.Kind != yaml.SequenceNode {
		d.problem(n, e.path, "must be a list of regular expressions")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		if v, ok := d.pattern(entry{val: item, path: e.path + "[" + strconv.Itoa(i) + "]"}); ok {
			out = append(out, v)
		}
	}
	return out
}

// lines decodes a list of commands (on_open); each is sent followed by a newline.
func (d *decoder) lines(e entry) []string {
	n := resolve(e.val)
	if n.Kind != yaml.SequenceNode {
		d.problem(n, e.path, "must be a list of commands")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		if v, ok := d.line(entry{val: item, path: e.path + "[" + strconv.Itoa(i) + "]"}); ok {
			out = append(out, v)
		}
	}
	return out
}

// line decodes one command line: not empty, no line break (the driver adds the newline).
func (d *decoder) line(e entry) (string, bool) {
	n := resolve(e.val)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.problem(n, e.path, "must be a string")
		return "", false
	}
	v := strings.TrimSpace(n.Value)
	switch {
	case v == "":
		d.problem(n, e.path, "must not be empty")
		return "", false
	case strings.ContainsAny(v, "\r\n"):
		d.problem(n, e.path, "%q contains a line break; give each command its own entry", v)
		return "", false
	case len(v) > maxLineLen:
		d.problem(n, e.path, "must be at most %d bytes", maxLineLen)
		return "", false
	}
	return v, true
}

// clone is a deep copy, so that a device (or a platform built on a base) can never change the
// definition another one uses.
func (p Platform) clone() Platform {
	c := p
	c.Gates = slices.Clone(p.Gates)
	c.OnOpen = slices.Clone(p.OnOpen)
	c.Pagers = slices.Clone(p.Pagers)
	c.ErrorPatterns = slices.Clone(p.ErrorPatterns)
	if p.Enable != nil {
		en := *p.Enable
		c.Enable = &en
	}
	return c
}

func sortedNames(m map[string]Platform) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
