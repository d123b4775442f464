package devices

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const agentToken = "0123456789abcdef0123456789abcdef"

// The agent section follows minimal's 15 lines: "agent:" is line 16, its first key line 17.

func TestLoadAgent(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	tests := []struct {
		name, section string
		want          Agent // TokenFile and Socket are relative to the inventory's directory
		every         time.Duration
		warnings      []string
	}{
		{"defaults", "agent:\n  token_file: token\n",
			Agent{Listen: DefaultAgentListen, TokenFile: "token"}, 0, nil},
		{"every", "agent:\n  schedule: every 24h\n  listen: \"[::1]:9000\"\n  token_file: token\n  run_timeout: 2h\n",
			Agent{Listen: "[::1]:9000", TokenFile: "token", RunTimeout: 2 * time.Hour}, 24 * time.Hour, nil},
		{"cron and socket", "agent:\n  schedule: \"15 2 * * 1-5\"\n  socket: run/agent.sock\n  token_file: token\n",
			Agent{Socket: "run/agent.sock", TokenFile: "token"}, 0, nil},
		{"short interval warns", "agent:\n  schedule: every 200ms\n  listen: 127.0.0.2:0\n  token_file: token\n",
			Agent{Listen: "127.0.0.2:0", TokenFile: "token"}, 200 * time.Millisecond,
			[]string{":17:13: agent.schedule: runs every 200ms: shorter than a minute, runs will follow each other back to back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeInventory(t, minimal+tt.section, map[string]file{"token": {content: agentToken + "\n"}})
			inv := mustLoad(t, path)
			dir := filepath.Dir(path)
			if inv.Agent == nil {
				t.Fatal("Agent is nil")
			}
			got := *inv.Agent
			want := tt.want
			want.TokenFile = filepath.Join(dir, want.TokenFile)
			if want.Socket != "" {
				want.Socket = filepath.Join(dir, want.Socket)
			}
			sched := got.Schedule
			got.Schedule = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Agent = %+v\nwant %+v", got, want)
			}
			if strings.Contains(tt.section, "schedule") != (sched != nil) {
				t.Fatalf("Schedule = %v", sched)
			}
			if sched != nil && sched.Every != tt.every {
				t.Errorf("Every = %v, want %v", sched.Every, tt.every)
			}
			var warnings []string
			for _, w := range inv.Warnings {
				warnings = append(warnings, strings.TrimPrefix(w, path))
			}
			if !reflect.DeepEqual(warnings, tt.warnings) {
				t.Errorf("Warnings = %q, want %q", warnings, tt.warnings)
			}
			tok, err := inv.Agent.ReadToken()
			if err != nil || tok.Reveal() != agentToken {
				t.Errorf("ReadToken: %v (match %v)", err, tok.Reveal() == agentToken)
			}
		})
	}
	if inv := mustLoad(t, writeInventory(t, minimal, nil)); inv.Agent != nil {
		t.Errorf("Agent = %+v without an agent section", inv.Agent)
	}
}

func TestLoadAgentInvalid(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	tests := []struct {
		name, section string
		want          []string
	}{
		{"token required", "agent:\n  schedule: every 1h\n", []string{
			`:17:3: agent.token_file: required: the API's bearer token (a file of mode 0600)`}},
		{"token open", "agent:\n  token_file: open\n", []string{
			`:17:15: agent.token_file: token file $DIR/open has permissions 0644; it must not be readable by group or others (chmod 600)`}},
		{"token missing", "agent:\n  token_file: nope\n", []string{
			`:17:15: agent.token_file: cannot read token file "$DIR/nope": no such file or directory`}},
		{"routable listen", "agent:\n  listen: 0.0.0.0:9464\n  token_file: token\n", []string{
			`:17:11: agent.listen: must be a loopback IP address (127.0.0.0/8 or ::1), got "0.0.0.0": the API is for this host only; use socket, or a reverse proxy to publish it`}},
		{"hostname listen", "agent:\n  listen: localhost:9464\n  token_file: token\n", []string{
			`:17:11: agent.listen: must be a loopback IP address (127.0.0.0/8 or ::1), got "localhost": the API is for this host only; use socket, or a reverse proxy to publish it`}},
		{"listen without port", "agent:\n  listen: 127.0.0.1\n  token_file: token\n", []string{
			`:17:11: agent.listen: must be host:port on a loopback address like 127.0.0.1:9464, got "127.0.0.1"`}},
		{"listen bad port", "agent:\n  listen: 127.0.0.1:http\n  token_file: token\n", []string{
			`:17:11: agent.listen: port must be a number between 0 and 65535, got "http"`}},
		{"both", "agent:\n  listen: 127.0.0.1:1\n  socket: /tmp/x.sock\n  token_file: token\n", []string{
			`:17:3: agent: set only one of listen, socket`}},
		{"unknown key", "agent:\n  shedule: every 1h\n  token_file: token\n", []string{
			`:17:3: agent.shedule: unknown key "shedule"; did you mean "schedule"?`}},
		{"bad run_timeout", "agent:\n  token_file: token\n  run_timeout: 0s\n", []string{
			`:18:16: agent.run_timeout: must be greater than 0, got "0s"`}},
		{"bad every", "agent:\n  schedule: every day\n  token_file: token\n", []string{
			`:17:13: agent.schedule: "day" is not a duration like 24h or 30m` + scheduleHint}},
		{"bad cron", "agent:\n  schedule: \"61 2 * * *\"\n  token_file: token\n", []string{
			`:17:13: agent.schedule: minute field "61": 61 is out of range 0-59`}},
		{"never fires", "agent:\n  schedule: \"0 0 30 feb *\"\n  token_file: token\n", []string{
			`:17:13: agent.schedule: "0 0 30 feb *" never fires: no month has that day`}},
		{"not a mapping", "agent: yes\n", []string{`:16:8: agent: must be a mapping`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeInventory(t, minimal+tt.section, map[string]file{
				"token": {content: agentToken}, "open": {content: agentToken, mode: 0o644},
			})
			got := loadProblems(t, path)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.ReplaceAll(w, "$DIR", filepath.Dir(path))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestAgentReadToken(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string // the token, or a substring of the error
		wantErr bool
	}{
		{"crlf", agentToken + "\r\n", 0o600, agentToken, false},
		{"group readable", agentToken, 0o640, "has permissions 0640", true},
		{"short", "tooshort\n", 0o600, "shorter than 16 characters", true},
		{"space", "0123456789 abcdef0123", 0o400, "printable ASCII without spaces", true},
		{"two lines", agentToken + "\n" + agentToken + "\n", 0o600, "printable ASCII without spaces", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			writeFile(t, p, file{content: tt.content, mode: tt.mode})
			tok, err := Agent{TokenFile: p}.ReadToken()
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want one containing %q", err, tt.want)
				}
				if strings.Contains(err.Error(), "0123456789") || strings.Contains(err.Error(), "tooshort") {
					t.Errorf("error shows the token: %v", err)
				}
				return
			}
			if err != nil || tok.Reveal() != tt.want {
				t.Fatalf("ReadToken = %v, %v", tok.Reveal() == tt.want, err)
			}
		})
	}
	if _, err := (Agent{TokenFile: dir}).ReadToken(); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
}
