package devices

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinPlatforms(t *testing.T) {
	want := map[string]struct {
		mode   string
		posix  bool
		enable bool
	}{
		"linux":            {ModeExec, true, false},
		"generic_shell":    {ModeShell, false, true},
		"cisco_ios":        {ModeShell, false, true},
		"cisco_nxos":       {ModeExec, false, true},
		"cisco_asa":        {ModeShell, false, true},
		"juniper_junos":    {ModeExec, false, false},
		"arista_eos":       {ModeExec, false, true},
		"paloalto_panos":   {ModeShell, false, false},
		"fortinet_fortios": {ModeShell, false, false},
		"hp_comware":       {ModeShell, false, false},
	}
	names := PlatformNames()
	if len(names) != len(want) {
		t.Errorf("PlatformNames() = %v", names)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("PlatformNames() not sorted: %v", names)
		}
	}
	for name, w := range want {
		p, ok := LookupPlatform(name)
		if !ok {
			t.Errorf("LookupPlatform(%q) not found", name)
			continue
		}
		if p.Name != name || p.Mode != w.mode || p.POSIX != w.posix || (p.Enable != nil) != w.enable {
			t.Errorf("%s: name %q mode %q posix %v enable %+v; want %+v", name, p.Name, p.Mode, p.POSIX, p.Enable, w)
		}
		if p.Description == "" || p.Exit == "" || p.Prompt.User == "" || p.Prompt.Privileged == "" {
			t.Errorf("%s: description, exit and both prompts are expected: %+v", name, p)
		}
		if name != "linux" && len(p.ErrorPatterns) == 0 {
			t.Errorf("%s: no error patterns", name)
		}
		if p.Mode == ModeShell && name != "generic_shell" && name != "fortinet_fortios" && len(p.OnOpen) == 0 {
			t.Errorf("%s: a shell platform should turn paging off on open", name)
		}
		if p.Mode == ModeShell && len(p.Pagers) == 0 {
			t.Errorf("%s: a shell platform needs a pager answer for when paging stays on", name)
		}
	}
	if _, ok := LookupPlatform("ios_xe"); ok {
		t.Error("LookupPlatform(ios_xe) found a platform")
	}
	// LookupPlatform hands out copies: changing one changes nothing for the next caller.
	p, _ := LookupPlatform("cisco_ios")
	p.OnOpen[0] = "changed"
	p.Enable.Command = "changed"
	again, _ := LookupPlatform("cisco_ios")
	if again.OnOpen[0] != "terminal length 0" || again.Enable.Command != "enable" {
		t.Errorf("LookupPlatform shares its data: %+v", again)
	}
}

// TestBuiltinPatternsCompile compiles every pattern of every built-in, independently of the
// loader, and checks none of them matches an empty line.
func TestBuiltinPatternsCompile(t *testing.T) {
	for _, name := range PlatformNames() {
		p, _ := LookupPlatform(name)
		pats := map[string]string{"prompt.user": p.Prompt.User, "prompt.privileged": p.Prompt.Privileged}
		for i, a := range p.Gates {
			pats["gates["+strconv.Itoa(i)+"]"] = a.Pattern
		}
		for i, a := range p.Pagers {
			pats["pagers["+strconv.Itoa(i)+"]"] = a.Pattern
		}
		for i, e := range p.ErrorPatterns {
			pats["error_patterns["+strconv.Itoa(i)+"]"] = e
		}
		if p.Enable != nil {
			pats["enable.password_prompt"] = p.Enable.PasswordPrompt
			pats["enable.failure"] = p.Enable.Failure
		}
		for key, pat := range pats {
			if pat == "" {
				continue
			}
			re, err := regexp.Compile(pat)
			if err != nil {
				t.Errorf("%s %s: %v", name, key, err)
				continue
			}
			if re.MatchString("") {
				t.Errorf("%s %s: %q matches an empty line", name, key, pat)
			}
		}
	}
}

