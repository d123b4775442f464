package devices

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRetention: default 30, 0 keeps all, and bad values are reported where they are.
func TestRetention(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	if inv := mustLoad(t, writeInventory(t, minimal, nil)); inv.Retention.Runs != DefaultRetentionRuns || DefaultRetentionRuns != 30 {
		t.Errorf("default retention %+v", inv.Retention)
	}
	for src, want := range map[string]int{"retention: {runs: 0}\n": 0, "retention:\n  runs: 7\n": 7, "retention: {}\n": 30} {
		if inv := mustLoad(t, writeInventory(t, minimal+src, nil)); inv.Retention.Runs != want {
			t.Errorf("%q: retention %+v, want %d", src, inv.Retention, want)
		}
	}
	for src, want := range map[string]string{
		"retention: {runs: -1}\n":       ":16:19: retention.runs: must be at least 0, got -1",
		"retention: {runs: ten}\n":      `:16:19: retention.runs: must be an integer, got "ten"`,
		"retention: {run: 3}\n":         `:16:13: retention.run: unknown key "run"; did you mean "runs"?`,
		"retention: {runs: 3, days: 1}": `:16:22: retention.days: unknown key "days"`,
	} {
		got := loadProblems(t, writeInventory(t, minimal+src, nil))
		if len(got) != 1 || got[0] != want {
			t.Errorf("%q: problems %q, want %q", src, got, want)
		}
	}
}

// TestOutputDirPrecedence: output_dir > $STATE_DIRECTORY (its first entry) > ./oca-output.
// (--output-dir beats them all in the CLI.)
func TestOutputDirPrecedence(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("STATE_DIRECTORY", "")
	if inv := mustLoad(t, writeInventory(t, minimal, nil)); inv.OutputDir != "oca-output" {
		t.Errorf("no STATE_DIRECTORY: %q", inv.OutputDir)
	}
	t.Setenv("STATE_DIRECTORY", "/var/lib/oca-collector:/var/lib/other")
	if inv := mustLoad(t, writeInventory(t, minimal, nil)); inv.OutputDir != "/var/lib/oca-collector" {
		t.Errorf("under systemd: %q", inv.OutputDir)
	}
	t.Setenv("STATE_DIRECTORY", "/var/lib/oca-collector/")
	if inv := mustLoad(t, writeInventory(t, minimal, nil)); inv.OutputDir != "/var/lib/oca-collector" {
		t.Errorf("trailing slash: %q", inv.OutputDir)
	}
	path := writeInventory(t, strings.Replace(minimal, "version: 1\n", "version: 1\noutput_dir: out\n", 1), nil)
	if inv := mustLoad(t, path); inv.OutputDir != filepath.Join(filepath.Dir(path), "out") {
		t.Errorf("output_dir must win over STATE_DIRECTORY: %q", inv.OutputDir)
	}
}

// TestCredentialsDirectory: ${CREDENTIALS_DIRECTORY} (systemd's LoadCredential=) expands in
// the paths of secret files, is checked like any path, and is an error when systemd did not
// set it. Nothing else expands.
func TestCredentialsDirectory(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	creds := t.TempDir()
	writeFile(t, filepath.Join(creds, "device-password"), file{content: "pw\n", mode: 0o400})
	writeFile(t, filepath.Join(creds, "qualys-password"), file{content: "qpw\n", mode: 0o400})
	writeFile(t, filepath.Join(creds, "id_ed25519"), file{content: "key", mode: 0o400})
	writeFile(t, filepath.Join(creds, "ca.pem"), file{content: "ca", mode: 0o444})
	src := `version: 1
upload:
  gateway: https://gateway.example.com
  username: api
  password_file: ${CREDENTIALS_DIRECTORY}/qualys-password
  ca_file: $CREDENTIALS_DIRECTORY/ca.pem
credentials:
  pw:
    username: oca
    password_file: ${CREDENTIALS_DIRECTORY}/device-password
  key:
    username: oca
    private_key: ${CREDENTIALS_DIRECTORY}/id_ed25519
command_sets:
  base:
    commands: [uname -a]
defaults: {credential: pw, command_set: base}
devices:
  - {name: web01, host: 10.0.0.5, asset_uuid: 1c0f5a2e-1111-4222-8333-444455556666}
  - {name: web02, host: 10.0.0.6, asset_uuid: 2c0f5a2e-1111-4222-8333-444455556666, credential: key}
`
	path := writeInventory(t, src, nil)
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	inv := mustLoad(t, path)
	if inv.Upload.PasswordFile != filepath.Join(creds, "qualys-password") || inv.Upload.CAFile != filepath.Join(creds, "ca.pem") {
		t.Errorf("upload files: %q, %q", inv.Upload.PasswordFile, inv.Upload.CAFile)
	}
	if inv.Credentials["pw"].PasswordFile != filepath.Join(creds, "device-password") ||
		inv.Credentials["key"].PrivateKey != filepath.Join(creds, "id_ed25519") {
		t.Errorf("credentials: %+v", inv.Credentials)
	}
	if pw, err := inv.Credentials["pw"].ResolvePassword(); err != nil || pw.Reveal() != "pw" {
		t.Errorf("password from the credentials directory: %v", err)
	}

	t.Setenv("CREDENTIALS_DIRECTORY", "")
	got := loadProblems(t, path)
	want := []string{
		":5:18: upload.password_file: uses ${CREDENTIALS_DIRECTORY}, but $CREDENTIALS_DIRECTORY is not set; systemd sets it for a unit with LoadCredential= (see configs/systemd)",
		":6:12: upload.ca_file: uses ${CREDENTIALS_DIRECTORY}, but $CREDENTIALS_DIRECTORY is not set; systemd sets it for a unit with LoadCredential= (see configs/systemd)",
		":10:20: credentials.pw.password_file: uses ${CREDENTIALS_DIRECTORY}, but $CREDENTIALS_DIRECTORY is not set; systemd sets it for a unit with LoadCredential= (see configs/systemd)",
		":13:18: credentials.key.private_key: uses ${CREDENTIALS_DIRECTORY}, but $CREDENTIALS_DIRECTORY is not set; systemd sets it for a unit with LoadCredential= (see configs/systemd)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Other variables and other keys are taken literally.
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	lit := strings.Replace(src, "${CREDENTIALS_DIRECTORY}/device-password", "${HOME}/pw", 1)
	got = loadProblems(t, writeInventory(t, lit, nil))
	if len(got) != 1 || !strings.Contains(got[0], `credentials.pw.password_file: cannot read password file "`) ||
		!strings.Contains(got[0], "/${HOME}/pw") {
		t.Errorf("${HOME} must not expand: %q", got)
	}
}
