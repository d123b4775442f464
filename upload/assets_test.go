package upload

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/fakegateway"
)

// assetRequests counts the requests that reached path (the provision path, or a status path).
func assetRequests(gw *fakegateway.Gateway, path string) int {
	n := 0
	for _, r := range gw.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

const provisionPath = "/ocaapi/v2.0/asset"

var iosReq = AssetRequest{HostIP: "10.0.1.1", Technology: "Cisco IOS"}

func TestProvisionRequestExactlyAsDocumented(t *testing.T) {
	type captured struct {
		method, path string
		header       http.Header
		body         string
	}
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/auth" {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "header.payload.sig")
			return
		}
		mu.Lock()
		got = append(got, captured{r.Method, r.URL.EscapedPath(), r.Header.Clone(), string(body)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/status") {
			io.WriteString(w, `{"data":{"status":"Provision Requested"}}`)
			return
		}
		io.WriteString(w, `{"code":200,"message":"ok","data":{"assetUUID":"7D2E0000-AAAA-4BBB-8CCC-DDDDDDDDDDDD"}}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Gateway: srv.URL, Username: "u1", Password: "pw", Sleep: newFakeClock().Sleep})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.ProvisionAsset(context.Background(), AssetRequest{HostIP: " 10.0.0.5", Technology: "Cisco IOS ", DNSName: "sw1.example.net"})
	if err != nil {
		t.Fatalf("ProvisionAsset: %v", err)
	}
	if id != testUUID2 {
		t.Errorf("uuid = %q, want %q (lower case)", id, testUUID2)
	}
	st, err := c.AssetStatus(context.Background(), id)
	if err != nil || st != StatusProvisionRequested {
		t.Fatalf("AssetStatus = %q, %v", st, err)
	}
	if len(got) != 2 {
		t.Fatalf("requests = %d, want 2", len(got))
	}
	p := got[0]
	if p.method != http.MethodPost || p.path != provisionPath {
		t.Errorf("provision request = %s %s", p.method, p.path)
	}
	const wantBody = `{"hostIP":"10.0.0.5","technology":"Cisco IOS","type":"PolicyCompliance","dnsName":"sw1.example.net"}`
	if p.body != wantBody {
		t.Errorf("provision body = %s\nwant %s", p.body, wantBody)
	}
	for k, want := range map[string]string{"Authorization": "Bearer header.payload.sig", "Accept": "application/json",
		"Content-Type": "application/json", "assetFlowType": ""} {
		if v := p.header.Get(k); v != want {
			t.Errorf("provision header %s = %q, want %q", k, v, want)
		}
	}
	s := got[1]
	if s.method != http.MethodGet || s.path != "/ocaapi/v2.0/asset/"+testUUID2+"/status" || s.body != "" ||
		s.header.Get("Authorization") != "Bearer header.payload.sig" || s.header.Get("Accept") != "application/json" {
		t.Errorf("status request = %s %s %q %v", s.method, s.path, s.body, s.header)
	}
}

func TestProvisionThenStatusAgainstFakeGateway(t *testing.T) {
	e := newEnv(t, nil)
	id, err := e.c.ProvisionAsset(context.Background(), AssetRequest{HostIP: "2001:db8::1", Technology: "Linux"})
	if err != nil {
		t.Fatal(err)
	}
	as := e.gw.Assets()
	if len(as) != 1 || as[0].UUID != id || as[0].HostIP != "2001:db8::1" || as[0].Technology != "Linux" {
		t.Fatalf("gateway assets = %+v, uuid %q", as, id)
	}
	for _, want := range []string{StatusProvisionRequested, StatusProvisionConfirmed} {
		if st, err := e.c.AssetStatus(context.Background(), id); err != nil || st != want {
			t.Errorf("AssetStatus = %q, %v; want %q", st, err, want)
		}
	}
	// One token for the three calls: asset calls share the uploads' token.
	if n := e.gw.AuthCount(); n != 1 {
		t.Errorf("AuthCount = %d, want 1", n)
	}
}

func TestProvisionTooManyRequestsHonoursServerWait(t *testing.T) {
	tests := []struct {
		name  string
		fault fakegateway.Fault
		want  time.Duration
	}{
		{"Retry-After", fakegateway.TooManyRequests("7", ""), 7 * time.Second},
		{"X-RateLimit-ToWait-Sec", fakegateway.TooManyRequests("", "3"), 3 * time.Second},
		{"503 Retry-After", fakegateway.Status(503, "").WithHeader("Retry-After", "4"), 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.gw.Script(fakegateway.ProvisionScript, tt.fault)
			id, err := e.c.ProvisionAsset(context.Background(), iosReq)
			if err != nil {
				t.Fatal(err)
			}
			if s := e.clock.Sleeps(); len(s) != 1 || s[0] != tt.want {
				t.Errorf("sleeps = %v, want [%s]", s, tt.want)
			}
			if n := assetRequests(e.gw, provisionPath); n != 2 || len(e.gw.Assets()) != 1 || e.gw.Assets()[0].UUID != id {
				t.Errorf("provision requests = %d, assets = %+v; want 2 requests, one asset %s", n, e.gw.Assets(), id)
			}
		})
	}
}

func TestProvisionRefusedNotRetried(t *testing.T) {
	const msg = "ERR-2104 - Technology Cisco IOS is not enabled for the subscription"
	e := newEnv(t, nil)
	e.gw.Script(fakegateway.ProvisionScript, fakegateway.Status(400, `{"_error":{"code":400,"message":"`+msg+`"}}`))
	_, err := e.c.ProvisionAsset(context.Background(), iosReq)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.ErrCode != "ERR-2104" || apiErr.Message != msg {
		t.Fatalf("err = %v; want the 400 APIError with the server's message", err)
	}
	if IsRetryable(err) || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %v; a refusal is final", err)
	}
	if want := "provision 10.0.1.1: OCA API 400: " + msg; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if n := assetRequests(e.gw, provisionPath); n != 1 || len(e.clock.Sleeps()) != 0 {
		t.Errorf("requests = %d, sleeps = %v; want one attempt", n, e.clock.Sleeps())
	}
}

// A failure after the request went out may have created the asset: provisioning is not repeated.
func TestProvisionAmbiguousFailureNotRepeated(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault fakegateway.Fault
	}{
		{"500", fakegateway.Status(500, "")},
		{"504", fakegateway.Status(504, "")},
		{"reset", fakegateway.Reset()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.gw.Script(fakegateway.ProvisionScript, tt.fault)
			_, err := e.c.ProvisionAsset(context.Background(), iosReq)
			if !errors.Is(err, ErrOutcomeUnknown) || IsRetryable(err) {
				t.Fatalf("err = %v; want ErrOutcomeUnknown, not retryable", err)
			}
			// The gateway logs a request when its handler returns; after a reset the client can
			// see the error first, so wait (bounded) for the log before counting.
			deadline := time.Now().Add(5 * time.Second)
			for assetRequests(e.gw, provisionPath) == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond) // polling the gateway's log, bounded by the deadline
			}
			if n := assetRequests(e.gw, provisionPath); n != 1 {
				t.Errorf("provision requests = %d, want 1", n)
			}
		})
	}
}

func TestProvisionReauthenticatesAfter401(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.Script(fakegateway.ProvisionScript, fakegateway.ExpireToken())
	if _, err := e.c.ProvisionAsset(context.Background(), iosReq); err != nil {
		t.Fatal(err)
	}
	if e.gw.AuthCount() != 2 || len(e.gw.Assets()) != 1 {
		t.Errorf("auth = %d, assets = %d; want 2, 1", e.gw.AuthCount(), len(e.gw.Assets()))
	}
}

func TestProvisionAnswerWithoutUUID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth" {
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "a.b.c")
			return
		}
		io.WriteString(w, `{"code":200,"message":"Asset provisioned"}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Gateway: srv.URL, Username: "u", Password: "pw-not-in-answers", Sleep: newFakeClock().Sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ProvisionAsset(context.Background(), iosReq)
	if !errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "Asset provisioned") {
		t.Fatalf("err = %v; want ErrOutcomeUnknown quoting the answer", err)
	}
}

func TestAssetStatusRetriesAndRefusals(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.RegisterAsset(testUUID, "10.0.0.5", "Linux")
	e.gw.Script(fakegateway.StatusScript, fakegateway.Status(500, ""), fakegateway.TooManyRequests("5", ""), fakegateway.Status(502, ""))
	st, err := e.c.AssetStatus(context.Background(), testUUID)
	if err != nil || st != StatusProvisionRequested {
		t.Fatalf("AssetStatus = %q, %v", st, err)
	}
	if n := assetRequests(e.gw, "/ocaapi/v2.0/asset/"+testUUID+"/status"); n != 4 {
		t.Errorf("status requests = %d, want 4 (a read is retried after any retryable failure)", n)
	}
	if s := e.clock.Sleeps(); len(s) != 3 || s[1] != 5*time.Second {
		t.Errorf("sleeps = %v; want 3 with the server's 5s second", s)
	}

	_, err = e.c.AssetStatus(context.Background(), testUUID2)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || err.Error() != "asset status "+testUUID2+": OCA API 404: Asset not found" {
		t.Errorf("unknown asset: err = %v", err)
	}
}

func TestAssetCallsRefuseInvalidInputBeforeContact(t *testing.T) {
	e := newEnv(t, nil)
	for _, req := range []AssetRequest{
		{HostIP: "sw1.example.net", Technology: "Linux"},
		{HostIP: "fe80::1%eth0", Technology: "Linux"},
		{HostIP: "10.0.0.1", Technology: " "},
		{HostIP: "10.0.0.1", Technology: "Lin\x00ux"},
		{HostIP: "10.0.0.1", Technology: "Linux", DNSName: "a b"},
	} {
		if _, err := e.c.ProvisionAsset(context.Background(), req); !errors.Is(err, ErrInvalidAssetRequest) {
			t.Errorf("%+v: err = %v; want ErrInvalidAssetRequest", req, err)
		}
	}
	if _, err := e.c.AssetStatus(context.Background(), "../auth"); !errors.Is(err, ErrInvalidAssetUUID) {
		t.Errorf("bad uuid: err = %v", err)
	}
	if n := len(e.gw.Requests()); n != 0 {
		t.Errorf("gateway got %d requests", n)
	}
}
