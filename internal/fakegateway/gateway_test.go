package fakegateway

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const uuid = "1c0f5a2e-1111-4222-8333-444455556666"

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func do(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func authRequest(t *testing.T, g *Gateway, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.URL+"/auth", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func login(t *testing.T, g *Gateway) string {
	t.Helper()
	status, body, _ := do(t, authRequest(t, g, url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}, "token": {"true"}}))
	if status != http.StatusCreated {
		t.Fatalf("auth = %d %s", status, body)
	}
	return body
}

type part struct {
	name, filename, contentType, content string
}

func uploadRequest(t *testing.T, g *Gateway, asset, token string, parts ...part) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.filename+`"`)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, _ := mw.CreatePart(h)
		io.WriteString(w, p.content)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, g.URL+"/ocaapi/v2.0/asset/"+asset+"/command/bulk/output/PolicyCompliance", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("assetFlowType", "DEFAULT")
	return req
}

func goodPart() part { return part{"data", uuid + ".txt", "text/plain", "output\n"} }

func TestAuth(t *testing.T) {
	clk := &testClock{now: time.Unix(1_800_000_000, 0)}
	g := New(t, WithClock(clk.Now), WithTokenTTL(time.Hour))
	good := url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}, "token": {"true"}}

	tok := login(t, g)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not header.payload.signature", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct{ Exp, Iat int64 }
	if err != nil || json.Unmarshal(payload, &claims) != nil || claims.Exp != clk.Now().Add(time.Hour).Unix() {
		t.Errorf("claims = %s (%v), want exp = now + 1h", payload, err)
	}
	if tok2 := login(t, g); tok2 == tok {
		t.Error("two logins returned the same token")
	}

	bad := func(mod func(url.Values)) url.Values {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		mod(v)
		return v
	}
	wrongType := authRequest(t, g, good)
	wrongType.Header.Set("Content-Type", "application/json")
	get, _ := http.NewRequest(http.MethodGet, g.URL+"/auth", nil)
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"wrong password", authRequest(t, g, bad(func(v url.Values) { v.Set("password", "nope") })), 401},
		{"wrong user", authRequest(t, g, bad(func(v url.Values) { v.Set("username", "nope") })), 401},
		{"no token=true", authRequest(t, g, bad(func(v url.Values) { v.Del("token") })), 400},
		{"content type", wrongType, 400},
		{"GET", get, 405},
	}
	for _, tt := range tests {
		status, body, _ := do(t, tt.req)
		if status != tt.status || !strings.HasPrefix(body, `{"_error":{"code":`) {
			t.Errorf("%s: %d %s, want %d with an _error envelope", tt.name, status, body, tt.status)
		}
	}
	if n := g.AuthCount(); n != 2+len(tests) {
		t.Errorf("AuthCount = %d, want %d", n, 2+len(tests))
	}
}

func TestUploadChecks(t *testing.T) {
	clk := &testClock{now: time.Unix(1_800_000_000, 0)}
	g := New(t, WithClock(clk.Now), WithTokenTTL(time.Hour))
	tok := login(t, g)

	noAccept := uploadRequest(t, g, uuid, tok, goodPart())
	noAccept.Header.Del("Accept")
	noFlow := uploadRequest(t, g, uuid, tok, goodPart())
	noFlow.Header.Del("assetFlowType")
	notMultipart := uploadRequest(t, g, uuid, tok, goodPart())
	notMultipart.Header.Set("Content-Type", "text/plain")
	invalidFile := `{"_error":{"code":400,"message":"` + InvalidFileMessage + `"}}`
	tests := []struct {
		name   string
		req    *http.Request
		status int
		body   string
	}{
		{"no token", uploadRequest(t, g, uuid, "", goodPart()), 401, `{"_error":{"code":401,"message":"Unauthorized"}}`},
		{"unknown token", uploadRequest(t, g, uuid, "a.b.c", goodPart()), 401, ""},
		{"no Accept", noAccept, 406, ""},
		{"no assetFlowType", noFlow, 400, ""},
		{"not multipart", notMultipart, 400, invalidFile},
		{"wrong field", uploadRequest(t, g, uuid, tok, part{"file", uuid + ".txt", "text/plain", "x"}), 400, invalidFile},
		{"wrong filename", uploadRequest(t, g, uuid, tok, part{"data", "other.txt", "text/plain", "x"}), 400, invalidFile},
		{"path in filename", uploadRequest(t, g, uuid, tok, part{"data", "dir/" + uuid + ".txt", "text/plain", "x"}), 400, invalidFile},
		{"csv", uploadRequest(t, g, uuid, tok, part{"data", uuid + ".txt", "text/csv", "x"}), 400, invalidFile},
		{"two parts", uploadRequest(t, g, uuid, tok, goodPart(), goodPart()), 400, invalidFile},
		{"bad uuid", uploadRequest(t, g, "not-a-uuid", tok, goodPart()), 404, ""},
		{"ok", uploadRequest(t, g, uuid, tok, goodPart()), 200, `{"code":200,"message":"` + SuccessMessage + `"}`},
	}
	for _, tt := range tests {
		status, body, _ := do(t, tt.req)
		if status != tt.status || (tt.body != "" && body != tt.body) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, body, tt.status, tt.body)
		}
	}
	ups := g.UploadsFor(uuid)
	if len(ups) != 1 || string(ups[0].Body) != "output\n" || ups[0].FlowType != "DEFAULT" || len(ups[0].Raw) == 0 {
		t.Fatalf("uploads = %+v", ups)
	}
	if n := len(g.Requests()); n != 1+len(tests) { // the login and the table
		t.Errorf("Requests = %d, want %d", n, 1+len(tests))
	}

	// Tokens expire by the injected clock.
	clk.Advance(time.Hour)
	if status, _, _ := do(t, uploadRequest(t, g, uuid, tok, goodPart())); status != 401 {
		t.Errorf("expired token: %d, want 401", status)
	}
}

