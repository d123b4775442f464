package sshdtest

import (
	"fmt"
	"sort"
	"strings"
)

// daemonConfig is what one sshd_config says. The paths are absolute and already checked by
// checkPath, so they need no quoting.
type daemonConfig struct {
	ips            []string
	ports          []int
	hostKey        string
	pidFile        string
	authorizedKeys string
	passwordAuth   bool
	scripts        map[int]string // port index (into ports) -> ForceCommand script path
	marker         string         // SetEnv entry that tags every session's processes
	extra          []string
}

// render writes the config. The order matters: sshd keeps the first value it reads for most
// keywords, so the caller's global ExtraConfig lines come first (and win), then the harness's
// defaults, then the caller's Match blocks, then ours (a Match block runs to the next Match).
func (c daemonConfig) render() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	globals, matches := splitAtMatch(c.extra)
	line("# Written by internal/sshdtest for one test; not a configuration for a real host.")
	for _, l := range globals {
		line("%s", l)
	}
	for _, p := range c.ports {
		line("Port %d", p)
	}
	for _, ip := range c.ips {
		line("ListenAddress %s", ip)
	}
	line("HostKey %s", c.hostKey)
	line("PidFile %s", c.pidFile)
	// UsePAM no keeps logins fast and lets password auth check the shadow password that
	// chpasswd set.
	line("UsePAM no")
	line("UseDNS no")
	line("PrintMotd no")
	line("PrintLastLog no")
	// StrictModes would reject the authorized_keys file: it lives under /tmp, which is
	// world-writable (sticky), and sshd refuses keys behind a writable directory.
	line("StrictModes no")
	line("AuthorizedKeysFile %s", c.authorizedKeys)
	line("PubkeyAuthentication yes")
	line("PasswordAuthentication %s", yesNo(c.passwordAuth))
	line("KbdInteractiveAuthentication no")
	line("PermitRootLogin no")
	line("AllowUsers %s", UserName)
	// Raised far above sshd's default (MaxStartups 10:30:100) so a benchmark's burst of logins
	// from 127.0.0.1 is not refused; real devices keep the defaults, which is why the collector
	// has login_rate.
	line("MaxStartups 500:30:1000")
	line("PerSourceMaxStartups none")
	line("MaxSessions 10")
	line("LogLevel VERBOSE")
	// Tags every process of every session, so cleanup can find a command that outlived its
	// session (sshd leaves those running). A caller's own global SetEnv would win and drop it.
	line("SetEnv %s", c.marker)
	for _, l := range matches {
		line("%s", l)
	}
	idx := make([]int, 0, len(c.scripts))
	for i := range c.scripts {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		line("Match LocalPort %d", c.ports[i])
		line("\tForceCommand %s", c.scripts[i])
	}
	return b.String()
}

// splitAtMatch cuts ExtraConfig at its first Match line: what comes before is global.
func splitAtMatch(lines []string) (globals, matches []string) {
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && strings.EqualFold(f[0], "Match") {
			return lines[:i], lines[i:]
		}
	}
	return lines, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// checkPath refuses paths sshd_config cannot carry verbatim: whitespace and quotes split or
// change arguments, '%' and '~' are expanded in AuthorizedKeysFile, and ForceCommand is handed
// to the shell. The harness chooses its own directory names, so this only trips on an unusual
// TMPDIR.
func checkPath(p string) error {
	if strings.ContainsAny(p, " \t\r\n\"'%~\\$`;&|<>*?()[]{}#") {
		return fmt.Errorf("path %q has characters sshd_config or the shell would reinterpret; set TMPDIR to a plain path", p)
	}
	return nil
}
