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
			`:6:12: collection.ramp_up: must not be negative, got "-2s"`,
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
		{"platforms_file.yaml", []string{
			`:16:15: devices[1].platform: unknown platform "acme_oss"`,
			"$DIR/platforms/broken.yaml:5:11: acme_os.prompt.user: invalid regular expression: missing closing ): `^acme(>`",
			`$DIR/platforms/broken.yaml:7:35: acme_os.pagers[0].send: "\\n" holds a backslash, not a newline; write it in double quotes ("\n") so YAML turns it into one`,
			`$DIR/platforms/broken.yaml:11:3: cisco_ios.enabel: unknown key "enabel"; did you mean "enable"?`,
			`$DIR/platforms/broken.yaml:12:3: [2].name: required`,
			`$DIR/platforms/broken.yaml:13:3: cisco_ios: duplicate platform "cisco_ios" (first at line 8)`,
			`$DIR/platforms/broken.yaml:16:9: custom.base: unknown base platform "cisco_iso"; did you mean "cisco_asa"?`,
		}},
		{"platforms_missing.yaml", []string{
			`:2:17: platforms_file: cannot read platforms file "$DIR/platforms/missing.yaml": no such file or directory`,
		}},
		{"platforms_single.yaml", []string{
			`$DIR/platforms/single.yaml:1:1: a platforms file is a list of definitions (- name: ...) or a mapping of name to definition; this looks like one definition: put it in a list`,
		}},
		{"algorithms.yaml", []string{
			`:3:15: ssh.algorithms: unknown algorithms profile "modern"; write legacy, or a mapping of kex, ciphers, macs, host_keys`,
			`:4:23: ssh.keepalive_interval: must be 0 (off) or at least 1s, got "100ms"`,
			`:5:24: ssh.keepalive_count_max: must be between 1 and 100, got 0`,
			`:14:25: defaults.ssh.keepalive_interval: must not be negative, got "-1s"`,
			`:19:17: groups.old.ssh.algorithms.legacy: must be true or false, got "yes"`,
			`:20:15: groups.old.ssh.algorithms.kex[0]: unknown key exchange "diffie-hellman-group14-sha2"; did you mean "diffie-hellman-group14-sha1"?`,
			`:20:63: groups.old.ssh.algorithms.kex[2]: key exchange "curve25519-sha256" is listed twice`,
			`:21:19: groups.old.ssh.algorithms.ciphers[0]: unknown cipher "aes128-gcm"; did you mean "aes128-gcm@openssh.com"?`,
			`:21:31: groups.old.ssh.algorithms.ciphers[1]: "hmac-sha1" is a MAC, not a cipher; list it under macs`,
			`:21:42: groups.old.ssh.algorithms.ciphers[2]: cipher "aes256-cbc": of the CBC ciphers x/crypto/ssh implements only aes128-cbc and 3des-cbc`,
			`:22:15: groups.old.ssh.algorithms.macs: list at least one MAC, or remove macs to keep the defaults`,
			`:23:21: groups.old.ssh.algorithms.host_keys[0]: host key algorithm "ssh-dss": DSA host keys are not implemented by x/crypto/ssh; give the device an RSA key (ssh-rsa) or a newer one`,
			`:25:23: groups.empty.ssh.algorithms: set legacy: true or at least one of kex, ciphers, macs, host_keys (or remove algorithms to keep the defaults)`,
			`:25:47: groups.empty.ssh.keepalive_interval: must be a duration like 30s, or 0 to turn it off, got "fast"`,
			`:31:26: devices[0].ssh.algorithms.kex[0]: unknown key exchange "Curve25519-SHA256"; did you mean "curve25519-sha256"?`,
			`:31:55: devices[0].ssh.algorithms.ciphers: must be a list of strings`,
			`:31:67: devices[0].ssh.algorithms.colour: unknown key "colour"`,
		}},
		{"jump.yaml", []string{
			`:9:10: defaults.jump[0]: device "bastion" lists itself as a jump host; set jump: [] on it`,
			`:17:12: devices[1].jump[0]: unknown jump host "bastoin": not a device of this inventory, nor user@host[:port]; did you mean "bastion"?`,
			`:17:21: devices[1].jump[1]: malformed jump host "@10.0.0.9": no user before '@'; want user@host[:port]`,
			`:17:34: devices[1].jump[2]: malformed jump host "ops@": no host after '@'; want user@host[:port]`,
			`:17:42: devices[1].jump[3]: malformed jump host "ops@10.0.0.9:0": port "0" is not between 1 and 65535; want user@host[:port]`,
			`:17:60: devices[1].jump[4]: malformed jump host "ops@2001:db8::1": bracket an IPv6 address (user@[2001:db8::1]:22); want user@host[:port]`,
			`:17:79: devices[1].jump[5]: malformed jump host "ops@[2001:db8::1": cannot split host and port; want user@host[:port]`,
			`:17:99: devices[1].jump[6]: malformed jump host "o ps@h": the user contains whitespace; want user@host[:port]`,
			`:25:12: devices[3].jump[0]: jump hosts form a cycle: b -> c -> b`,
			`:33:11: devices[5].jump: device "e" needs more than 5 jump hops (u@h1 -> u@h2 -> u@h3 -> u@h4 -> u@h5 -> u@h6 ...); at most 5`,
			`:37:11: devices[6].jump: jump host "u@gw" appears twice on the way to "f" (u@gw -> h -> g -> u@gw -> h -> f)`,
			`:49:12: devices[9].jump[0]: device "i" lists itself as a jump host; set jump: [] on it`,
		}},
		{"batch.yaml", []string{
			`:10:10: defaults.batch: batch needs a POSIX shell platform; cisco_ios is not`,
			`:16:12: groups.pty-linux.batch: batch needs an exec-mode platform; linux_pty is driven through an interactive shell`,
			`:30:12: devices[2].batch: batch needs a POSIX shell platform; cisco_asa is not`,
		}},
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
				// A problem in another file (a platforms_file) starts with that file's path.
				if !strings.HasPrefix(w, "$DIR") {
					w = file + w
				}
				want = append(want, strings.ReplaceAll(w, "$DIR", dir))
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
