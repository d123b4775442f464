package collector

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Word-at-a-time byte tests for the output hot paths (the normaliser, the transcript encoder):
// eight bytes are read as one uint64 and each test sets the top bit of the bytes it matches.
// A borrow or carry can only spill into a byte after one that matched, so "any top bit set" is
// exact, which is all the scanners below ask.
const (
	wordLo = 0x0101010101010101 // 0x01 in every byte
	wordHi = 0x8080808080808080 // the top bit of every byte
)

// below marks the bytes of x under n (n <= 0x80).
func below(x uint64, n byte) uint64 { return (x - wordLo*uint64(n)) &^ x }

// equal marks the bytes of x equal to b.
func equal(x uint64, b byte) uint64 { y := x ^ wordLo*uint64(b); return (y - wordLo) &^ y }

// textByte marks the bytes the normaliser copies as they are: printable ASCII, tab and newline.
var textByte = func() (t [256]bool) {
	for b := 0x20; b < ctlDEL; b++ {
		t[b] = true
	}
	t['\t'], t['\n'] = true, true
	return t
}()

// textPrefix returns how many leading bytes of s are printable ASCII (0x20 to 0x7e), tab or
// newline: the bytes the normaliser copies unchanged, so a run of lines is one copy rather than
// one per line. The tests here must be exact per byte, not just "any", because the newline and
// tab marks are taken out of the control mark: each one sets the top bit of a byte only from
// that byte's own low seven bits, so nothing carries between bytes.
func textPrefix(s []byte) int {
	const (
		low7 = wordHi - wordLo        // 0x7f in every byte
		ctl  = wordLo * (0x80 - 0x20) // added to the low seven bits: top bit set from 0x20 up
	)
	k := 0
	for ; k+8 <= len(s); k += 8 {
		x := binary.LittleEndian.Uint64(s[k:])
		if (below(x, 0x20)|(x+wordLo)|x)&wordHi == 0 {
			continue // all printable: the cheap test, enough for most words
		}
		m7 := x & low7
		control := ^((m7 + ctl) | x) & wordHi     // 0x00-0x1f
		highOrDEL := ((m7 + wordLo) | x) & wordHi // 0x7f-0xff
		if m := control&^(zeroBytes(x^(wordLo*'\n'))|zeroBytes(x^(wordLo*'\t'))) | highOrDEL; m != 0 {
			return k + bits.TrailingZeros64(m)/8
		}
	}
	for k < len(s) && textByte[s[k]] {
		k++
	}
	return k
}

// zeroBytes marks exactly the zero bytes of y.
func zeroBytes(y uint64) uint64 {
	const low7 = wordHi - wordLo
	return ^(((y & low7) + low7) | y) & wordHi
}

// jsonPlain marks the bytes a JSON string holds as they are: printable ASCII (and DEL) but the
// quote and the backslash.
var jsonPlain = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// plainPrefix returns how many leading bytes of s a JSON string holds as they are: no control
// character, quote, backslash or non-ASCII byte.
func plainPrefix(s []byte) int {
	k := 0
	for ; k+8 <= len(s); k += 8 {
		x := binary.LittleEndian.Uint64(s[k:])
		// The lowest mark is exact (a borrow only spills upward from a true match), so it
		// is where the run ends.
		if m := (below(x, 0x20) | equal(x, '"') | equal(x, '\\') | x) & wordHi; m != 0 {
			return k + bits.TrailingZeros64(m)/8
		}
	}
	for k < len(s) && jsonPlain[s[k]] {
		k++
	}
	return k
}
