package devices

import (
	"math"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

var collectionKeys = []string{
	"concurrency", "login_rate", "ramp_up", "connect_timeout", "command_timeout", "max_sessions",
	"device_timeout", "retries", "framing", "template", "upload_partial",
	"max_output_bytes", "max_device_bytes",
}

// RampUpAuto is Collection.RampUp's default: the collector picks the spread (see RampUp).
const RampUpAuto time.Duration = -1

// Built-in collection defaults, in one place so the documentation and the code agree.
const (
	defaultConcurrency    = 32
	defaultConnectTimeout = 10 * time.Second
	defaultCommandTimeout = 60 * time.Second
	defaultMaxSessions    = 4
	defaultDeviceTimeout  = 10 * time.Minute
	defaultRetries        = 1
	defaultMaxOutputBytes = 16 << 20
	defaultMaxDeviceBytes = 64 << 20
)

// collection decodes the collection section, starting from the built-in defaults.
func (d *decoder) collection(top map[string]entry) Collection {
	c := Collection{
		Concurrency:    defaultConcurrency,
		RampUp:         RampUpAuto,
		ConnectTimeout: defaultConnectTimeout,
		CommandTimeout: defaultCommandTimeout,
		MaxSessions:    defaultMaxSessions,
		DeviceTimeout:  defaultDeviceTimeout,
		Retries:        defaultRetries,
		Framing:        FramingMarkers,
		MaxOutputBytes: defaultMaxOutputBytes,
		MaxDeviceBytes: defaultMaxDeviceBytes,
	}
	ce, ok := top["collection"]
	if !ok {
		return c
	}
	f, ok := d.fields(ce.val, "collection", collectionKeys)
	if !ok {
		return c
	}
	if e, ok := f["concurrency"]; ok {
		if v, ok := d.intRange(e, 1, math.MaxInt64, ""); ok {
			c.Concurrency = int(min(v, math.MaxInt32))
		}
	}
	if e, ok := f["login_rate"]; ok {
		if v, ok := d.number(e); ok {
			if v < 0 {
				d.problem(resolve(e.val), e.path, "must be 0 (unlimited) or more, got %v", v)
			} else {
				c.LoginRate = v
			}
		}
	}
	if e, ok := f["ramp_up"]; ok {
		if v, ok := d.durationOrZero(e); ok {
			c.RampUp = v
		}
	}
	d.setDuration(f, "connect_timeout", &c.ConnectTimeout)
	d.setDuration(f, "command_timeout", &c.CommandTimeout)
	d.setDuration(f, "device_timeout", &c.DeviceTimeout)
	if e, ok := f["max_sessions"]; ok {
		if v, ok := d.intRange(e, 1, 10, maxSessionsHint); ok {
			c.MaxSessions = int(v)
		}
	}
	if e, ok := f["retries"]; ok {
		if v, ok := d.intRange(e, 0, 10, ""); ok {
			c.Retries = int(v)
		}
	}
	if e, ok := f["upload_partial"]; ok {
		c.UploadPartial, _ = d.boolean(e)
	}
	if e, ok := f["max_output_bytes"]; ok {
		if v, ok := d.intRange(e, 1, math.MaxInt64, ""); ok {
			c.MaxOutputBytes = v
		}
	}
	if e, ok := f["max_device_bytes"]; ok {
		if v, ok := d.intRange(e, 1, math.MaxInt64, ""); ok {
			c.MaxDeviceBytes = v
		}
	}
	d.framing(f, ce, &c)
	return c
}

// framing decodes framing and template together: a template is required exactly when the
// framing is "template", and is parsed now so a typo fails validate rather than every device.
func (d *decoder) framing(f map[string]entry, ce entry, c *Collection) {
	if e, ok := f["framing"]; ok {
		if v, ok := d.str(e); ok {
			switch v {
			case FramingMarkers, FramingSession, FramingTemplate:
				c.Framing = v
			default:
				d.problem(resolve(e.val), e.path, "unknown framing %q; must be one of markers, session, template", v)
				return
			}
		}
	}
	te, hasTemplate := f["template"]
	if !hasTemplate {
		if c.Framing == FramingTemplate {
			d.problem(resolve(ce.val), "collection.template", "required when framing is template")
		}
		return
	}
	src, ok := d.str(te)
	if !ok {
		return
	}
	if c.Framing != FramingTemplate {
		d.problem(resolve(te.val), te.path, "only used with framing: template (framing is %q)", c.Framing)
		return
	}
	if strings.TrimSpace(src) == "" {
		d.problem(resolve(te.val), te.path, "must not be empty")
		return
	}
	if _, err := template.New("framing").Option("missingkey=error").Parse(src); err != nil {
		d.templateProblem(resolve(te.val), te.path, err)
		return
	}
	c.Template = src
}

// templateProblem reports a text/template parse error ("template: framing:2: unexpected ...").
// In a literal block (template: |) the template's line n is the file's line n after the "|", so
// the problem points at the real line; otherwise it names the template's own line.
func (d *decoder) templateProblem(n *yaml.Node, path string, err error) {
	msg := strings.TrimPrefix(err.Error(), "template: framing:")
	line, rest, ok := strings.Cut(msg, ": ")
	if !ok || !isDigits(line) {
		d.problem(n, path, "invalid template: %s", msg)
		return
	}
	if n.Style&yaml.LiteralStyle != 0 {
		k, _ := strconv.Atoi(line)
		d.problems = append(d.problems, Problem{File: d.file, Line: n.Line + k, Path: path, Message: "invalid template: " + rest})
		return
	}
	d.problem(n, path, "invalid template: line %s of the template: %s", line, rest)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (d *decoder) setDuration(f map[string]entry, key string, dst *time.Duration) {
	if e, ok := f[key]; ok {
		if v, ok := d.duration(e); ok {
			*dst = v
		}
	}
}
