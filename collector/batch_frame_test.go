package collector

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// frameRecorder is a frameSink that keeps what the parser reports.
type frameRecorder struct {
	started   int
	timeoutOn bool
	outs      map[int][]byte
	status    map[int]int
	order     []int // command indexes in begin order
	ended     int
	cur       int
	failAt    int // frameOutput returns errSinkFull once this many output bytes arrived (0: never)
	got       int
}

var errSinkFull = errors.New("sink full")

func newFrameRecorder() *frameRecorder {
	return &frameRecorder{outs: map[int][]byte{}, status: map[int]int{}, cur: -1}
}

func (r *frameRecorder) frameStart(t bool) error { r.started++; r.timeoutOn = t; return nil }
func (r *frameRecorder) frameBegin(i int) error {
	r.order = append(r.order, i)
	r.outs[i] = []byte{}
	r.cur = i
	return nil
}

func (r *frameRecorder) frameOutput(p []byte) error {
	r.outs[r.cur] = append(r.outs[r.cur], p...)
	r.got += len(p)
	if r.failAt > 0 && r.got >= r.failAt {
		return errSinkFull
	}
	return nil
}

func (r *frameRecorder) frameEnd(i, status int) error {
	r.status[i] = status
	r.ended++
	r.cur = -1
	return nil
}

// frameStream is what the batch script prints for these outputs: the S frame, then each
// command's frames around its output, with the "\n" the script adds before every frame line.
// stray is printed between commands (a background job's output), outside any frame.
func frameStream(nonce string, outs [][]byte, statuses []int, stray string) []byte {
	var b bytes.Buffer
	b.WriteString("\n" + nonce + " S 1\n")
	for i, o := range outs {
		b.WriteString(stray)
		fmt.Fprintf(&b, "\n%s B %d\n", nonce, i)
		b.Write(o)
		fmt.Fprintf(&b, "\n%s E %d %d\n", nonce, i, statuses[i])
	}
	b.WriteString(stray)
	return b.Bytes()
}

// parseChunks feeds stream to a new parser in chunks of the given sizes (cycled).
func parseChunks(t testing.TB, nonce string, stream []byte, sizes []int) *frameRecorder {
	t.Helper()
	r := newFrameRecorder()
	p := newFrameParser(nonce, r)
	for k := 0; len(stream) > 0; k++ {
		n := min(sizes[k%len(sizes)], len(stream))
		if err := p.feed(stream[:n]); err != nil {
			t.Fatalf("feed: %v", err)
		}
		stream = stream[n:]
	}
	if err := p.finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
	return r
}

func checkRoundTrip(t *testing.T, r *frameRecorder, outs [][]byte, statuses []int, how string) {
	t.Helper()
	if r.started != 1 || !r.timeoutOn || r.ended != len(outs) || len(r.order) != len(outs) {
		t.Fatalf("%s: started %d, ended %d of %d, order %v", how, r.started, r.ended, len(outs), r.order)
	}
	for i, o := range outs {
		if r.order[i] != i || !bytes.Equal(r.outs[i], o) || r.status[i] != statuses[i] {
			t.Fatalf("%s: command %d: got %q status %d, want %q status %d", how, i, r.outs[i], r.status[i], o, statuses[i])
		}
	}
}

const testNonce = "0123456789abcdef0123456789abcdef"

