package collector

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendNormalized(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"clean line", "hostname web01\n", "hostname web01\n"},
		{"final newline added", "web01", "web01\n"},
		{"only newline", "\n", "\n"},
		{"blank lines kept", "a\n\n\nb\n", "a\n\n\nb\n"},
		{"trailing spaces kept", " description uplink  \n", " description uplink  \n"},
		{"tab kept", "a\tb\n", "a\tb\n"},
		{"multibyte kept", "日本語 ü €\n", "日本語 ü €\n"},
		{"U+FFFD literal kept", "a\uFFFDb\n", "a\uFFFDb\n"},

		{"CRLF", "a\r\nb\r\n", "a\nb\n"},
		{"CRLF without final", "a\r\nb", "a\nb\n"},
		{"CR CR LF", "abc\r\r\n", "abc\n"},
		{"progress overwrite", "50%\r100%\n", "100%\n"},
		{"several overwrites", "10%\r20%\r30%\ndone\n", "30%\ndone\n"},
		{"overwrite then CRLF", "Reading... 0%\rReading... Done\r\nnext\r\n", "Reading... Done\nnext\n"},
		{"overwrite only its own line", "keep\nold\rnew\n", "keep\nnew\n"},
		{"trailing lone CR", "abc\r", "abc\n"},
		{"only CR", "\r", ""},
		{"CR then tab overwrites", "abc\r\tx\n", "\tx\n"},
		{"CR then invalid UTF-8 overwrites", "abc\r\xff\n", "\uFFFD\n"},
		{"CR then multibyte overwrites", "abc\r€\n", "€\n"},
		{"CR then escape then text", "50%\r\x1b[Kdone\n", "done\n"},
		{"CR then escape then LF", "abc\r\x1b[K\n", "abc\n"},
		{"CR then backspace is a no-op", "abc\r\b\n", "abc\n"},
		{"CR then backspace then text", "abc\r\bxy\n", "xy\n"},

		{"SGR colours", "\x1b[01;32mgreen\x1b[0m plain\n", "green plain\n"},
		{"SGR reset short", "\x1b[mx\n", "x\n"},
		{"CSI private mode", "\x1b[?25lx\x1b[?25h\n", "x\n"},
		{"CSI erase line", "x\x1b[2K\n", "x\n"},
		{"CSI with intermediate", "a\x1b[1 qb\n", "ab\n"},
		{"CSI cut by newline", "a\x1b[12\nb\n", "a\nb\n"},
		{"CSI cut by DEL", "a\x1b[1\x7fb\n", "ab\n"},
		{"CSI cut by end", "a\x1b[12", "a\n"},
		{"OSC with BEL", "\x1b]0;user@web01: ~\x07web01$ \n", "web01$ \n"},
		{"OSC with ST", "\x1b]0;title\x1b\\x\n", "x\n"},
		{"OSC ended by newline", "\x1b]0;title\nkeep\n", "\nkeep\n"},
		{"OSC ended by ESC", "\x1b]0;title\x1b[31mred\n", "red\n"},
		{"OSC unterminated at end", "a\x1b]0;title", "a\n"},
		{"DCS", "\x1bPq#0;2;0;0;0\x1b\\x\n", "x\n"},
		{"APC", "\x1b_hidden\x07x\n", "x\n"},
		{"charset select", "\x1b(Bx\x1b)0\n", "x\n"},
		{"charset select cut", "\x1b(\nx\n", "\nx\n"},
		{"two-byte sequences", "\x1b7x\x1b8\x1b=\x1b>\x1bMy\x1bc\n", "xy\n"},
		{"ESC ESC", "\x1b\x1b[31mx\n", "x\n"},
		{"lone ESC at end", "abc\x1b", "abc\n"},
		{"ESC before newline", "a\x1b\nb", "a\nb\n"},
		{"ESC before multibyte", "a\x1b€\n", "a€\n"},

		{"backspace", "abc\b\bxy", "axy\n"},
		{"backspace at line start", "a\n\bb\n", "a\nb\n"},
		{"backspace at data start", "\b\bx\n", "x\n"},
		{"backspace over multibyte rune", "café\b\bé\n", "caé\n"},
		{"backspace over U+FFFD", "a\xff\bb\n", "ab\n"},
		{"backspace never crosses a line", "ab\n\b\b\bc\n", "ab\nc\n"},
		{"pager redraw vanishes",
			"line1\n--More--\b\b\b\b\b\b\b\b        \b\b\b\b\b\b\b\bline2\n", "line1\nline2\n"},
		{"pager redraw with colours",
			"a\n\x1b[7m--More--\x1b[m\b\b\b\b\b\b\b\b        \b\b\b\b\b\b\b\bb\n", "a\nb\n"},

		{"NUL removed", "a\x00b\x00\n", "ab\n"},
		{"C0 controls removed", "a\x07\x0b\x0c\x01\x1fb\n", "ab\n"},
		{"DEL removed", "a\x7fb\n", "ab\n"},
		{"only controls", "\x00\x07\x1b[0m", ""},

		{"invalid byte", "a\xffb\n", "a\uFFFDb\n"},
		{"invalid run is one replacement", "a\xff\xfe\xfdb\n", "a\uFFFDb\n"},
		{"invalid runs apart", "\xffx\xff\n", "\uFFFDx\uFFFD\n"},
		{"invalid runs split by NUL", "\xff\x00\xff\n", "\uFFFD\uFFFD\n"},
		{"truncated rune at end", "abc\xe2\x82", "abc\uFFFD\n"},
		{"surrogate encoding", "\xed\xa0\x80x\n", "\uFFFDx\n"},
		{"overlong encoding", "\xc0\xafx\n", "\uFFFDx\n"},
		{"8-bit CSI is invalid UTF-8", "\x9b31mx\n", "\uFFFD31mx\n"},

		{"everything at once",
			"\x1b[32m50%\x1b[0m\r\x1b[32m100%\x1b[0m\r\nab\x00c\bd\x07\r\n\xff!\x1b]0;t\x07",
			"100%\nabd\n\uFFFD!\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AppendNormalized(nil, []byte(tc.in))
			if string(got) != tc.want {
				t.Fatalf("AppendNormalized(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := AppendNormalized(nil, got); !bytes.Equal(again, got) {
				t.Fatalf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestAppendNormalizedKeepsDstPrefix(t *testing.T) {
	tests := []struct{ prefix, in, want string }{
		{"prev", "x", "prevx\n"},
		{"prev", "\b\bx\n", "prevx\n"},             // backspace does not erase the caller's bytes
		{"prev", "a\rb\n", "prevb\n"},              // nor does a CR overwrite
		{"prev", "", "prev"},                       // empty input adds nothing, not even a newline
		{"prev", "\x1b[0m", "prev"},                // input that normalises to nothing adds nothing
		{"prev\n", "a\r\n", "prev\na\n"},           // CRLF
		{"prev\xff", "\xffx", "prev\xff\uFFFDx\n"}, // the prefix is never re-examined
	}
	for _, tc := range tests {
		dst := make([]byte, len(tc.prefix), 64)
		copy(dst, tc.prefix)
		got := AppendNormalized(dst, []byte(tc.in))
		if string(got) != tc.want {
			t.Errorf("AppendNormalized(%q, %q) = %q, want %q", tc.prefix, tc.in, got, tc.want)
		}
	}
}

func TestAppendNormalizedCleanInputIsByteIdentical(t *testing.T) {
	clean := realisticConfig(256<<10, false)
	got := AppendNormalized(nil, clean)
	if !bytes.Equal(got, clean) {
		i := 0
		for i < len(got) && i < len(clean) && got[i] == clean[i] {
			i++
		}
		t.Fatalf("clean input changed at byte %d (len %d -> %d)", i, len(clean), len(got))
	}
}

func TestAppendNormalizedDirtyConfig(t *testing.T) {
	dirty := realisticConfig(256<<10, true)
	clean := realisticConfig(256<<10, false)
	if got := AppendNormalized(nil, dirty); !bytes.Equal(got, clean) {
		t.Fatalf("dirty config did not normalise to the clean one (len %d vs %d)", len(got), len(clean))
	}
}

func TestAppendNormalizedZeroAllocs(t *testing.T) {
	raw := realisticConfig(64<<10, true)
	raw = append(raw, "\xff\xfe tail\b\b\x00\x1b]0;x\x07"...)
	dst := make([]byte, 0, 2*len(raw))
	allocs := testing.AllocsPerRun(20, func() {
		dst = AppendNormalized(dst[:0], raw)
	})
	if allocs != 0 {
		t.Fatalf("AppendNormalized with room in dst: %v allocs per run, want 0", allocs)
	}
	if !utf8.Valid(dst) {
		t.Fatal("output is not valid UTF-8")
	}
}

// realisticConfig returns at least size bytes (clean form) of something like a network device's running
// configuration. When dirty, the same text carries what a terminal adds: CRLF line ends, colour
// escapes around some lines, a pager prompt erased with backspaces. Normalising the dirty form
// yields exactly the clean form.
func realisticConfig(size int, dirty bool) []byte {
	var b strings.Builder
	b.Grow(size + 512)
	nl := "\n"
	if dirty {
		nl = "\r\n"
	}
	cleanLen := 0 // the loop runs on the clean length so both forms hold the same lines
	for i := 0; cleanLen < size; i++ {
		lines := []string{
			fmt.Sprintf("interface GigabitEthernet1/0/%d", i),
			fmt.Sprintf(" description access port %d <user> & \"desk\" ", i),
			" switchport mode access",
			fmt.Sprintf(" switchport access vlan %d", 10+i%90),
			" spanning-tree portfast",
			"\tip address 10.0.0.1 255.255.255.0",
			" banner motd ^C Authorised use only — accès réservé ^C",
			"!",
		}
		for j, l := range lines {
			cleanLen += len(l) + 1
			if dirty && j == 0 && i%3 == 0 {
				l = "\x1b[1;34m" + l + "\x1b[0m"
			}
			b.WriteString(l)
			b.WriteString(nl)
		}
		if dirty && i%7 == 0 {
			b.WriteString(" --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b")
		}
	}
	return []byte(b.String())
}

func BenchmarkNormalize(b *testing.B) {
	raw := realisticConfig(1<<20, true)
	dst := make([]byte, 0, len(raw))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendNormalized(dst[:0], raw)
	}
}

// BenchmarkNormalizeClean is the common case of a Unix host: text with LF line ends and nothing
// to remove (but a line of non-ASCII text in every eight), where whole runs of lines are copied.
func BenchmarkNormalizeClean(b *testing.B) {
	raw := realisticConfig(1<<20, false)
	dst := make([]byte, 0, len(raw))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendNormalized(dst[:0], raw)
	}
}

// FuzzPrefixScanners: the eight-bytes-at-a-time scanners of the normaliser and the transcript
// encoder agree with a byte-by-byte loop on any input.
func FuzzPrefixScanners(f *testing.F) {
	f.Add([]byte("interface Gi0/1 description uplink\r\n"))
	f.Add([]byte("0123456789abcdef\x7f\x80\x1f \"\\~"))
	f.Add(bytes.Repeat([]byte{0x20, 0x7e, 0x7f, 0xff}, 5))
	f.Add([]byte("\n\x0b\n \t\x0c\t!\x09\x0a\x1f\n\x00\x80x"))
	f.Add([]byte("line one\n\tline two\n\x0b"))
	f.Fuzz(func(t *testing.T, s []byte) {
		text, plain := 0, 0
		for text < len(s) && (s[text] >= 0x20 && s[text] < 0x7f || s[text] == '\n' || s[text] == '\t') {
			text++
		}
		for plain < len(s) && s[plain] >= 0x20 && s[plain] < 0x80 && s[plain] != '"' && s[plain] != '\\' {
			plain++
		}
		if got := textPrefix(s); got != text {
			t.Errorf("textPrefix(%q) = %d, want %d", s, got, text)
		}
		if got := plainPrefix(s); got != plain {
			t.Errorf("plainPrefix(%q) = %d, want %d", s, got, plain)
		}
	})
}
