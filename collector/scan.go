package collector

import (
	"encoding/binary"
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

// printablePrefix returns how many leading bytes of s are printable ASCII (0x20 to 0x7e): no
// byte below 0x20, none at 0x7f (adding one sets its top bit) or above (top bit already set).
func printablePrefix(s []byte) int {
	k := 0
	for ; k+8 <= len(s); k += 8 {
		x := binary.LittleEndian.Uint64(s[k:])
		if (below(x, 0x20)|(x+wordLo)|x)&wordHi != 0 {
			break
		}
	}
	for k < len(s) && s[k] >= 0x20 && s[k] < ctlDEL {
		k++
	}
	return k
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
		if (below(x, 0x20)|equal(x, '"')|equal(x, '\\')|x)&wordHi != 0 {
			break
		}
	}
	for k < len(s) && jsonPlain[s[k]] {
		k++
	}
	return k
}