// trickyOutputs are outputs that sit next to the frames' own bytes: empty, newlines only, no
// final newline, CRLF, binary, and lines that look like frames but are not frames here.
func trickyOutputs(nonce string) [][]byte {
	other := "fedcba9876543210fedcba9876543210"
	return [][]byte{
		[]byte(""),
		[]byte("\n"),
		[]byte("\n\n"),
		[]byte("no newline"),
		[]byte("line\r\n"),
		[]byte("\xff\x00\x01 binary\n"),
		[]byte("\n" + other + " E 6 0\n" + other + " B 7\n"),        // wrong nonce
		[]byte("mid" + nonce + " E 7 0\n"),                          // right nonce, not at a line start
		[]byte("\n" + nonce + " E 99 0\n"),                          // right nonce, wrong index
		[]byte(nonce + " B 3\n" + nonce + " S 1\n"),                 // frames that do not fit inside a command
		[]byte(nonce + " X 1\n" + nonce + "  E 10 0\n"),             // unknown kind, double space
		[]byte(nonce + " E 11 0 extra\n" + nonce + " E 11 -1\n"),    // malformed status
		[]byte(nonce[:20] + "\n" + nonce + "\n" + nonce + " "),      // cut prefixes, ends on a prefix
		[]byte(nonce + " E " + strings.Repeat("1", 40) + " 0\n"),    // too long to be a frame
		[]byte("\n" + nonce + " E 14"),                              // an end frame cut short, no newline
		[]byte(strings.Repeat("x", 70000) + "\n" + nonce[:31]),      // longer than any read
		[]byte("\n\n\n" + nonce + " E 16 0 \n" + nonce + " E 16\n"), // trailing space, missing status
	}
}

func TestFrameParserRoundTrip(t *testing.T) {
	outs := trickyOutputs(testNonce)
	statuses := make([]int, len(outs))
	for i := range statuses {
		statuses[i] = (i * 37) % 256
	}
	stream := frameStream(testNonce, outs, statuses, "")
	checkRoundTrip(t, parseChunks(t, testNonce, stream, []int{len(stream)}), outs, statuses, "one chunk")
	for _, sizes := range [][]int{{1}, {2}, {3}, {7}, {33}, {34}, {35}, {4096}, {1, 50, 2, 31}} {
		checkRoundTrip(t, parseChunks(t, testNonce, stream, sizes), outs, statuses, fmt.Sprintf("chunks %v", sizes))
	}
	// Every split into two chunks, over all but the long output.
	var short [][]byte
	for _, o := range outs {
		if len(o) < 1000 {
			short = append(short, o)
		}
	}
	stream = frameStream(testNonce, short, statuses, "stray\n")
	for cut := 1; cut < len(stream); cut++ {
		r := parseChunks(t, testNonce, stream, []int{cut, len(stream)})
		checkRoundTrip(t, r, short, statuses, fmt.Sprintf("cut at %d", cut))
	}
}

func TestFrameParserDropsStrayOutput(t *testing.T) {
	outs := [][]byte{[]byte("a\n"), []byte("b")}
	stream := []byte("banner from a profile\n")
	stream = append(stream, frameStream(testNonce, outs, []int{0, 1}, "bg job\nno newline")...)
	r := newFrameRecorder()
	p := newFrameParser(testNonce, r)
	if err := p.feed(stream); err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, r, outs, []int{0, 1}, "with stray output")
	// Stray bytes: the banner and three copies of the job's output. The "\n" the script prints
	// before each frame line is the frame's, not stray.
	if want := int64(len("banner from a profile\n") + 3*len("bg job\nno newline")); p.stray != want {
		t.Errorf("stray bytes %d, want %d", p.stray, want)
	}
}

func TestFrameParserFinishKeepsPartialOutput(t *testing.T) {
	outs := [][]byte{[]byte("done\n"), []byte("partial\n" + testNonce[:10])}
	full := frameStream(testNonce, outs, []int{0, 0}, "")
	// Cut the stream after command 1's output, before its end frame's newline.
	cut := bytes.LastIndex(full, []byte("\n"+testNonce+" E 1"))
	for _, extra := range []int{0, 1, 5, 30} { // inside the frame line that never completes
		r := parseChunks(t, testNonce, full[:cut+extra], []int{3})
		want := string(outs[1]) + string(full[cut:cut+extra])
		if r.ended != 1 || r.cur != 1 || string(r.outs[1]) != want {
			t.Errorf("cut+%d: ended %d, cur %d, output %q, want %q", extra, r.ended, r.cur, r.outs[1], want)
		}
	}
}

