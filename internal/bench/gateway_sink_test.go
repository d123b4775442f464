package bench

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oca-collector/collector/internal/fakegateway"
)

// Credentials of the benchmark's gateway, handed to the collector through its environment.
const (
	gatewayUser    = "oca-bench-api"
	gatewayUserEnv = "OCA_BENCH_QUALYS_USERNAME"
	gatewayPassEnv = "OCA_BENCH_QUALYS_PASSWORD"
)

// gateway is where the collector uploads during a benchmark.
type gateway struct {
	URL      string
	Password string
	uploads  func() int
}

// startGateway starts the fake OCA gateway on loopback. With discard, /auth is still the fake
// gateway's, but uploads go to uploadSink, which checks their shape and counts them without
// keeping the bodies (the fake gateway records every body, which a 10,000-device run cannot
// afford).
func startGateway(tb testing.TB, discard bool) gateway {
	tb.Helper()
	pass := "bench-" + strings.ReplaceAll(tb.Name(), "/", "-")
	g := fakegateway.New(tb, fakegateway.WithCredentials(gatewayUser, pass))
	if !discard {
		return gateway{URL: g.URL, Password: pass, uploads: func() int { return len(g.Uploads()) }}
	}
	sink := &uploadSink{auth: g}
	srv := httptest.NewServer(sink)
	tb.Cleanup(srv.Close)
	return gateway{URL: srv.URL, Password: pass, uploads: func() int { return int(sink.accepted.Load()) }}
}

var uploadPath = regexp.MustCompile(`^/ocaapi/v2\.0/asset/([0-9a-f-]{36})/command/bulk/output/PolicyCompliance$`)

// uploadSink answers uploads like the OCA API after checking what the client must send
// (POST, a bearer token, assetFlowType, one "data" part named <uuid>.txt); everything else goes
// to auth. It does not check that the token is one auth issued.
type uploadSink struct {
	auth     http.Handler
	accepted atomic.Int64
}

func (s *uploadSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := uploadPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		s.auth.ServeHTTP(w, r)
		return
	}
	if err := checkUpload(r, m[1]); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"_error":{"code":400,"message":%q}}`, err.Error())
		return
	}
	s.accepted.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"code":200,"message":"Data uploaded successfully"}`)
}

func checkUpload(r *http.Request, uuid string) error {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || r.Header.Get("assetFlowType") == "" {
		return errors.New("method, token or assetFlowType missing")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return err
	}
	part, err := mr.NextPart()
	if err != nil {
		return err
	}
	if part.FormName() != "data" || part.FileName() != uuid+".txt" {
		return fmt.Errorf("part %q file %q", part.FormName(), part.FileName())
	}
	n, err := io.Copy(io.Discard, part)
	if err != nil {
		return fmt.Errorf("bulk file: %w", err)
	}
	if n == 0 {
		return errors.New("empty bulk file")
	}
	if _, err := mr.NextPart(); !errors.Is(err, io.EOF) {
		return errors.New("more than one part")
	}
	return nil
}
