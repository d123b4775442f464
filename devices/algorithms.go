package devices

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// AlgorithmsLegacy is the name of the algorithm profile for old devices (ssh.algorithms: legacy).
const AlgorithmsLegacy = "legacy"

// The SSH algorithm names golang.org/x/crypto/ssh v0.59 implements, by kind. devices does not
// import x/crypto/ssh (it is data only), so the names are written out here; the collector's tests
// check them against the library, so an upgrade that drops one is caught there. A name outside
// these lists would be silently ignored by the library and the handshake would fail with a
// confusing "no common algorithm", so the loader rejects it up front.
var (
	knownKeyExchanges = []string{
		"mlkem768x25519-sha256",
		"curve25519-sha256",
		"curve25519-sha256@libssh.org",
		"ecdh-sha2-nistp256",
		"ecdh-sha2-nistp384",
		"ecdh-sha2-nistp521",
		"diffie-hellman-group14-sha256",
		"diffie-hellman-group16-sha512",
		"diffie-hellman-group-exchange-sha256",
		"diffie-hellman-group14-sha1",
		"diffie-hellman-group1-sha1",
		"diffie-hellman-group-exchange-sha1",
	}
	knownCiphers = []string{
		"aes128-gcm@openssh.com",
		"aes256-gcm@openssh.com",
		"chacha20-poly1305@openssh.com",
		"aes128-ctr",
		"aes192-ctr",
		"aes256-ctr",
		"aes128-cbc",
		"3des-cbc",
		"arcfour256",
		"arcfour128",
		"arcfour",
	}
	knownMACs = []string{
		"hmac-sha2-256-etm@openssh.com",
		"hmac-sha2-512-etm@openssh.com",
		"hmac-sha2-256",
		"hmac-sha2-512",
		"hmac-sha1",
		"hmac-sha1-96",
	}
	knownHostKeys = []string{
		"ssh-ed25519",
		"ecdsa-sha2-nistp256",
		"ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521",
		"rsa-sha2-256",
		"rsa-sha2-512",
		"ssh-rsa",
		"ssh-ed25519-cert-v01@openssh.com",
		"ecdsa-sha2-nistp256-cert-v01@openssh.com",
		"ecdsa-sha2-nistp384-cert-v01@openssh.com",
		"ecdsa-sha2-nistp521-cert-v01@openssh.com",
		"rsa-sha2-256-cert-v01@openssh.com",
		"rsa-sha2-512-cert-v01@openssh.com",
		"ssh-rsa-cert-v01@openssh.com",
	}
)

// KnownAlgorithms lists every algorithm name an inventory may use, by kind, in x/crypto/ssh's
// order. It returns fresh slices: callers may keep or change them.
func KnownAlgorithms() Algorithms {
	return Algorithms{
		KeyExchanges: slices.Clone(knownKeyExchanges),
		Ciphers:      slices.Clone(knownCiphers),
		MACs:         slices.Clone(knownMACs),
		HostKeys:     slices.Clone(knownHostKeys),
	}
}

// LegacyAlgorithms is what the legacy profile adds to x/crypto/ssh's defaults: the SHA-1 and
// 1024-bit key exchanges, CBC ciphers, SHA-1 MACs and SHA-1 RSA host key signatures that old
// IOS, ASA, ProCurve and Comware images still insist on. It is one definition, here, so that
// validate, the dialer and the documentation cannot disagree. Fresh slices on every call.
func LegacyAlgorithms() Algorithms {
	return Algorithms{
		Legacy:       true,
		KeyExchanges: []string{"diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group1-sha1"},
		Ciphers:      []string{"aes128-cbc", "3des-cbc"},
		MACs:         []string{"hmac-sha1", "hmac-sha1-96"},
		HostKeys:     []string{"ssh-rsa", "ssh-rsa-cert-v01@openssh.com"},
	}
}

var algorithmKeys = []string{"legacy", "kex", "ciphers", "macs", "host_keys"}

// algorithmKind is one of the four lists of an algorithms mapping.
type algorithmKind struct {
	key   string // the YAML key
	what  string // for messages: "key exchange"
	known []string
}

var algorithmKinds = []algorithmKind{
	{"kex", "key exchange", knownKeyExchanges},
	{"ciphers", "cipher", knownCiphers},
	{"macs", "MAC", knownMACs},
	{"host_keys", "host key algorithm", knownHostKeys},
}

// algorithms decodes ssh.algorithms: the string "legacy", or a mapping with explicit lists and an
// optional legacy: true. An explicit list replaces x/crypto/ssh's default list of its kind; legacy
// adds LegacyAlgorithms to the kinds that have no explicit list.
func (d *decoder) algorithms(e entry) (Algorithms, bool) {
	n := resolve(e.val)
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!str" && n.Value == AlgorithmsLegacy {
			return Algorithms{Legacy: true}, true
		}
		d.problem(n, e.path, "unknown algorithms profile %q; write legacy, or a mapping of kex, ciphers, macs, host_keys", n.Value)
		return Algorithms{}, false
	}
	f, ok := d.fields(n, e.path, algorithmKeys)
	if !ok {
		return Algorithms{}, false
	}
	var a Algorithms
	good := true
	if le, ok := f["legacy"]; ok {
		v, ok := d.boolean(le)
		good = good && ok
		a.Legacy = v
	}
	lists := []*[]string{&a.KeyExchanges, &a.Ciphers, &a.MACs, &a.HostKeys}
	for i, k := range algorithmKinds {
		le, ok := f[k.key]
		if !ok {
			continue
		}
		v, ok := d.algorithmList(le, k)
		good = good && ok
		*lists[i] = v
	}
	if good && !a.Legacy && len(f) == 0 {
		d.problem(n, e.path, "set legacy: true or at least one of kex, ciphers, macs, host_keys (or remove algorithms to keep the defaults)")
		return Algorithms{}, false
	}
	return a, good
}