func TestFrameParserStopsOnSinkError(t *testing.T) {
	outs := [][]byte{bytes.Repeat([]byte("y\n"), 1000), []byte("never\n")}
	stream := frameStream(testNonce, outs, []int{0, 0}, "")
	r := newFrameRecorder()
	r.failAt = 100
	p := newFrameParser(testNonce, r)
	if err := p.feed(stream[:300]); !errors.Is(err, errSinkFull) {
		t.Fatalf("feed: %v, want the sink's error", err)
	}
	got := r.got
	if err := p.feed(stream[300:]); !errors.Is(err, errSinkFull) || r.got != got || r.ended != 0 {
		t.Errorf("after an error the parser must consume nothing: %v, %d -> %d bytes, %d ended", err, got, r.got, r.ended)
	}
	if err := p.finish(); !errors.Is(err, errSinkFull) {
		t.Errorf("finish: %v", err)
	}
}

func TestParseFrameInt(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "7": 7, "255": 255, "123456789": 123456789} {
		if n, ok := parseFrameInt([]byte(in)); !ok || n != want {
			t.Errorf("%q: %d %v", in, n, ok)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1 ", "1234567890", "0x1", "١"} {
		if _, ok := parseFrameInt([]byte(in)); ok {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestBatchScriptQuotingAndNonce(t *testing.T) {
	a, b := newBatchNonce(), newBatchNonce()
	if len(a) != 32 || a == b || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("nonces %q %q: want 32 fresh hex characters each", a, b)
	}
	script := string(batchScript(a, []batchCommand{{index: 4, command: `echo 'it'"s" $HOME`}}, 1500*time.Millisecond))
	for _, want := range []string{
		`timeout -k 5 1.5 /bin/sh -c 'echo '\''it'\''"s" $HOME' </dev/null 2>&1`,
		`( eval 'echo '\''it'\''"s" $HOME' ) </dev/null 2>&1`,
		`printf '\n` + a + ` B 4\n'`,
		`printf '\n` + a + ` E 4 %d\n' "$?"`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s:\n%s", want, script)
		}
	}
}

func TestBatchScriptRunsPlainCommandsWithoutAShell(t *testing.T) {
	nonce := newBatchNonce()
	script := string(batchScript(nonce, []batchCommand{{index: 0, command: "systemctl list-unit-files --type=service --no-pager"}}, time.Minute))
	for _, want := range []string{
		`timeout -k 5 60 systemctl list-unit-files --type=service --no-pager </dev/null 2>&1; else ( eval 'systemctl list-unit-files --type=service --no-pager' )`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s:\n%s", want, script)
		}
	}
}

// batchScriptLines is the script batchScript must write, built line by line the plain way.
func batchScriptLines(nonce string, cmds []batchCommand, commandTimeout time.Duration) string {
	secs := strconv.FormatFloat(commandTimeout.Seconds(), 'f', -1, 64)
	kill := strconv.Itoa(batchKillAfter)
	s := "if command -v timeout >/dev/null 2>&1 && timeout -k " + kill + " " + secs +
		" true </dev/null >/dev/null 2>&1; then oca_t=1; else oca_t=0; fi\n" +
		"printf '\\n" + nonce + " S %s\\n' \"$oca_t\"\n"
	for _, c := range cmds {
		idx := strconv.Itoa(c.index)
		q := "'" + strings.ReplaceAll(c.command, "'", `'\''`) + "'"
		run := "/bin/sh -c " + q
		if plainCommand(c.command) {
			run = c.command
		}
		s += "printf '\\n" + nonce + " B " + idx + "\\n'\n" +
			"if [ \"$oca_t\" = 1 ]; then timeout -k " + kill + " " + secs + " " + run +
			" </dev/null 2>&1; else ( eval " + q + " ) </dev/null 2>&1; fi\n" +
			"printf '\\n" + nonce + " E " + idx + " %d\\n' \"$?\"\n"
	}
	return s
}

