package upload

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkUploadRequest is one bulk upload as a run does it: build the multipart request
// around a typical Linux host's bulk file (~190 KiB), send it with a cached token, read the
// answer. The server drains the body and counts the bytes, so the benchmark also proves every
// byte was sent; allocations per upload show whether the body is streamed or copied.
func BenchmarkUploadRequest(b *testing.B) {
	const size = 190 << 10
	var received atomic.Int64
	exp := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"exp":%d}`, time.Now().Add(4*time.Hour).Unix()))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth" {
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "eyJhbGciOiJub25lIn0."+exp+".c2ln")
			return
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		received.Add(n)
		_, _ = io.WriteString(w, `{"code":200,"message":"Data uploaded successfully"}`)
	}))
	b.Cleanup(srv.Close)
	c, err := New(Config{Gateway: srv.URL, Username: "bench", Password: "bench-password", Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "bulk.txt")
	line := "### BEGIN COMMAND: cat /etc/passwd\nroot:x:0:0:root:/root:/bin/bash\n### END COMMAND: cat /etc/passwd\n"
	if err := os.WriteFile(path, []byte(strings.Repeat(line, size/len(line))), 0o600); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.UploadFile(ctx, testUUID, path); err != nil { // authenticates once
		b.Fatal(err)
	}
	received.Store(0)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	n := int64(0)
	for b.Loop() {
		if _, err := c.UploadFile(ctx, testUUID, path); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if got := received.Load(); got < n*st.Size() {
		b.Fatalf("server received %d bytes for %d uploads of %d", got, n, st.Size())
	}
}