// algorithmList decodes one explicit list, checking every name against what x/crypto/ssh
// implements, with a suggestion for a typo and a pointer for a name listed under the wrong kind.
func (d *decoder) algorithmList(e entry, k algorithmKind) ([]string, bool) {
	names, ok := d.strList(e)
	if !ok {
		return nil, false
	}
	if len(names) == 0 {
		d.problem(resolve(e.val), e.path, "list at least one %s, or remove %s to keep the defaults", k.what, k.key)
		return nil, false
	}
	n := resolve(e.val)
	seen := map[string]bool{}
	for i, name := range names {
		item := resolve(n.Content[i])
		p := e.path + "[" + strconv.Itoa(i) + "]"
		switch {
		case seen[name]:
			d.problem(item, p, "%s %q is listed twice", k.what, name)
			ok = false
		case !contains(k.known, name):
			d.problem(item, p, "%s", unknownAlgorithm(name, k))
			ok = false
		}
		seen[name] = true
	}
	return names, ok
}

// unimplemented are algorithms real devices offer that x/crypto/ssh does not implement, with what
// to do instead. A "did you mean" would point at a different algorithm the device may not have.
var unimplemented = map[string]string{
	"ssh-dss":                            "DSA host keys are not implemented by x/crypto/ssh; give the device an RSA key (ssh-rsa) or a newer one",
	"ssh-dss-cert-v01@openssh.com":       "DSA host keys are not implemented by x/crypto/ssh; give the device an RSA key (ssh-rsa) or a newer one",
	"aes192-cbc":                         "of the CBC ciphers x/crypto/ssh implements only aes128-cbc and 3des-cbc",
	"aes256-cbc":                         "of the CBC ciphers x/crypto/ssh implements only aes128-cbc and 3des-cbc",
	"rijndael-cbc@lysator.liu.se":        "of the CBC ciphers x/crypto/ssh implements only aes128-cbc and 3des-cbc",
	"blowfish-cbc":                       "of the CBC ciphers x/crypto/ssh implements only aes128-cbc and 3des-cbc",
	"cast128-cbc":                        "of the CBC ciphers x/crypto/ssh implements only aes128-cbc and 3des-cbc",
	"hmac-md5":                           "MD5 MACs are not implemented by x/crypto/ssh; hmac-sha1 is the oldest it has",
	"hmac-md5-96":                        "MD5 MACs are not implemented by x/crypto/ssh; hmac-sha1 is the oldest it has",
	"hmac-sha1-etm@openssh.com":          "not implemented by x/crypto/ssh; use hmac-sha1 or an hmac-sha2 variant",
	"umac-64@openssh.com":                "UMAC is not implemented by x/crypto/ssh; use an hmac-sha2 variant",
	"umac-128@openssh.com":               "UMAC is not implemented by x/crypto/ssh; use an hmac-sha2 variant",
	"umac-64-etm@openssh.com":            "UMAC is not implemented by x/crypto/ssh; use an hmac-sha2 variant",
	"umac-128-etm@openssh.com":           "UMAC is not implemented by x/crypto/ssh; use an hmac-sha2 variant",
	"diffie-hellman-group18-sha512":      "not implemented by x/crypto/ssh; use diffie-hellman-group16-sha512",
	"sntrup761x25519-sha512":             "not implemented by x/crypto/ssh; use mlkem768x25519-sha256 or curve25519-sha256",
	"sntrup761x25519-sha512@openssh.com": "not implemented by x/crypto/ssh; use mlkem768x25519-sha256 or curve25519-sha256",
}

// unknownAlgorithm explains a name that is not one of kind k's: one the library does not
// implement, a typo of one of them, or a name of another kind.
func unknownAlgorithm(name string, k algorithmKind) string {
	if why, ok := unimplemented[strings.ToLower(name)]; ok {
		return fmt.Sprintf("%s %q: %s", k.what, name, why)
	}
	if s := suggestAlgorithm(name, k.known); s != "" {
		return fmt.Sprintf("unknown %s %q; did you mean %q?", k.what, name, s)
	}
	for _, other := range algorithmKinds {
		if other.key != k.key && contains(other.known, name) {
			return fmt.Sprintf("%q is a %s, not a %s; list it under %s", name, other.what, k.what, other.key)
		}
	}
	return fmt.Sprintf("unknown %s %q; x/crypto/ssh supports %s", k.what, name, strings.Join(k.known, ", "))
}

// suggestAlgorithm finds the known name closest to a misspelt one: a case difference, a missing
// "@openssh.com"-style suffix, or an edit distance of at most 2.
func suggestAlgorithm(name string, known []string) string {
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	lower := strings.ToLower(name)
	for _, k := range known {
		if base, _, ok := strings.Cut(k, "@"); ok && base == lower && !contains(known, base) {
			return k
		}
	}
	return suggest(lower, known)
}