// The script is written in one allocation of its size, whatever the commands quote.
func TestBatchScriptBytesAndOneAllocation(t *testing.T) {
	nonce := newBatchNonce()
	for name, cmds := range map[string][]batchCommand{
		"none":   nil,
		"plain":  {{0, "uname -a"}, {1, "cat /etc/os-release"}, {12, "ss -tulpn"}},
		"shell":  {{0, "echo $HOME"}, {1, "cat /etc/*.conf | grep -v '^#'"}, {2, ""}},
		"quotes": {{0, strings.Repeat("'", 300)}, {1, "a'b'c'd" + strings.Repeat("x", 5000)}},
	} {
		for _, timeout := range []time.Duration{time.Minute, 1500 * time.Millisecond, 36 * time.Hour} {
			got := batchScript(nonce, cmds, timeout)
			if want := batchScriptLines(nonce, cmds, timeout); string(got) != want {
				t.Errorf("%s, %s: script\n%s\nwant\n%s", name, timeout, got, want)
			}
			if allocs := testing.AllocsPerRun(10, func() { batchScript(nonce, cmds, timeout) }); allocs > 2 {
				// the timeout's string and the script
				t.Errorf("%s, %s: %.0f allocations, want at most 2", name, timeout, allocs)
			}
		}
	}
}

func TestPlainCommand(t *testing.T) {
	for _, c := range []string{"uname -a", "cat /etc/os-release", "ip -o addr show", "ss -tulpn",
		"systemctl list-unit-files --type=service --no-pager", "stat -c %a /etc/passwd", "sysctl net.ipv4.ip_forward=1"} {
		if !plainCommand(c) {
			t.Errorf("plainCommand(%q) = false, want true", c)
		}
	}
	for _, c := range []string{"", "umask", "echo hi", "printf x", "pwd", "true", "cd /", "if true", "FOO=1 env",
		"cat /etc/*.conf", "ls ~", "cat a|grep b", "sysctl -a 2>/dev/null", "cat 'x y'", "a  b", " a", "a ", "a\tb",
		"echo $HOME", "-x", "--help me", "a;b", "a && b", "(a)", "cat a#b", "ls [ab]", "f {a,b}"} {
		if plainCommand(c) {
			t.Errorf("plainCommand(%q) = true, want false", c)
		}
	}
}

// TestFrameParserZeroAllocs holds the parser to its promise: no allocation per byte, or per
// chunk, once constructed (the sink's own copies aside).
func TestFrameParserZeroAllocs(t *testing.T) {
	stream, chunks := benchStream(44, 8<<10)
	p := newFrameParser(testNonce, &countingSink{})
	allocs := testing.AllocsPerRun(20, func() {
		p.reset()
		for _, c := range chunks {
			if err := p.feed(c); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("parsing %d bytes: %v allocs per run, want 0", len(stream), allocs)
	}
}

// countingSink checks the frames' order and counts output bytes, without keeping them.
type countingSink struct {
	bytes, ended int
	cur          int
}

func (s *countingSink) frameStart(bool) error { return nil }
func (s *countingSink) frameBegin(i int) error {
	s.cur = i
	return nil
}
func (s *countingSink) frameOutput(p []byte) error { s.bytes += len(p); return nil }
func (s *countingSink) frameEnd(i, _ int) error {
	if i != s.cur {
		return errFrameOrder
	}
	s.ended++
	return nil
}

// benchStream is the output of a script of n commands printing about size bytes of text each
// (like `sysctl -a` or a package list), cut in 32 KiB reads as the driver reads the channel.
func benchStream(n, size int) ([]byte, [][]byte) {
	outs := make([][]byte, n)
	statuses := make([]int, n)
	for i := range outs {
		var b bytes.Buffer
		for j := 0; b.Len() < size; j++ {
			b.WriteString("net.ipv4.conf.eth" + strconv.Itoa(j%4) + ".accept_redirects = " + strconv.Itoa(j%2) +
				"  # package libfoo" + strconv.Itoa(j) + " 1.2.3-4 amd64\n")
		}
		outs[i] = b.Bytes()
		statuses[i] = i % 3
	}
	stream := frameStream(testNonce, outs, statuses, "")
	var chunks [][]byte
	for rest := stream; len(rest) > 0; {
		n := min(32<<10, len(rest))
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	return stream, chunks
}

func BenchmarkBatchParse(b *testing.B) {
	stream, chunks := benchStream(44, 8<<10)
	sink := &countingSink{}
	p := newFrameParser(testNonce, sink)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		p.reset()
		sink.ended = 0
		for _, c := range chunks {
			if err := p.feed(c); err != nil {
				b.Fatal(err)
			}
		}
		if sink.ended != 44 {
			b.Fatalf("%d commands ended, want 44", sink.ended)
		}
	}
}