func TestScriptedFaults(t *testing.T) {
	g := New(t)
	tok := login(t, g)
	const other = "7d2e0000-aaaa-4bbb-8ccc-dddddddddddd"
	g.Script("", Status(503, ""))
	g.Script(uuid, Times(2, TooManyRequests("5", "6")), ExpireToken())

	type want struct {
		asset  string
		status int
		header string
	}
	for i, w := range []want{
		{uuid, 429, "5"}, // the asset's own queue first
		{uuid, 429, "5"}, // Times(2)
		{uuid, 401, ""},  // ExpireToken revokes tok
		{other, 503, ""}, // the shared queue
		{other, 401, ""}, // tok was revoked
		{uuid, 401, ""},  // still revoked
	} {
		status, _, h := do(t, uploadRequest(t, g, w.asset, tok, part{"data", w.asset + ".txt", "text/plain", "x"}))
		if status != w.status || h.Get("Retry-After") != w.header {
			t.Errorf("request %d: %d Retry-After %q, want %d %q", i, status, h.Get("Retry-After"), w.status, w.header)
		}
		if w.status == 429 && h.Get("X-RateLimit-ToWait-Sec") != "6" {
			t.Errorf("request %d: no X-RateLimit-ToWait-Sec", i)
		}
	}
	reqs := g.Requests()
	if f := reqs[1].Fault; f != "status 429" {
		t.Errorf("recorded fault = %q", f)
	}

	tok = login(t, g)
	g.Script(uuid, RateLimit(300, 0, 3600).WithHeader("X-RateLimit-ToWait-Sec", "9"), OK())
	status, _, h := do(t, uploadRequest(t, g, uuid, tok, goodPart()))
	if status != 200 || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Limit") != "300" ||
		h.Get("X-RateLimit-Window-Sec") != "3600" || h.Get("X-RateLimit-ToWait-Sec") != "9" {
		t.Errorf("rate-limited success: %d %v", status, h)
	}
	if status, _, h := do(t, uploadRequest(t, g, uuid, tok, goodPart())); status != 200 || h.Get("X-RateLimit-Remaining") != "" {
		t.Errorf("OK: %d %v", status, h)
	}

	g.Script(uuid, Reset())
	if resp, err := http.DefaultClient.Do(uploadRequest(t, g, uuid, tok, goodPart())); err == nil {
		_ = resp.Body.Close()
		t.Error("Reset: request succeeded")
	}
	g.ScriptAuth(Status(503, ""))
	if status, _, _ := do(t, authRequest(t, g, url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}, "token": {"true"}})); status != 503 {
		t.Errorf("scripted auth: %d, want 503", status)
	}
	if n := len(g.UploadsFor(uuid)); n != 2 {
		t.Errorf("uploads = %d, want 2", n)
	}
}

func TestDelayDoesNotBlockClose(t *testing.T) {
	g, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	tok := login(t, g)
	g.Script(uuid, Delay(time.Hour))
	errc := make(chan error, 1)
	req := uploadRequest(t, g, uuid, tok, goodPart())
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			err = errors.New("answered")
		}
		errc <- err
	}()
	// Wait until the handler has taken the fault, i.e. it is delaying.
	deadline := time.Now().Add(10 * time.Second)
	for {
		g.mu.Lock()
		n := len(g.scripts[uuid])
		g.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("delay fault never taken")
		}
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { g.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a delayed request")
	}
	if err := <-errc; err == nil {
		t.Error("delayed request got an answer")
	}
	g.Close() // idempotent
}

func TestStartLoopbackOnlyAndTLS(t *testing.T) {
	if _, err := Start("0.0.0.0:0"); err == nil {
		t.Error("Start accepted a non-loopback address")
	}
	g, err := StartTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	if !strings.HasPrefix(g.URL, "https://127.0.0.1:") {
		t.Errorf("URL = %s", g.URL)
	}
	ca := g.CAFile()
	pemData, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("CA file holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.PostForm(g.URL+"/auth", url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}, "token": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("auth over TLS = %d", resp.StatusCode)
	}
	g.Close()
	if _, err := os.Stat(ca); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CA file left after Close: %v", err)
	}
}