// commonNotPrompts are output lines that no platform's prompt may match: a prompt pattern that
// matches output ends a command early and silently truncates it.
var commonNotPrompts = []string{
	"Building configuration...",
	"interface Gi0/1 # comment",
	"hostname>not-a-prompt text",
	"Current configuration : 4127 bytes",
	"###########################################",
	"! Last configuration change at 10:14:03 UTC",
	"--More--",
	" --More-- ",
	"<--- More --->",
	"Router# show version",
	"core-sw1>show run",
	"% Invalid input detected at '^' marker.",
	"  description uplink to core#1 >",
	"",
	"   ",
}

func TestPromptPatterns(t *testing.T) {
	tests := map[string]struct{ user, privileged, not []string }{
		"linux": {
			user:       []string{"oca@web01:~$", "oca@web01:~$ ", "[oca@web01 ~]$ ", "bash-5.2$ ", "$ "},
			privileged: []string{"root@web01:/etc# ", "[root@web01 ~]# ", "# "},
			not:        []string{"echo $HOME", "PS1='$ '", "total 48"},
		},
		"generic_shell": {
			user:       []string{"switch>", "admin@fw:~$ ", "<edge-1>", "[oca@box ~]$ ", "core-sw1> "},
			privileged: []string{"switch#", "core-sw1(config)# ", "[root@box ~]#"},
			not:        []string{"#", "100% done", "<interface>text"},
		},
		"cisco_ios": {
			user:       []string{"core-sw1>", "Router> ", "sw.lab-01>", "RP/0/RSP0/CPU0:edge1>"},
			privileged: []string{"core-sw1#", "core-sw1# ", "core-sw1(config)#", "core-sw1(config-if)#", "core-sw1(config-router)# "},
			not:        []string{"#", ">", "core sw1#", "core-sw1(config)#show"},
		},
		"cisco_nxos": {
			user:       []string{"leaf1>", "n9k-leaf-01> "},
			privileged: []string{"leaf1#", "leaf1# ", "leaf1(config-if)#"},
			not:        []string{"#", "leaf1# show version"},
		},
		"cisco_asa": {
			user:       []string{"fw01>", "fw01/admin>"},
			privileged: []string{"fw01#", "fw01/admin#", "fw01/pri/act# ", "fw01(config)#"},
			not:        []string{"#", "fw01> enable"},
		},
		"juniper_junos": {
			user:       []string{"oca@mx1>", "oca@mx1> ", "oca@ex4300-01>"},
			privileged: []string{"oca@mx1#", "oca@mx1# "},
			not:        []string{"{master:0}", "[edit]", "oca@mx1> show version"},
		},
		"arista_eos": {
			user:       []string{"leaf1>", "leaf1> "},
			privileged: []string{"leaf1#", "leaf1(config)#", "leaf1(config-if-Et1)# "},
			not:        []string{"#", "leaf1#show running-config"},
		},
		"paloalto_panos": {
			user:       []string{"oca@PA-3220>", "oca@PA-3220> ", "oca@PA-3220(active)>", "admin@fw-01.lab(passive)> "},
			privileged: []string{"oca@PA-3220#", "oca@PA-3220(active)# "},
			not:        []string{"PA-3220>", "oca@PA-3220> show system info", "Number of failed attempts since last successful login: 0"},
		},
		"fortinet_fortios": {
			user:       []string{"FGT60F $ ", "FGT60F $"},
			privileged: []string{"FGT60F # ", "FGT60F (root) # ", "FGT60F (global) # ", "fw-edge.01 #"},
			not:        []string{"FGT60F#", "config system global", "    set hostname \"FGT60F\"", "end"},
		},
		"hp_comware": {
			user:       []string{"<core-1>", "<HPE> ", "<H3C>"},
			privileged: []string{"[core-1]", "[core-1-GigabitEthernet1/0/1]", "[HPE-vlan10] "},
			not:        []string{"<core-1>display version", " [OK]", "[ OK ]"},
		},
	}
	if len(tests) != len(PlatformNames()) {
		t.Errorf("%d platforms tested, %d built in", len(tests), len(PlatformNames()))
	}
	for name, tt := range tests {
		p, ok := LookupPlatform(name)
		if !ok {
			t.Errorf("no platform %s", name)
			continue
		}
		user := regexp.MustCompile(p.Prompt.User)
		priv := regexp.MustCompile(p.Prompt.Privileged)
		for _, s := range tt.user {
			if !user.MatchString(s) {
				t.Errorf("%s: user prompt %q does not match %q", name, p.Prompt.User, s)
			}
			if priv.MatchString(s) {
				t.Errorf("%s: privileged prompt %q matches the user prompt %q", name, p.Prompt.Privileged, s)
			}
		}
		for _, s := range tt.privileged {
			if !priv.MatchString(s) {
				t.Errorf("%s: privileged prompt %q does not match %q", name, p.Prompt.Privileged, s)
			}
			if user.MatchString(s) {
				t.Errorf("%s: user prompt %q matches the privileged prompt %q", name, p.Prompt.User, s)
			}
		}
		for _, s := range append(tt.not, commonNotPrompts...) {
			if user.MatchString(s) || priv.MatchString(s) {
				t.Errorf("%s: a prompt pattern matches the output line %q", name, s)
			}
		}
	}
}

