package collector

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/devices"
)

// Legacy algorithms: what old devices (IOS 12/15, ASA 8, old Junos and ProCurve) offer and
// nothing newer. They are only offered when the device's ssh.algorithms says legacy, appended
// after the modern ones, so a device that knows both still negotiates a modern one.
var (
	legacyKeyExchanges = []string{
		ssh.InsecureKeyExchangeDH14SHA1,
		ssh.InsecureKeyExchangeDHGEXSHA1,
		ssh.InsecureKeyExchangeDH1SHA1,
	}
	legacyCiphers  = []string{ssh.InsecureCipherAES128CBC, ssh.InsecureCipherTripleDESCBC}
	legacyMACs     = []string{ssh.HMACSHA1, ssh.InsecureHMACSHA196}
	legacyHostKeys = []string{ssh.KeyAlgoRSA, ssh.CertAlgoRSAv01}
)

// handshakeAlgorithms are the lists one connection offers. Every list is explicit: x/crypto's
// own defaults include diffie-hellman-group14-sha1 and ssh-rsa (SHA-1) host keys, which the
// collector offers only under the legacy profile, so a device that needs them says so in an
// error instead of being accepted silently with weak crypto.
type handshakeAlgorithms struct {
	kex, ciphers, macs, hostKeys []string
	settings                     devices.Algorithms // what they were built from, for messages
}

// algorithmsFor builds the lists for one device or hop: an explicit list in the settings
// replaces the default for its kind; otherwise the default is x/crypto's algorithms without
// known weaknesses, plus the legacy ones when Legacy is set.
func algorithmsFor(a devices.Algorithms) handshakeAlgorithms {
	secure := ssh.SupportedAlgorithms()
	pick := func(explicit, modern, legacy []string) []string {
		switch {
		case len(explicit) > 0:
			return slices.Clone(explicit)
		case a.Legacy:
			return appendMissing(modern, legacy)
		default:
			return modern
		}
	}
	return handshakeAlgorithms{
		kex:      pick(a.KeyExchanges, secure.KeyExchanges, legacyKeyExchanges),
		ciphers:  pick(a.Ciphers, secure.Ciphers, legacyCiphers),
		macs:     pick(a.MACs, secure.MACs, legacyMACs),
		hostKeys: pick(a.HostKeys, secure.HostKeys, legacyHostKeys),
		settings: a,
	}
}

// apply sets the lists on cfg. known are the host key algorithms that can verify keys already
// in known_hosts for this host (none when the host is new or not checked): the offer is narrowed
// to them, so a device with several host keys presents the one known_hosts has instead of
// failing as a changed key. When the settings allow none of the known key types, dialling
// could only end in a false "host key changed", so apply says why instead.
func (h handshakeAlgorithms) apply(cfg *ssh.ClientConfig, addr string, known []string) error {
	cfg.KeyExchanges, cfg.Ciphers, cfg.MACs = h.kex, h.ciphers, h.macs
	cfg.HostKeyAlgorithms = h.hostKeys
	if len(known) == 0 {
		return nil
	}
	var both []string
	for _, a := range h.hostKeys {
		if slices.Contains(known, a) {
			both = append(both, a)
		}
	}
	if len(both) == 0 {
		how := "the collector does not implement them"
		if len(h.settings.HostKeys) > 0 {
			how = "add one of them to ssh.algorithms.host_keys"
		}
		return classError(ErrHandshake, fmt.Errorf("ssh handshake %s: the host's keys in known_hosts need host key algorithms %v, which the algorithm settings do not offer; %s",
			addr, known, how))
	}
	cfg.HostKeyAlgorithms = both
	return nil
}

// AlgorithmError is a handshake that failed because the device and the collector share no
// algorithm of one kind. It says what the device offered and which setting would let the
// collector meet it, because "no common algorithm" alone sends operators searching.
type AlgorithmError struct {
	Address string
	// Kind is what could not be agreed: "key exchange", "host key", "cipher" or "MAC".
	Kind string
	// Offered are the device's algorithms of that kind.
	Offered []string
	// Setting is the ssh.algorithms key that lists this kind: kex, host_keys, ciphers, macs.
	Setting string
	// Hint says how to enable what the device offers, or why that is not possible.
	Hint string
	err  *ssh.AlgorithmNegotiationError
}

