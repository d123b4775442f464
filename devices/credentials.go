package devices

import (
	"fmt"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

var credentialKeys = []string{
	"username", "password", "password_env", "password_file",
	"private_key", "passphrase_env", "enable_password_env", "agent",
}

// envName is what a shell accepts as a variable name; "$FOO" or "FOO " are the mistakes it
// catches, which would otherwise surface only as "not set" at run time.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (d *decoder) credentials(n *yaml.Node) map[string]Credential {
	out := make(map[string]Credential)
	es := d.named(n, "credentials")
	for _, e := range es {
		if c, ok := d.credential(e); ok {
			out[e.name] = c
		}
	}
	return out
}

// credential decodes one credentials.<name> entry. Only references are kept: no secret file is
// read here, but key and password files are checked to exist with safe permissions so that
// validate finds the mistake, not the 3 a.m. run.
func (d *decoder) credential(e entry) (Credential, bool) {
	c := Credential{Name: e.name}
	f, ok := d.fields(e.val, e.path, credentialKeys)
	if !ok {
		return c, false
	}
	before := len(d.problems)
	c.Username = d.requiredStr(f, "username", e)
	if fe, ok := f["password"]; ok {
		if password, ok := d.str(fe); ok {
			if password == "" {
				d.problem(resolve(fe.val), fe.path, "must not be empty")
			} else {
				c.Password = Secret(password)
				d.warn(resolve(fe.val), fe.path, "inline password; prefer password_env or password_file")
			}
		}
	}
	d.setEnv(f, "password_env", &c.PasswordEnv)
	d.setEnv(f, "passphrase_env", &c.PassphraseEnv)
	d.setEnv(f, "enable_password_env", &c.EnablePasswordEnv)
	if fe, ok := f["password_file"]; ok {
		if p, ok := d.secretPathField(fe); ok {
			c.PasswordFile = p
			if err := checkSecretFile("password file", p); err != nil {
				d.problem(resolve(fe.val), fe.path, "%s", err.Error())
			}
		}
	}
	if fe, ok := f["private_key"]; ok {
		if p, ok := d.secretPathField(fe); ok {
			c.PrivateKey = p
			if err := checkSecretFile("private key", p); err != nil {
				d.problem(resolve(fe.val), fe.path, "%s", err.Error())
			}
		}
	}
	agentBad := false
	if fe, ok := f["agent"]; ok {
		var ok bool
		c.Agent, ok = d.boolean(fe)
		agentBad = !ok
	}

	// Presence, not value, decides these: a key that failed to decode was reported already and
	// should not also trigger "needs one of".
	has := func(k string) bool { _, ok := f[k]; return ok }
	if n := countTrue(has("password"), has("password_env"), has("password_file")); n > 1 {
		d.problem(resolve(e.val), e.path, "set only one of password, password_env, password_file")
	}
	if !has("password") && !has("password_env") && !has("password_file") && !has("private_key") && !c.Agent && !agentBad {
		d.problem(resolve(e.val), e.path, "needs one of password, password_env, password_file, private_key or agent: true")
	}
	if has("passphrase_env") && !has("private_key") {
		d.problem(f["passphrase_env"].key, f["passphrase_env"].path, "passphrase_env needs private_key")
	}
	return c, len(d.problems) == before
}

// requiredStr returns a required string field of the mapping in parent, reporting it missing
// (at the mapping) or empty (at the value).
func (d *decoder) requiredStr(f map[string]entry, key string, parent entry) string {
	e, ok := f[key]
	if !ok {
		d.problem(resolve(parent.val), join(parent.path, key), "required")
		return ""
	}
	s, ok := d.str(e)
	if ok && s == "" {
		d.problem(resolve(e.val), e.path, "must not be empty")
	}
	return s
}

// setEnv stores an environment variable name, checking it could be one.
func (d *decoder) setEnv(f map[string]entry, key string, dst *string) {
	e, ok := f[key]
	if !ok {
		return
	}
	s, ok := d.str(e)
	if !ok {
		return
	}
	if !envName.MatchString(s) {
		d.problem(resolve(e.val), e.path, "invalid environment variable name %q", s)
		return
	}
	*dst = s
}

func countTrue(values ...bool) int {
	n := 0
	for _, v := range values {
		if v {
			n++
		}
	}
	return n
}

// checkSecretFile applies OpenSSH's rule for private keys to every file holding a secret: it
// must be a readable regular file that group and others cannot read.
func checkSecretFile(what, path string) error {
	if err := checkReadable(what, path); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("cannot read %s %q: %s", what, path, reason(err))
	}
	if tooOpen(st.Mode()) {
		if what == "private key" {
			return fmt.Errorf("permissions %04o for %s are too open; it must not be accessible by others (chmod 600)",
				st.Mode().Perm(), path)
		}
		return fmt.Errorf("%s %s has permissions %04o; it must not be readable by group or others (chmod 600)",
			what, path, st.Mode().Perm())
	}
	return nil
}
