package collector

import (
	"bytes"
	"testing"
)

// FuzzBatchFrames feeds the parser what a batch script prints around arbitrary command outputs,
// cut at arbitrary read boundaries: every output and status must come back exactly. The nonce
// is fresh for every input, as on a device, so the fuzzer cannot learn it and forge a frame.
// A stream cut short must leave the command in progress with exactly the bytes received.
func FuzzBatchFrames(f *testing.F) {
	f.Add([]byte("hello\n"), []byte(""), []byte("no newline"), []byte{7, 1, 200}, uint16(0))
	f.Add([]byte("\n\n"), []byte("a\r\nb\r\n"), []byte("\xff\x00"), []byte{0}, uint16(5))
	f.Add([]byte("x 0123456789abcdef0123456789abcdef E 0 0\n"), []byte("\n"), []byte(" B 1\n"), []byte{31, 32, 33}, uint16(60))
	f.Fuzz(func(t *testing.T, a, b, c, cuts []byte, stop uint16) {
		nonce := newBatchNonce()
		outs := [][]byte{a, b, c}
		statuses := []int{0, 1, 255}
		if len(cuts) > 0 {
			statuses[1] = int(cuts[0])
		}
		stream := frameStream(nonce, outs, statuses, "")
		sizes := []int{len(stream)}
		if len(cuts) > 0 {
			sizes = sizes[:0]
			for _, x := range cuts {
				sizes = append(sizes, 1+int(x)%70)
			}
		}
		checkRoundTrip(t, parseChunks(t, nonce, stream, sizes), outs, statuses, "fuzz")

		// The same stream stopped early, at byte stop (when that falls inside the stream).
		cut := int(stop)
		if cut >= len(stream) {
			return
		}
		r := parseChunks(t, nonce, stream[:cut], sizes)
		// Where the commands' frames lie in the full stream, to know what was cut.
		pos := len("\n" + nonce + " S 1\n")
		for i, o := range outs {
			begin := bytes.Index(stream[pos:], []byte(nonce+" B "))
			bodyStart := pos + begin + len(nonce) + 5 // past "<nonce> B i\n"
			bodyEnd := bodyStart + len(o)
			endLine := bytes.IndexByte(stream[bodyEnd+1:], '\n') + bodyEnd + 2
			switch {
			case cut >= endLine:
				if !bytes.Equal(r.outs[i], o) || r.status[i] != statuses[i] {
					t.Fatalf("cut %d: command %d complete: %q %d", cut, i, r.outs[i], r.status[i])
				}
			case cut >= bodyStart:
				if r.cur != i || !bytes.Equal(r.outs[i], stream[bodyStart:cut]) {
					t.Fatalf("cut %d: command %d in progress (cur %d): %q, want %q", cut, i, r.cur, r.outs[i], stream[bodyStart:cut])
				}
				return
			default:
				if _, begun := r.outs[i]; begun {
					t.Fatalf("cut %d: command %d begun before its frame was complete", cut, i)
				}
				return
			}
			pos = endLine
		}
	})
}