func (e *AlgorithmError) Error() string {
	return fmt.Sprintf("ssh handshake %s: %s", e.Address, e.Hint)
}

// Unwrap exposes x/crypto's error, whose message lists what the collector offered.
func (e *AlgorithmError) Unwrap() error { return e.err }

// algorithmError turns x/crypto's negotiation failure into an AlgorithmError, or returns nil
// when err is not one.
func algorithmError(addr string, err error, h handshakeAlgorithms) error {
	var ne *ssh.AlgorithmNegotiationError
	if !errors.As(err, &ne) {
		return nil
	}
	e := &AlgorithmError{Address: addr, Offered: realAlgorithms(ne.RequestedAlgorithms), err: ne}
	var explicit []string
	var legacy []string
	switch {
	case ne.What == "key exchange":
		e.Kind, e.Setting, explicit, legacy = "key exchange", "kex", h.settings.KeyExchanges, legacyKeyExchanges
	case ne.What == "host key":
		e.Kind, e.Setting, explicit, legacy = "host key", "host_keys", h.settings.HostKeys, legacyHostKeys
	case strings.HasSuffix(ne.What, " cipher"):
		e.Kind, e.Setting, explicit, legacy = "cipher", "ciphers", h.settings.Ciphers, legacyCiphers
	case strings.HasSuffix(ne.What, " MAC"):
		e.Kind, e.Setting, explicit, legacy = "MAC", "macs", h.settings.MACs, legacyMACs
	default:
		e.Kind = ne.What
		e.Hint = fmt.Sprintf("the device and the collector share no %s algorithm; the device offers %v", ne.What, e.Offered)
		return classError(ErrHandshake, e)
	}
	offered := fmt.Sprintf("%s algorithms %v", e.Kind, e.Offered)
	usable := anyIn(e.Offered, supportedOrInsecure(e.Kind))
	switch {
	case e.Kind == "host key" && anyIn(e.Offered, h.hostKeys):
		// The settings allow what the device offers: only the narrowing to the key type
		// known_hosts has for the host excluded it. The key changed type, or someone else
		// answers for the device.
		e.Hint = fmt.Sprintf("the device offers only %s, none of which can verify the host key known_hosts has for it; "+
			"if the device's host key was replaced by one of another type, update known_hosts (otherwise this may be a man-in-the-middle)", offered)
		return classError(ErrHostKey, e)
	case len(explicit) > 0 && usable:
		e.Hint = fmt.Sprintf("the device offers only %s, none of which ssh.algorithms.%s lists; add one of them", offered, e.Setting)
	case !h.settings.Legacy && anyIn(e.Offered, legacy):
		e.Hint = fmt.Sprintf("the device offers only old %s; set ssh: {algorithms: legacy} for this device or its group (or list them under ssh.algorithms.%s)",
			offered, e.Setting)
	case usable:
		e.Hint = fmt.Sprintf("the device offers only %s, which need listing under ssh.algorithms.%s", offered, e.Setting)
	default:
		e.Hint = fmt.Sprintf("the device offers only %s, none of which the collector implements", offered)
	}
	return classError(ErrHandshake, e)
}

// realAlgorithms drops the protocol markers servers list among their key exchanges
// (kex-strict-s-v00@openssh.com, ext-info-s): they are not algorithms anyone can enable.
func realAlgorithms(offered []string) []string {
	return slices.DeleteFunc(slices.Clone(offered), func(a string) bool {
		return strings.HasPrefix(a, "kex-strict-") || strings.HasPrefix(a, "ext-info-")
	})
}

// supportedOrInsecure lists every algorithm of a kind that x/crypto implements.
func supportedOrInsecure(kind string) []string {
	s, i := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	switch kind {
	case "key exchange":
		return slices.Concat(s.KeyExchanges, i.KeyExchanges)
	case "host key":
		return slices.Concat(s.HostKeys, i.HostKeys)
	case "cipher":
		return slices.Concat(s.Ciphers, i.Ciphers)
	default:
		return slices.Concat(s.MACs, i.MACs)
	}
}

func anyIn(list, set []string) bool {
	return slices.ContainsFunc(list, func(a string) bool { return slices.Contains(set, a) })
}

// appendMissing returns base followed by the entries of extra it does not already have.
func appendMissing(base, extra []string) []string {
	out := slices.Clone(base)
	for _, a := range extra {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
