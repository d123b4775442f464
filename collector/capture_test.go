package collector

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
	"testing"
)

// chunkReader hands out data in reads of at most chunk bytes, then err (io.EOF when nil).
type chunkReader struct {
	data  []byte
	chunk int
	err   error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestCaptureReadFromCopiesEverything(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160 KB: the read buffer grows to its cap
	for _, chunk := range []int{1, 511, 512, 4096, 1 << 20} {
		c := newCapture(0, nil)
		n, err := captureWriter{c: c}.ReadFrom(&chunkReader{data: data, chunk: chunk})
		if err != nil || n != int64(len(data)) {
			t.Fatalf("chunk %d: ReadFrom = %d, %v; want %d, nil", chunk, n, err, len(data))
		}
		if _, err := (captureWriter{c: c, stderr: true}).ReadFrom(&chunkReader{data: []byte("oops\n"), chunk: chunk}); err != nil {
			t.Fatal(err)
		}
		out, stderr, truncated := c.snapshot()
		if !bytes.Equal(out, append(append([]byte{}, data...), "oops\n"...)) || stderr != 5 || truncated {
			t.Fatalf("chunk %d: got %d bytes, stderr %d, truncated %v", chunk, len(out), stderr, truncated)
		}
	}
}

// io.Copy must pick ReadFrom: that is how x/crypto's Session reaches it.
func TestCaptureWriterIsReaderFrom(t *testing.T) {
	var w io.Writer = captureWriter{c: newCapture(0, nil)}
	if _, ok := w.(io.ReaderFrom); !ok {
		t.Fatal("captureWriter does not implement io.ReaderFrom")
	}
}

func TestCaptureReadFromStopsAtLimits(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 10000)
	c := newCapture(3000, nil)
	n, err := captureWriter{c: c}.ReadFrom(&chunkReader{data: data, chunk: 700})
	if !errors.Is(err, io.ErrShortWrite) || n != 3000 {
		t.Fatalf("ReadFrom = %d, %v; want 3000, ErrShortWrite", n, err)
	}
	select {
	case <-c.full:
	default:
		t.Fatal("full not closed at the limit")
	}

	var budget atomic.Int64
	budget.Store(1000)
	c = newCapture(0, &budget)
	n, err = captureWriter{c: c, stderr: true}.ReadFrom(&chunkReader{data: data, chunk: 4096})
	if !errors.Is(err, io.ErrShortWrite) || n != 1000 || budget.Load() != 0 {
		t.Fatalf("ReadFrom = %d, %v, budget left %d; want 1000, ErrShortWrite, 0", n, err, budget.Load())
	}
	if out, stderr, truncated := c.snapshot(); len(out) != 1000 || stderr != 1000 || !truncated {
		t.Fatalf("snapshot: %d bytes, stderr %d, truncated %v", len(out), stderr, truncated)
	}
}

func TestCaptureReadFromErrors(t *testing.T) {
	boom := errors.New("connection reset")
	c := newCapture(0, nil)
	n, err := captureWriter{c: c}.ReadFrom(&chunkReader{data: []byte("partial"), chunk: 3, err: boom})
	if !errors.Is(err, boom) || n != 7 {
		t.Fatalf("ReadFrom = %d, %v; want 7, %v", n, err, boom)
	}
	// After a snapshot the capture keeps nothing more: a late copier is told to stop.
	out, _, _ := c.snapshot()
	if _, err := (captureWriter{c: c}).ReadFrom(&chunkReader{data: []byte("late"), chunk: 4}); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("ReadFrom after snapshot: %v, want ErrShortWrite", err)
	}
	if string(out) != "partial" {
		t.Fatalf("snapshot %q", out)
	}
}