// TestPagerAndGatePatterns checks that each platform answers its own pager marker (as the last,
// unterminated line) with the right key, and mistakes no ordinary output for a pager.
func TestPagerAndGatePatterns(t *testing.T) {
	pagers := map[string][]string{
		"generic_shell":    {" --More-- ", "---- More ----", "<--- More --->", "---(more)---", "---(more 45%)---", "--more--"},
		"cisco_ios":        {" --More-- ", "--More--"},
		"cisco_nxos":       {" --More-- "},
		"cisco_asa":        {"<--- More --->", "<--- More ---> "},
		"juniper_junos":    {"---(more)---", "---(more 45%)---", "---(more 100%)---"},
		"arista_eos":       {" --More-- "},
		"paloalto_panos":   {"--more--", "lines 1-40 ", "ok\nlines 41-80"},
		"fortinet_fortios": {"--More-- "},
		"hp_comware":       {"  ---- More ----", "---- More ----"},
	}
	notPagers := []string{
		"Building configuration...",
		"description --More-- is not a pager here, text follows",
		"interface GigabitEthernet0/1",
		"  lines 1-40 of the access list",
	}
	for _, name := range PlatformNames() {
		p, _ := LookupPlatform(name)
		match := func(s string) (Answer, bool) {
			for _, a := range p.Pagers {
				if regexp.MustCompile(a.Pattern).MatchString(s) {
					return a, true
				}
			}
			return Answer{}, false
		}
		for _, s := range pagers[name] {
			a, ok := match(s)
			if !ok || a.Send != " " {
				t.Errorf("%s: pager marker %q: answer %+v, %v; want a space", name, s, a, ok)
			}
		}
		for _, s := range notPagers {
			if a, ok := match(s); ok {
				t.Errorf("%s: pager %q matches the output line %q", name, a.Pattern, s)
			}
		}
	}
	gates := map[string]map[string]string{
		"generic_shell":    {"Press any key to continue": "\n", "(Press 'a' to accept):": "a"},
		"fortinet_fortios": {"(Press 'a' to accept):": "a"},
	}
	for name, want := range gates {
		p, _ := LookupPlatform(name)
		for s, send := range want {
			var got []string
			for _, g := range p.Gates {
				if regexp.MustCompile(g.Pattern).MatchString(s) {
					got = append(got, g.Send)
				}
			}
			if len(got) != 1 || got[0] != send {
				t.Errorf("%s: gate %q answered with %q, want exactly %q", name, s, got, send)
			}
		}
	}
}

