package devices

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadInvalid pins the exact message of every kind of problem, with its position. $DIR
// stands for the absolute testdata/invalid directory (paths in messages are absolute).
func TestLoadInvalid(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	dir, err := filepath.Abs("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want []string
	}{
		{"duplicate_name.yaml", []string{
			`:16:11: devices[1].name: duplicate device name "web01" (first at line 13)`,
		}},
		{"version_missing.yaml", []string{
			`:1:1: version: required, must be 1`,
			`:15:11: devices[1].name: duplicate device name "web01" (first at line 12)`,
		}},
		{"duplicate_uuid.yaml", []string{
			`:18:17: devices[1].asset_uuid: duplicate asset UUID "1c0f5a2e-1111-4222-8333-444455556666" (first at line 15, device "web01")`,
		}},
		{"malformed_uuid.yaml", []string{
			`:15:17: devices[0].asset_uuid: malformed asset UUID "7d2e..."; want 8-4-4-4-12 hex digits`,
			`:18:17: devices[1].asset_uuid: malformed asset UUID "1c0f5a2e11114222833344445555666"; want 8-4-4-4-12 hex digits`,
		}},
		{"unknown_refs.yaml", []string{
			`:14:17: groups.core.credential: unknown credential "netops"`,
			`:19:15: devices[0].platform: unknown platform "ios_xe"`,
			`:20:18: devices[0].command_set: unknown command set "ios-baseline"`,
			`:21:20: devices[0].groups[1]: unknown group "edge"`,
		}},
		{"port_range.yaml", []string{
			`:16:11: devices[0].port: must be between 1 and 65535, got 0`,
			`:20:11: devices[1].port: must be between 1 and 65535, got 65536`,
		}},
		{"missing_host.yaml", []string{
			`:13:5: devices[0].host: required`,
			`:16:11: devices[1].host: must not be empty`,
		}},
		{"empty_command_set.yaml", []string{
			`:8:5: command_sets.none: command set "none" has no commands`,
			`:10:5: command_sets.comments-only: command set "comments-only" has no commands`,
		}},
		{"unreadable_command_file.yaml", []string{
			`:8:11: command_sets.base.file: cannot read command file "$DIR/commands/missing.txt": no such file or directory`,
			`:10:11: command_sets.dir.file: cannot read command file "$DIR/commands": is a directory`,
		}},
		{"unreadable_key.yaml", []string{
			`:5:18: credentials.ops.private_key: cannot read private key "$DIR/keys/missing_ed25519": no such file or directory`,
		}},
		{"unknown_key.yaml", []string{
			`:2:1: outptu_dir: unknown key "outptu_dir"; did you mean "output_dir"?`,
			`:7:5: credentials.ops.pasword_file: unknown key "pasword_file"; did you mean "password_file"?`,
			`:18:5: devices[0].platfrom: unknown key "platfrom"; did you mean "platform"?`,
			`:19:5: devices[0].colour: unknown key "colour"`,
		}},
		{"bad_duration.yaml", []string{
			`:3:20: collection.connect_timeout: must be a duration like 30s, got "10 seconds"`,
			`:4:20: collection.command_timeout: must be a duration like 30s, got "30"`,
			`:5:19: collection.device_timeout: must be greater than 0, got "-1s"`,
		}},
		{"bad_types.yaml", []string{
			`:1:10: version: must be an integer, got "1"`,
			`:2:13: output_dir: must be a string`,
			`:4:16: collection.concurrency: must be an integer, got "many"`,
			`:5:15: collection.login_rate: must be a number, got "fast"`,
			`:6:12: collection.retries: must be between 0 and 10, got 11`,
			`:7:19: collection.upload_partial: must be true or false, got "yes"`,
			`:8:21: collection.max_output_bytes: must be at least 1, got 0`,
			`:19:9: defaults.port: must be an integer, got "22"`,
			`:20:10: defaults.batch: must be true or false, got "1"`,
			`:21:9: defaults.jump: must be a list of strings`,
			`:23:22: defaults.ssh.host_key_policy: unknown host_key_policy "trust-me"; must be one of strict, accept-new, insecure`,
			`:28:13: devices[0].groups: must be a list of strings`,
			`:29:19: devices[0].max_sessions: must be between 1 and 10, got 11 (sshd's MaxSessions default is 10 channels per connection)`,
		}},
		{"credentials.yaml", []string{
			`:4:5: credentials.both: set only one of password, password_env, password_file`,
			`:6:20: credentials.both.password_file: cannot read password file "/nonexistent/oca-password": no such file or directory`,
			`:8:5: credentials.none: needs one of password, password_env, password_file, private_key or agent: true`,
			`:11:5: credentials.phrase.username: required`,
			`:11:19: credentials.phrase.password_env: invalid environment variable name "$OPS_PASSWORD"`,
			`:12:5: credentials.phrase.passphrase_env: passphrase_env needs private_key`,
			`:13:11: credentials.notmap: must be a mapping`,
		}},
		{"upload.yaml", []string{
			`:3:3: upload: set only one of username, username_env`,
			`:3:3: upload: needs one of password, password_env, password_file`,
			`:3:12: upload.gateway: must use https (http is allowed only for a loopback test gateway), got "http://gateway.qg1.apps.qualys.com"`,
			`:6:16: upload.concurrency: must be between 1 and 16, got 20`,
			`:7:12: upload.timeout: must be greater than 0, got "0s"`,
			`:8:12: upload.ca_file: cannot read ca file "$DIR/certs/missing.pem": no such file or directory`,
		}},
		{"template.yaml", []string{
			`:6: collection.template: invalid template: bad character U+007D '}'`,
			`:13:28: command_sets.base.commands[1]: command "echo 'a\nb'" contains a newline; give each command its own entry`,
			`:13:43: command_sets.base.commands[2]: empty command`,
		}},
		{"template_missing.yaml", []string{
			`:3:3: collection.template: required when framing is template`,
			`:10:5: command_sets.base: set only one of commands, file`,
		}},
		{"duplicate_key.yaml", []string{
			`:6:5: credentials.ops.username: duplicate key "username" (first at line 4)`,
			`:17:1: devices: duplicate key "devices" (first at line 13)`,
		}},
		{"no_credential.yaml", []string{
			`:13:5: devices[0]: no credential (set it on the device, a group or defaults)`,
			`:17:5: devices[1]: no command_set (set it on the device, a group or defaults)`,
		}},
		// Several unrelated problems in one file: all reported, in file order.
		{"many.yaml", []string{
			`:1:10: version: unsupported version 2; must be 1`,
			`:3:16: collection.concurrency: must be at least 1, got 0`,
			`:4:17: collection.max_sessions: must be between 1 and 10, got 12 (sshd's MaxSessions default is 10 channels per connection)`,
			`:5:12: collection.framing: unknown framing "json"; must be one of markers, session, template`,
			`:8:5: credentials.ops: set only one of password, password_env, password_file`,
			`:15:5: devices[0]: no command_set (set it on the device, a group or defaults)`,
			`:15:11: devices[0].name: invalid device name "web 01": must not contain "/" or whitespace`,
			`:19:5: devices[1].name: required`,
			`:19:5: devices[1]: no credential (set it on the device, a group or defaults)`,
		}},
		{"no_devices.yaml", []string{`:2:10: devices: list at least one device`}},
		{"not_mapping.yaml", []string{`:1:1: must be a mapping`}},
		{"empty.yaml", []string{`: inventory is empty`}},
		{"syntax.yaml", []string{`:2: did not find expected '-' indicator`}},
		{"two_documents.yaml", []string{`:2: more than one YAML document; an inventory is one document`}},
		{"does_not_exist.yaml", []string{`: cannot read inventory: no such file or directory`}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			file := filepath.Join("testdata/invalid", tt.file)
			inv, err := Load(file)
			if inv != nil {
				t.Errorf("Load returned an inventory along with problems")
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Load error = %v (%T), want Problems", err, err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Error())
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, file+strings.ReplaceAll(w, "$DIR", dir))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if err.Error() != strings.Join(want, "\n") {
				t.Errorf("Problems.Error() = %q", err.Error())
			}
		})
	}
}

// TestLoadInvalidCoversTestdata keeps the table and the directory in step: an invalid inventory
// added without an expectation would otherwise never be checked.
func TestLoadInvalidCoversTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v, %d files", err, len(files))
	}
	src, err := readFile("invalid_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.Contains(src, `{"`+filepath.Base(f)+`"`) {
			t.Errorf("%s has no case in TestLoadInvalid", f)
		}
	}
}
