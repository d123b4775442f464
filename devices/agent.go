package devices

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

var agentKeys = []string{"schedule", "listen", "socket", "token_file", "run_timeout"}

// DefaultAgentListen is where the agent's API listens when the agent section names neither
// listen nor socket.
const DefaultAgentListen = "127.0.0.1:9464"

// MinTokenLength is the shortest bearer token the agent accepts: a short token guards
// production credentials no better than none.
const MinTokenLength = 16

// agent decodes the agent section. It is returned even when it has problems (they fail the
// load anyway).
func (d *decoder) agent(ae entry) *Agent {
	a := &Agent{}
	f, ok := d.fields(ae.val, "agent", agentKeys)
	if !ok {
		return a
	}
	if e, ok := f["schedule"]; ok {
		if v, ok := d.nonEmpty(e); ok {
			s, err := ParseSchedule(v)
			if err != nil {
				d.problem(resolve(e.val), e.path, "%s", err.Error())
			} else {
				a.Schedule = &s
				if s.Every > 0 && s.Every < time.Minute {
					d.warn(resolve(e.val), e.path, "runs every %s: shorter than a minute, runs will follow each other back to back", s.Every)
				}
			}
		}
	}
	_, hasListen := f["listen"]
	_, hasSocket := f["socket"]
	switch {
	case hasListen && hasSocket:
		d.problem(resolve(ae.val), "agent", "set only one of listen, socket")
	case hasSocket:
		if p, ok := d.pathField(f["socket"]); ok {
			a.Socket = p
		}
	case hasListen:
		e := f["listen"]
		if v, ok := d.nonEmpty(e); ok {
			if msg := checkListen(v); msg != "" {
				d.problem(resolve(e.val), e.path, "%s", msg)
			} else {
				a.Listen = v
			}
		}
	default:
		a.Listen = DefaultAgentListen
	}
	if e, ok := f["token_file"]; !ok {
		d.problem(resolve(ae.val), "agent.token_file", "required: the API's bearer token (a file of mode 0600)")
	} else if p, ok := d.pathField(e); ok {
		a.TokenFile = p
		if err := checkSecretFile("token file", p); err != nil {
			d.problem(resolve(e.val), e.path, "%s", err.Error())
		}
	}
	d.setDuration(f, "run_timeout", &a.RunTimeout)
	return a
}

// checkListen returns why addr is not a loopback host:port, or "". The API starts collections
// with production credentials; it is for this host only (a reverse proxy can publish it).
func checkListen(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("must be host:port on a loopback address like %s, got %q", DefaultAgentListen, addr)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Sprintf("must be a loopback IP address (127.0.0.0/8 or ::1), got %q: the API is for this host only; "+
			"use socket, or a reverse proxy to publish it", host)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port must be a number between 0 and 65535, got %q", port)
	}
	return ""
}

// ReadToken reads the API's bearer token from the token file, refusing a file that group or
// others can read and a token shorter than MinTokenLength or with spaces or control characters
// (it travels in an HTTP header). One trailing newline is dropped. Errors name the file, never
// its content.
func (a Agent) ReadToken() (Secret, error) {
	f, err := os.Open(a.TokenFile)
	if err != nil {
		return "", fmt.Errorf("cannot read token file %s: %s", a.TokenFile, reason(err))
	}
	defer func() { _ = f.Close() }() // opened read-only: a close error loses nothing
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read token file %s: %s", a.TokenFile, reason(err))
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("token file %s is not a regular file", a.TokenFile)
	}
	if tooOpen(st.Mode()) {
		return "", fmt.Errorf("token file %s has permissions %04o; it must not be readable by group or others (chmod 600)",
			a.TokenFile, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read token file %s: %s", a.TokenFile, reason(err))
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("token file %s is larger than %d bytes", a.TokenFile, maxSecretFile)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return "", fmt.Errorf("token file %s: the token must be printable ASCII without spaces or line breaks", a.TokenFile)
		}
	}
	if len(s) < MinTokenLength {
		return "", fmt.Errorf("token file %s: the token is shorter than %d characters (make one with: openssl rand -hex 32 > %s)",
			a.TokenFile, MinTokenLength, a.TokenFile)
	}
	return Secret(s), nil
}
