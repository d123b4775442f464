package devices

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// The scalar decoders below report a wrong type at the value's position and return ok=false, so
// the caller keeps its default and the walk goes on to the next key.

// str returns a scalar's text. Null (an empty value) reads as "": callers treat an empty string
// as "not set".
func (d *decoder) str(e entry) (string, bool) {
	n := resolve(e.val)
	if n.Kind != yaml.ScalarNode {
		d.problem(n, e.path, "must be a string")
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

func (d *decoder) integer(e entry) (int64, bool) {
	n := resolve(e.val)
	var v int64
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		d.problem(n, e.path, "must be an integer%s", got(n))
		return 0, false
	}
	return v, true
}

// intRange decodes an integer in [lo, hi]; hint is appended when the value is too large, to say
// why the bound is there.
func (d *decoder) intRange(e entry, lo, hi int64, hint string) (int64, bool) {
	v, ok := d.integer(e)
	if !ok {
		return 0, false
	}
	if v < lo || v > hi {
		msg := fmt.Sprintf("must be between %d and %d, got %d", lo, hi, v)
		if hi == math.MaxInt64 {
			msg = fmt.Sprintf("must be at least %d, got %d", lo, v)
		}
		if v < lo {
			hint = "" // the hint explains the upper bound
		}
		d.problem(resolve(e.val), e.path, "%s%s", msg, hint)
		return 0, false
	}
	return v, true
}

func (d *decoder) number(e entry) (float64, bool) {
	n := resolve(e.val)
	var v float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&v) != nil ||
		math.IsNaN(v) || math.IsInf(v, 0) {
		d.problem(n, e.path, "must be a number%s", got(n))
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(e entry) (bool, bool) {
	n := resolve(e.val)
	var v bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&v) != nil {
		d.problem(n, e.path, "must be true or false%s", got(n))
		return false, false
	}
	return v, true
}

// duration decodes a positive Go duration ("30s", "10m").
func (d *decoder) duration(e entry) (time.Duration, bool) {
	n := resolve(e.val)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.problem(n, e.path, "must be a duration like 30s%s", got(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.problem(n, e.path, "must be a duration like 30s%s", got(n))
		return 0, false
	}
	if v <= 0 {
		d.problem(n, e.path, "must be greater than 0, got %q", n.Value)
		return 0, false
	}
	return v, true
}

// durationOrZero decodes a Go duration where 0 means "off" (keepalive_interval: 0). A bare 0 is
// accepted as well as "0s".
func (d *decoder) durationOrZero(e entry) (time.Duration, bool) {
	n := resolve(e.val)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" && n.Value == "0" {
		return 0, true
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.problem(n, e.path, "must be a duration like 30s, or 0 to turn it off%s", got(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.problem(n, e.path, "must be a duration like 30s, or 0 to turn it off%s", got(n))
		return 0, false
	}
	if v < 0 {
		d.problem(n, e.path, "must not be negative, got %q", n.Value)
		return 0, false
	}
	return v, true
}

// strList decodes a list of non-empty strings.
func (d *decoder) strList(e entry) ([]string, bool) {
	n := resolve(e.val)
	if n.Kind != yaml.SequenceNode {
		d.problem(n, e.path, "must be a list of strings")
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, item := range n.Content {
		item = resolve(item)
		p := e.path + "[" + strconv.Itoa(i) + "]"
		if item.Kind != yaml.ScalarNode || isNull(item) || item.Value == "" {
			d.problem(item, p, "must be a non-empty string")
			ok = false
			continue
		}
		out = append(out, item.Value)
	}
	return out, ok
}

// got quotes a scalar's text for a type error, so the operator sees what was read.
func got(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return ""
	}
	return fmt.Sprintf(", got %q", n.Value)
}