func TestErrorPatterns(t *testing.T) {
	errorsOf := map[string][]string{
		"generic_shell":    {"% Invalid input detected at '^' marker.", "syntax error, expecting <command>.", "Unknown command: foo"},
		"cisco_ios":        {"% Invalid input detected at '^' marker.", "% Incomplete command.", "% Ambiguous command:  \"sh\"", "% Unknown command or computer name, or unable to find computer address", "Command authorization failed."},
		"cisco_nxos":       {"% Invalid command at '^' marker.", "% Invalid parameter detected at '^' marker.", "% Incomplete command at '^' marker.", "% Permission denied for the role"},
		"cisco_asa":        {"ERROR: % Invalid input detected at '^' marker.", "ERROR: % Incomplete command", "ERROR: Command authorization failed"},
		"juniper_junos":    {"syntax error, expecting <command>.", "unknown command.", "error: command is not valid on the ex4300-48t"},
		"arista_eos":       {"% Invalid input (privileged mode required)", "% Incomplete command", "% Authorization denied for command 'show running-config'"},
		"paloalto_panos":   {"Unknown command: shwo", "Invalid syntax.", "Server error : permission denied"},
		"fortinet_fortios": {"Unknown action 0", "Command fail. Return code -61", "command parse error before 'sytem'"},
		"hp_comware":       {"% Unrecognized command found at '^' position.", "% Wrong parameter found at '^' position.", "% Too many parameters found at '^' position."},
	}
	ordinary := []string{
		"Building configuration...",
		"interface GigabitEthernet0/1",
		" description syntax error handling uplink",
		"Jan  1 00:00:00 mx1 sshd[123]: error: PAM: authentication error for illegal user",
		"logging host 10.0.0.1",
		"set system syslog file messages any notice",
		"Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.2(4)E10",
	}
	for _, name := range PlatformNames() {
		p, _ := LookupPlatform(name)
		matches := func(s string) bool {
			// Errors are looked for in a command's whole output; the sample sits after the
			// caret line the devices print, as it would in real output.
			out := "show foo\n     ^\n" + s + "\n"
			for _, e := range p.ErrorPatterns {
				if regexp.MustCompile(e).MatchString(out) {
					return true
				}
			}
			return false
		}
		for _, s := range errorsOf[name] {
			if !matches(s) {
				t.Errorf("%s: no error pattern matches %q", name, s)
			}
		}
		for _, s := range ordinary {
			if matches(s) {
				t.Errorf("%s: an error pattern matches the ordinary line %q", name, s)
			}
		}
	}
}

