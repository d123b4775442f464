package collector

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// maxKnownHostsLine is the longest line x/crypto's known_hosts reader accepts (its scanner's
// token limit); a longer line sends the file to that reader, which reports it.
const maxKnownHostsLine = 64 << 10

// hostPort is a known_hosts address as x/crypto's knownhosts matches it: the host as written
// (without brackets) and the port, "22" when none is given.
type hostPort struct{ host, port string }

// knownHostsIndex looks host keys up in a map. x/crypto's knownhosts compares every line of the
// file with the address on every lookup, and the collector looks up twice per device (the host
// key algorithms to ask for, then the key itself): with ten thousand devices in one file that
// was 1.4 ms of CPU per device and grew with the fleet. The index is built only for files whose
// every line is a plain entry (no @cert-authority or @revoked marker, no hashed host, no
// wildcard or negation) and parses as x/crypto parses it; any other file is left to x/crypto,
// so both paths give the same answers, keys, file names and line numbers included.
type knownHostsIndex struct {
	keys map[hostPort][]knownhosts.KnownKey
}

// indexKnownHosts indexes the contents of the known_hosts file at path. ok is false when some
// line needs x/crypto's general matcher (or is one x/crypto would reject).
func indexKnownHosts(path string, data []byte) (idx *knownHostsIndex, ok bool) {
	idx = &knownHostsIndex{keys: map[hostPort][]knownhosts.KnownKey{}}
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) >= maxKnownHostsLine {
			return nil, false
		}
		line = bytes.Trim(line, " \t")
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		addrs, key, ok := parsePlainKnownHost(line)
		if !ok {
			return nil, false
		}
		k := knownhosts.KnownKey{Key: key, Filename: path, Line: n}
		for _, a := range addrs {
			if prev := idx.keys[a]; len(prev) == 0 || prev[len(prev)-1].Line != n {
				idx.keys[a] = append(prev, k)
			}
		}
	}
	return idx, true
}

// parsePlainKnownHost reads "host[,host...] keytype base64-key [comment]" the way x/crypto's
// knownhosts does (words split on spaces and tabs, the key type word must name the blob's
// type), and returns the addresses it names; ok is false for a marker, a hashed or
// patterned host, or a line that does not parse.
func parsePlainKnownHost(line []byte) (addrs []hostPort, key ssh.PublicKey, ok bool) {
	hosts, rest := knownHostsWord(line)
	if hosts == "" || hosts[0] == '@' || hosts[0] == '|' || len(rest) == 0 {
		return nil, nil, false
	}
	keyType, rest := knownHostsWord(rest)
	if len(rest) == 0 {
		return nil, nil, false
	}
	blob, _ := knownHostsWord(rest)
	raw, err := base64.StdEncoding.DecodeString(blob)
	if err != nil {
		return nil, nil, false
	}
	if key, err = ssh.ParsePublicKey(raw); err != nil || key.Type() != keyType {
		return nil, nil, false
	}
	for p := range strings.SplitSeq(hosts, ",") {
		if p == "" {
			continue
		}
		if strings.ContainsAny(p, "*?!") {
			return nil, nil, false
		}
		a, ok := knownHostsAddr(p)
		if !ok {
			return nil, nil, false
		}
		addrs = append(addrs, a)
	}
	return addrs, key, len(addrs) > 0
}

// knownHostsWord splits off the first word; the rest has its leading spaces and tabs trimmed.
func knownHostsWord(line []byte) (string, []byte) {
	i := bytes.IndexAny(line, "\t ")
	if i < 0 {
		return string(line), nil
	}
	return string(line[:i]), bytes.Trim(line[i:], " \t")
}

// knownHostsAddr splits a host pattern as x/crypto does: "[host]:port" must parse, "host:port"
// may, and anything else is a host on port 22.
func knownHostsAddr(p string) (hostPort, bool) {
	host, port, err := net.SplitHostPort(p)
	if err != nil {
		if p[0] == '[' {
			return hostPort{}, false
		}
		host, port = p, "22"
	}
	return hostPort{host, port}, true
}

// callback is a host key callback with x/crypto's semantics for a file of plain entries: a
// certificate is refused (such a file names no authority), a key is accepted when a line for
// the address has it, and otherwise a *knownhosts.KeyError lists the address's keys (none for
// an unknown host). The address checked is the dialed hostname, or the remote address without
// one, as in x/crypto.
func (idx *knownHostsIndex) callback() ssh.HostKeyCallback {
	checker := &ssh.CertChecker{
		IsHostAuthority: func(ssh.PublicKey, string) bool { return false },
		IsRevoked:       func(*ssh.Certificate) bool { return false },
		HostKeyFallback: idx.check,
	}
	return checker.CheckHostKey
}

func (idx *knownHostsIndex) check(hostname string, remote net.Addr, key ssh.PublicKey) error {
	address := remote.String()
	if _, _, err := net.SplitHostPort(address); err != nil {
		return fmt.Errorf("knownhosts: SplitHostPort(%s): %w", address, err)
	}
	if hostname != "" {
		address = hostname
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("knownhosts: SplitHostPort(%s): %w", address, err)
	}
	want := idx.keys[hostPort{host, port}]
	blob := key.Marshal()
	for _, k := range want {
		if bytes.Equal(k.Key.Marshal(), blob) {
			return nil
		}
	}
	return &knownhosts.KeyError{Want: append([]knownhosts.KnownKey(nil), want...)}
}
