package sshsim

import (
	"maps"
	"slices"
	"strings"
)

// Personality is how one kind of network device behaves at its CLI: prompts, banner, pager,
// enable, error messages and the canned outputs of its commands. The collector's shell driver
// is only as good as the devices it has been tested against, so every shipped personality
// copies the quirks of the real thing: a "\r" before the prompt, a trailing space, a banner full
// of '#' and '>', paging on by default, and the platform's own wording for errors.
//
// Outputs in Commands use LF line endings; the CLI sends CRLF, as a real PTY does. Error texts
// (Unknown, UnknownVerb, PrivError) may hold placeholders filled in per command line:
// {command} (the line as typed), {verb} (its first word), {word} (its last word) and {caret}
// (spaces up to the last word's column on the screen, then "^", as IOS and Junos point at the
// offending token).
type Personality struct {
	Name     string // platform name, e.g. "cisco_ios"
	Hostname string
	// Banner is sent before the gate and the first prompt: a login banner and MOTD.
	Banner string
	// Gate is an optional screen between the banner and the first prompt ("Press any key to
	// continue"); the CLI waits for GateKey ("" = any key) and ignores other keys.
	Gate    string
	GateKey string
	// UserPrompt and PrivPrompt render the prompt for a hostname; nil means host+">" and
	// host+"#".
	UserPrompt      func(host string) string
	PrivPrompt      func(host string) string
	StartPrivileged bool
	// PromptPrefixCR sends "\r" before each prompt, as many devices do; TrailingSpace follows
	// the prompt with a space ("host# ").
	PromptPrefixCR bool
	TrailingSpace  bool
	// BeforePrompt is sent just before each prompt (after the "\r"), e.g. bash's bracketed-paste
	// switch "\x1b[?2004h"; AfterEnter is sent after the echo of each Enter ("\x1b[?2004l\r").
	BeforePrompt string
	AfterEnter   string

	// EnableCommand reaches the privileged level ("enable", "super"); "" = there is none.
	// EnablePassword "" means enable asks for no password. EnablePrompt defaults to
	// "Password: ". EnableSuccess is printed when it worked (Comware's "User privilege level
	// is 15..."), EnableFailure when the password was wrong ("% Access denied").
	EnableCommand  string
	EnablePassword string
	EnablePrompt   string
	EnableSuccess  string
	EnableFailure  string

	// PagingOff are the commands that turn paging off ("terminal length 0"); their output, if
	// any, comes from Commands. While paging is on, every PageLines lines (default 24) of a
	// command's output the CLI sends PagerMarker and waits: PagerKey (default space) shows the
	// next page, Enter the next line, 'q' drops the rest; PagerRedraw is then sent to erase
	// the marker. An empty PagerMarker means the device never pages (a Linux shell).
	PagingOff   []string
	PageLines   int
	PagerMarker string
	PagerRedraw string
	PagerKey    byte

	// Commands maps a command line (words separated by single spaces) to its output.
	Commands map[string]string
	// Unknown answers a command missing from Commands; UnknownVerb, when set, answers one whose
	// first word starts no known command (Junos "unknown command." versus "syntax error").
	Unknown     string
	UnknownVerb string
	// PrivOnly commands need the privileged level; below it they get PrivError (default
	// Unknown), as IOS answers "% Invalid input" to "show running-config" in user mode.
	PrivOnly  map[string]bool
	PrivError string
	// UnknownStatus is the exit status of an unknown command run through exec (default 1;
	// a Linux shell's is 127). Its error text goes to stderr.
	UnknownStatus int
	// EchoCommands echoes typed characters back, as a PTY in its default mode does.
	EchoCommands bool
	// ExitCommands end the session: ExitMessage ("logout") is printed, the channel closed.
	ExitCommands []string
	ExitMessage  string
	// Modes are configuration contexts entered by a command (FortiOS "config system console");
	// ModePrompt renders the prompt inside one and ModeExit commands ("end") leave it.
	Modes      map[string]string
	ModePrompt func(host, mode string) string
	ModeExit   []string

	// RefuseExec refuses exec requests: a shell-only platform (PAN-OS, FortiOS).
	RefuseExec bool
	// KeyboardInteractiveOnly refuses password authentication and offers keyboard-interactive
	// with a "Password: " question instead (Arista EOS's default).
	KeyboardInteractiveOnly bool
	// Hang commands print the first half of their output and never give the prompt back.
	Hang map[string]bool
	// DropAfter commands drop the whole connection after that many bytes of their output.
	DropAfter map[string]int
}

// Default pager geometry and enable prompt, what most devices use out of the box.
const (
	defaultPageLines    = 24
	defaultPagerKey     = ' '
	defaultEnablePrompt = "Password: "
	defaultUnknown      = "% Unknown command\n"
)