// TestParsePlatformsIsStrict pins the message of every kind of problem in a definition.
func TestParsePlatformsIsStrict(t *testing.T) {
	const shell = "name: x\nmode: shell\nprompt: {user: '^x>$'}\n"
	tests := []struct{ src, want string }{
		{"name: x\nmode: exec\nprompts: {}\n", `3:1: prompts: unknown key "prompts"; did you mean "prompt"?`},
		{"name: x\nmode: telnet\n", `2:7: mode: unknown mode "telnet"; must be exec or shell`},
		{"name: x\n", `1:1: mode: required: exec or shell`},
		{"name: y\nmode: exec\n", `1:7: name: name "y" does not match "x", the name it is filed under`},
		{"name: x\nmode: exec\nposix: yes\n", `3:8: posix: must be true or false, got "yes"`},
		{"name: x\nmode: shell\n", `1:1: prompt: shell mode needs prompt.user or prompt.privileged: the driver cannot tell when a command has finished without one`},
		{"name: x\nmode: exec\nprompt: {user: '(x>'}\n", "3:16: prompt.user: invalid regular expression: missing closing ): `(x>`"},
		{"name: x\nmode: exec\nprompt: {privileged: '\\s*$'}\n", `3:22: prompt.privileged: pattern "\\s*$" matches an empty line, so it would match everywhere`},
		{"name: x\nmode: exec\nprompt: {user: x, root: y}\n", `3:19: prompt.root: unknown key "root"`},
		{shell + "enable: {command: enable, password_prompt: 'assword:'}\n", `1:1: enable: enable needs prompt.privileged, the prompt that says it worked`},
		{shell + "enable: {command: enable}\n", `4:9: enable.password_prompt: required`},
		{shell + "pagers: [{pattern: 'More', send: '\\n'}]\n", `4:34: pagers[0].send: "\\n" holds a backslash, not a newline; write it in double quotes ("\n") so YAML turns it into one`},
		{shell + "pagers: [{pattern: 'More', send: ''}]\n", `4:34: pagers[0].send: must not be empty (" " for a space, "\n" for Enter)`},
		{shell + "pagers: [{pattern: 'More'}]\n", `4:10: pagers[0].send: required (" " for a space, "\n" for Enter)`},
		{shell + "gates: [{send: a}]\n", `4:9: gates[0].pattern: required`},
		{shell + "gates: {pattern: x}\n", `4:8: gates: must be a list of {pattern, send}`},
		{shell + "on_open: [\"terminal length 0\\nreload\"]\n", `4:11: on_open[0]: "terminal length 0\nreload" contains a line break; give each command its own entry`},
		{shell + "on_open: ['']\n", `4:11: on_open[0]: must not be empty`},
		{shell + "error_patterns: '% Invalid'\n", `4:17: error_patterns: must be a list of regular expressions`},
		{shell + "error_patterns: ['[a-']\n", "4:18: error_patterns[0]: invalid regular expression: missing closing ]: `[a-`"},
		{shell + "exit: [quit]\n", `4:7: exit: must be a string`},
		{"name: x\nbase: cisco_iso\n", `2:7: base: unknown base platform "cisco_iso"`},
		{"name: x\nbase: x\n", `2:7: base: a platform cannot be its own base`},
		{"name: x/y\nmode: exec\n", `1:7: name: name "x/y" does not match "x", the name it is filed under`},
		{"mode: exec\nexit: ''\n", `2:7: exit: must not be empty`},
		{"- name: x\n", `1:1: must be a mapping`},
		{"name: x\nmode: exec\n---\nname: x\n", `3: more than one YAML document; a platform definition is one document`},
		{"", `: platform definition is empty`},
	}
	for _, tt := range tests {
		_, err := parsePlatforms(fstest.MapFS{"platforms/x.yaml": {Data: []byte(tt.src)}})
		var ps Problems
		if !errors.As(err, &ps) {
			t.Errorf("%q: err = %v, want Problems", tt.src, err)
			continue
		}
		want := "platforms/x.yaml:" + tt.want
		if strings.HasPrefix(tt.want, ":") {
			want = "platforms/x.yaml" + tt.want
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, err, want)
		}
	}

	// A valid definition, with the defaults of every optional key, and one derived from it.
	got, err := parsePlatforms(fstest.MapFS{
		"platforms/a.yaml": {Data: []byte("name: a\nmode: exec\nposix: true\ndescription: ' d '\n")},
		"platforms/b.yaml": {Data: []byte("name: b\nbase: a\nmode: shell\nprompt: {user: '^b>$'}\npagers: [{pattern: More, send: \" \"}]\n")},
		"platforms/README": {Data: []byte("not a definition")},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, b := got["a"], got["b"]
	if len(got) != 2 || a.Name != "a" || a.Mode != ModeExec || !a.POSIX || a.Description != "d" || a.Prompt.User != "" {
		t.Errorf("a = %+v", a)
	}
	if b.Name != "b" || b.Mode != ModeShell || !b.POSIX || b.Description != "d" || b.Prompt.User != "^b>$" || len(b.Pagers) != 1 || b.Pagers[0].Send != " " {
		t.Errorf("b = %+v", b)
	}
}
