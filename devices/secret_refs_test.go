package devices

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolvePassword(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "pw")
	writeFile(t, good, file{content: "s3cret\n"})
	crlf := filepath.Join(dir, "pw-crlf")
	writeFile(t, crlf, file{content: "s3cret\r\n"})
	twoNL := filepath.Join(dir, "pw-2nl")
	writeFile(t, twoNL, file{content: "s3cret\n\n"})
	open := filepath.Join(dir, "pw-open")
	writeFile(t, open, file{content: "s3cret\n", mode: 0o644})
	empty := filepath.Join(dir, "pw-empty")
	writeFile(t, empty, file{content: "\n"})
	t.Setenv("NETOPS_PASSWORD", "from-env")
	t.Setenv("EMPTY_PASSWORD", "")

	tests := []struct {
		name    string
		c       Credential
		want    string
		wantErr string
		unset   bool // wraps ErrSecretUnset
	}{
		{name: "none configured", c: Credential{Name: "k", PrivateKey: "/k"}, want: ""},
		{name: "inline", c: Credential{Name: "n", Password: "inline"}, want: "inline"},
		{name: "inline wins", c: Credential{Name: "n", Password: "inline", PasswordEnv: "NETOPS_PASSWORD", PasswordFile: good}, want: "inline"},
		{name: "env", c: Credential{Name: "n", PasswordEnv: "NETOPS_PASSWORD"}, want: "from-env"},
		{name: "env wins over file", c: Credential{Name: "n", PasswordEnv: "NETOPS_PASSWORD", PasswordFile: good}, want: "from-env"},
		{name: "env unset", c: Credential{Name: "netops", PasswordEnv: "NOT_SET_ANYWHERE"},
			wantErr: `credential "netops": environment variable NOT_SET_ANYWHERE is not set`, unset: true},
		{name: "env empty", c: Credential{Name: "netops", PasswordEnv: "EMPTY_PASSWORD"},
			wantErr: `credential "netops": environment variable EMPTY_PASSWORD is empty`, unset: true},
		{name: "file", c: Credential{Name: "n", PasswordFile: good}, want: "s3cret"},
		{name: "file crlf", c: Credential{Name: "n", PasswordFile: crlf}, want: "s3cret"},
		{name: "file trims one newline only", c: Credential{Name: "n", PasswordFile: twoNL}, want: "s3cret\n"},
		{name: "file too open", c: Credential{Name: "n", PasswordFile: open},
			wantErr: `credential "n": password file ` + open + ` has permissions 0644; it must not be readable by group or others (chmod 600)`},
		{name: "file missing", c: Credential{Name: "n", PasswordFile: filepath.Join(dir, "nope")},
			wantErr: `credential "n": cannot read password file ` + filepath.Join(dir, "nope") + `: no such file or directory`},
		{name: "file is a directory", c: Credential{Name: "n", PasswordFile: dir},
			wantErr: `credential "n": password file ` + dir + ` is not a regular file`},
		{name: "file empty", c: Credential{Name: "n", PasswordFile: empty},
			wantErr: `credential "n": password file ` + empty + ` is empty`, unset: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.ResolvePassword()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if errors.Is(err, ErrSecretUnset) != tt.unset {
					t.Errorf("errors.Is(ErrSecretUnset) = %v, want %v", !tt.unset, tt.unset)
				}
				if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "from-env") {
					t.Errorf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got.Reveal() != tt.want {
				t.Errorf("password = %q, want %q", got.Reveal(), tt.want)
			}
		})
	}
}

func TestResolvePassphraseAndEnable(t *testing.T) {
	t.Setenv("OCA_KEY_PASSPHRASE", "pp")
	t.Setenv("NETOPS_ENABLE", "en")
	c := Credential{Name: "netops", PassphraseEnv: "OCA_KEY_PASSPHRASE", EnablePasswordEnv: "NETOPS_ENABLE"}
	if s, err := c.ResolvePassphrase(); err != nil || s.Reveal() != "pp" {
		t.Errorf("ResolvePassphrase = %q, %v", s.Reveal(), err)
	}
	if s, err := c.ResolveEnablePassword(); err != nil || s.Reveal() != "en" {
		t.Errorf("ResolveEnablePassword = %q, %v", s.Reveal(), err)
	}
	none := Credential{Name: "plain"}
	if s, err := none.ResolvePassphrase(); err != nil || s != "" {
		t.Errorf("no passphrase configured: %q, %v", s.Reveal(), err)
	}
	if s, err := none.ResolveEnablePassword(); err != nil || s != "" {
		t.Errorf("no enable configured: %q, %v", s.Reveal(), err)
	}
	unset := Credential{Name: "netops", PassphraseEnv: "UNSET_PASSPHRASE_X", EnablePasswordEnv: "UNSET_ENABLE_X"}
	_, err := unset.ResolvePassphrase()
	if !errors.Is(err, ErrSecretUnset) || err.Error() != `credential "netops": environment variable UNSET_PASSPHRASE_X is not set` {
		t.Errorf("passphrase unset: %v", err)
	}
	_, err = unset.ResolveEnablePassword()
	if !errors.Is(err, ErrSecretUnset) || err.Error() != `credential "netops": environment variable UNSET_ENABLE_X is not set` {
		t.Errorf("enable unset: %v", err)
	}
}

func TestUploadResolveCredentials(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "qualys")
	writeFile(t, pw, file{content: "file-pw\n"})
	t.Setenv("QUALYS_USERNAME", "env-user")
	t.Setenv("QUALYS_PASSWORD", "env-pw")

	tests := []struct {
		name           string
		u              Upload
		user, password string
		wantErr        string
	}{
		{name: "env", u: Upload{UsernameEnv: "QUALYS_USERNAME", PasswordEnv: "QUALYS_PASSWORD"}, user: "env-user", password: "env-pw"},
		{name: "inline user, file", u: Upload{Username: "api", PasswordFile: pw}, user: "api", password: "file-pw"},
		{name: "inline password", u: Upload{Username: "api", Password: "inline"}, user: "api", password: "inline"},
		{name: "username env unset", u: Upload{UsernameEnv: "NO_SUCH_USER_VAR", PasswordEnv: "QUALYS_PASSWORD"},
			wantErr: "upload: environment variable NO_SUCH_USER_VAR is not set"},
		{name: "password env unset", u: Upload{Username: "api", PasswordEnv: "NO_SUCH_PW_VAR"},
			wantErr: "upload: environment variable NO_SUCH_PW_VAR is not set"},
		{name: "nothing configured", u: Upload{Username: "api"},
			wantErr: "upload: no password configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, pass, err := tt.u.ResolveCredentials()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrSecretUnset) {
					t.Fatalf("err = %v, want %q wrapping ErrSecretUnset", err, tt.wantErr)
				}
				return
			}
			if err != nil || user != tt.user || pass.Reveal() != tt.password {
				t.Errorf("got %q, %q, %v; want %q, %q", user, pass.Reveal(), err, tt.user, tt.password)
			}
		})
	}
}