// prepare returns a copy of p with defaults filled in and its maps and slices its own, so a
// test that edits its Personality after Start cannot race with a running session.
func (p *Personality) prepare() *Personality {
	q := *p
	q.Commands = maps.Clone(p.Commands)
	q.PrivOnly = maps.Clone(p.PrivOnly)
	q.Hang = maps.Clone(p.Hang)
	q.DropAfter = maps.Clone(p.DropAfter)
	q.Modes = maps.Clone(p.Modes)
	q.PagingOff = slices.Clone(p.PagingOff)
	q.ExitCommands = slices.Clone(p.ExitCommands)
	q.ModeExit = slices.Clone(p.ModeExit)
	if q.PageLines <= 0 {
		q.PageLines = defaultPageLines
	}
	if q.PagerKey == 0 {
		q.PagerKey = defaultPagerKey
	}
	if q.EnablePrompt == "" {
		q.EnablePrompt = defaultEnablePrompt
	}
	if q.Unknown == "" {
		q.Unknown = defaultUnknown
	}
	if q.PrivError == "" {
		q.PrivError = q.Unknown
	}
	if q.UnknownStatus == 0 {
		q.UnknownStatus = 1
	}
	if q.UserPrompt == nil {
		q.UserPrompt = func(host string) string { return host + ">" }
	}
	if q.PrivPrompt == nil {
		q.PrivPrompt = func(host string) string { return host + "#" }
	}
	if q.ModePrompt == nil {
		q.ModePrompt = func(host, mode string) string { return host + "(" + mode + ")#" }
	}
	return &q
}

// normalize is how a CLI reads a line: surrounding blanks dropped, runs of blanks as one.
func normalize(line string) string {
	return strings.Join(strings.Fields(line), " ")
}

// known reports whether cmd is something the CLI understands at some level.
func (p *Personality) known(cmd string) bool {
	if _, ok := p.Commands[cmd]; ok {
		return true
	}
	_, mode := p.Modes[cmd]
	return mode || p.Hang[cmd] || p.DropAfter[cmd] > 0 ||
		slices.Contains(p.PagingOff, cmd) || slices.Contains(p.ExitCommands, cmd) ||
		slices.Contains(p.ModeExit, cmd) || (p.EnableCommand != "" && cmd == p.EnableCommand)
}

// knownVerb reports whether verb starts any command the CLI knows.
func (p *Personality) knownVerb(verb string) bool {
	for cmd := range p.Commands {
		if first(cmd) == verb {
			return true
		}
	}
	return false
}

func first(cmd string) string {
	verb, _, _ := strings.Cut(cmd, " ")
	return verb
}

// unknownText is the error for cmd, which the CLI does not know, typed after prompt.
func (p *Personality) unknownText(cmd, prompt string) string {
	text := p.Unknown
	if p.UnknownVerb != "" && !p.knownVerb(first(cmd)) {
		text = p.UnknownVerb
	}
	return p.fill(text, cmd, prompt)
}

// fill expands the placeholders of an error text for cmd typed after prompt.
func (p *Personality) fill(text, cmd, prompt string) string {
	word := cmd
	col := len(prompt)
	if i := strings.LastIndexByte(cmd, ' '); i >= 0 {
		word = cmd[i+1:]
		col += i + 1
	}
	return strings.NewReplacer(
		"{command}", cmd,
		"{verb}", first(cmd),
		"{word}", word,
		"{caret}", strings.Repeat(" ", col)+"^",
	).Replace(text)
}

// execResponse answers cmd run through exec, at the level the login starts at. known is false
// when the personality has no answer but its Unknown text.
func (p *Personality) execResponse(cmd string) (Response, bool) {
	norm := normalize(cmd)
	out, ok := p.Commands[norm]
	switch {
	case !ok && !p.Hang[norm] && p.DropAfter[norm] == 0:
		return Response{
			Output:     []Chunk{{Stderr: true, Data: p.unknownText(norm, "")}},
			ExitStatus: p.UnknownStatus,
		}, false
	case p.PrivOnly[norm] && !p.StartPrivileged:
		return Response{
			Output:     []Chunk{{Stderr: true, Data: p.fill(p.PrivError, norm, "")}},
			ExitStatus: p.UnknownStatus,
		}, true
	}
	r := Response{Output: []Chunk{{Data: out}}, DisconnectAfter: p.DropAfter[norm]}
	if p.Hang[norm] {
		r.Output[0].Data = firstHalf(out)
		r.Hang = true
	}
	return r, true
}

// firstHalf is the first half of out's lines: what a hung command got out before it stalled.
func firstHalf(out string) string {
	lines := strings.SplitAfter(out, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines[:len(lines)/2], "")
}
