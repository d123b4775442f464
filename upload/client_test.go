package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/fakegateway"
)

func TestUploadRequestExactlyAsDocumented(t *testing.T) {
	const content = "### BEGIN COMMAND: uname -a\nLinux web01\n### END COMMAND: uname -a\n"
	type captured struct {
		method, path, rawQuery string
		header                 http.Header
		contentLength          int64
		transferEncoding       []string
		body                   []byte
		form                   url.Values
	}
	var mu sync.Mutex
	var auth, up []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := captured{method: r.Method, path: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, header: r.Header.Clone(),
			contentLength: r.ContentLength, transferEncoding: r.TransferEncoding, body: body}
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/auth" {
			c.form, _ = url.ParseQuery(string(body))
			auth = append(auth, c)
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "  header.payload.sig\r\n") // whitespace around the token is trimmed
			return
		}
		up = append(up, c)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":200,"message":"Command Bulk Output Uploaded Successfully."}`)
	}))
	t.Cleanup(srv.Close)

	c, err := New(Config{Gateway: srv.URL + "/", Username: "u1", Password: "p&ss=w0rd", Sleep: newFakeClock().Sleep})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.UploadFile(context.Background(), testUUID, writeBulk(t, content))
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	if res.Attempts != 1 || res.Message != "Command Bulk Output Uploaded Successfully." {
		t.Errorf("result = %+v", res)
	}

	if len(auth) != 1 {
		t.Fatalf("auth requests = %d, want 1", len(auth))
	}
	a := auth[0]
	if a.method != http.MethodPost || a.path != "/auth" || a.rawQuery != "" {
		t.Errorf("auth request = %s %s?%s", a.method, a.path, a.rawQuery)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("auth Content-Type = %q", ct)
	}
	wantForm := url.Values{"username": {"u1"}, "password": {"p&ss=w0rd"}, "token": {"true"}}
	if fmt.Sprint(a.form) != fmt.Sprint(wantForm) {
		t.Errorf("auth form = %v, want %v", a.form, wantForm)
	}

	if len(up) != 1 {
		t.Fatalf("upload requests = %d, want 1", len(up))
	}
	u := up[0]
	if u.method != http.MethodPost || u.path != "/ocaapi/v2.0/asset/"+testUUID+"/command/bulk/output/PolicyCompliance" {
		t.Errorf("upload request = %s %s", u.method, u.path)
	}
	for k, want := range map[string]string{
		"Authorization": "Bearer header.payload.sig",
		"Assetflowtype": "DEFAULT",
		"Accept":        "application/json",
	} {
		if got := u.header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	mt, params, err := mime.ParseMediaType(u.header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q", u.header.Get("Content-Type"))
	}
	b := params["boundary"]
	want := "--" + b + "\r\n" +
		`Content-Disposition: form-data; name="data"; filename="` + testUUID + `.txt"` + "\r\n" +
		"Content-Type: text/plain\r\n" +
		"\r\n" +
		content +
		"\r\n--" + b + "--\r\n"
	if string(u.body) != want {
		t.Errorf("multipart body:\n got %q\nwant %q", u.body, want)
	}
	if u.contentLength != int64(len(want)) || len(u.transferEncoding) != 0 {
		t.Errorf("Content-Length = %d, Transfer-Encoding = %v; want %d and none", u.contentLength, u.transferEncoding, len(want))
	}
}

func TestUploadAgainstFakeGatewayRecordsFile(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AssetFlowType = "CUSTOM_FLOW" })
	const content = "line 1\nline 2\n"
	if _, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, content)); err != nil {
		t.Fatal(err)
	}
	ups := e.gw.UploadsFor(testUUID)
	if len(ups) != 1 || string(ups[0].Body) != content || ups[0].FlowType != "CUSTOM_FLOW" || ups[0].Filename != testUUID+".txt" {
		t.Fatalf("uploads = %+v", ups)
	}
}

func TestTokenCachedAcrossUploads(t *testing.T) {
	e := newEnv(t, nil)
	path := writeBulk(t, "x\n")
	for i := 0; i < 3; i++ {
		if _, err := e.c.UploadFile(context.Background(), testUUID, path); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.gw.AuthCount(); n != 1 {
		t.Errorf("AuthCount = %d, want 1", n)
	}
	if n := len(e.gw.Uploads()); n != 3 {
		t.Errorf("uploads = %d, want 3", n)
	}
}

func TestConcurrentUploadsShareOneTokenFetch(t *testing.T) {
	e := newEnv(t, nil)
	// Hold /auth long enough that every upload asks for a token while the first fetch runs.
	e.gw.ScriptAuth(fakegateway.Delay(100 * time.Millisecond))
	path := writeBulk(t, "x\n")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.c.UploadFile(context.Background(), testUUID, path)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := e.gw.AuthCount(); n != 1 {
		t.Errorf("AuthCount = %d, want 1", n)
	}
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	// 1 h tokens: renewed when fewer than min(5 min, 6 min) remain, i.e. after 55 min.
	e := newEnv(t, nil, fakegateway.WithTokenTTL(time.Hour))
	path := writeBulk(t, "x\n")
	upload := func() {
		t.Helper()
		if _, err := e.c.UploadFile(context.Background(), testUUID, path); err != nil {
			t.Fatal(err)
		}
	}
	upload()
	e.clock.Advance(54 * time.Minute)
	upload()
	if n := e.gw.AuthCount(); n != 1 {
		t.Fatalf("AuthCount after 54 min = %d, want 1", n)
	}
	e.clock.Advance(2 * time.Minute)
	upload()
	if n := e.gw.AuthCount(); n != 2 {
		t.Fatalf("AuthCount after 56 min = %d, want 2", n)
	}
	// Every upload carried a token the gateway accepted: no 401 on the way.
	for _, r := range e.gw.Requests() {
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
}

func TestReauthenticatesOnceAfter401(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.Script(testUUID, fakegateway.ExpireToken())
	res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || e.gw.AuthCount() != 2 || len(e.gw.Uploads()) != 1 {
		t.Errorf("attempts = %d, auth = %d, uploads = %d; want 2, 2, 1", res.Attempts, e.gw.AuthCount(), len(e.gw.Uploads()))
	}
	if len(e.clock.Sleeps()) != 0 {
		t.Errorf("re-authentication waited %v", e.clock.Sleeps())
	}
}

func TestSecond401IsErrAuth(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.Script(testUUID, fakegateway.Times(2, fakegateway.ExpireToken()))
	res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
	if !errors.Is(err, ErrAuth) || IsRetryable(err) {
		t.Fatalf("err = %v; want ErrAuth, not retryable", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 {
		t.Errorf("err = %v; want an APIError 401 inside", err)
	}
	if res.Attempts != 2 || e.gw.AuthCount() != 2 {
		t.Errorf("attempts = %d, auth = %d; want 2, 2", res.Attempts, e.gw.AuthCount())
	}
}

func TestConcurrent401sReauthenticateOnce(t *testing.T) {
	e := newEnv(t, nil)
	path := writeBulk(t, "x\n")
	if _, err := e.c.UploadFile(context.Background(), testUUID, path); err != nil {
		t.Fatal(err)
	}
	e.gw.ExpireTokens()
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.c.UploadFile(context.Background(), testUUID, path); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := e.gw.AuthCount(); n != 2 {
		t.Errorf("AuthCount = %d, want 2 (one initial, one shared re-authentication)", n)
	}
}

func TestAuthRefusedIsErrAuth(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Password = "wrong-Password-123" })
	res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
	if !errors.Is(err, ErrAuth) || IsRetryable(err) {
		t.Fatalf("err = %v; want ErrAuth", err)
	}
	if res.Attempts != 1 || e.gw.AuthCount() != 1 || uploadRequests(e.gw) != 0 {
		t.Errorf("attempts = %d, auth = %d, uploads = %d; want 1, 1, 0", res.Attempts, e.gw.AuthCount(), uploadRequests(e.gw))
	}
	if strings.Contains(err.Error(), "wrong-Password-123") {
		t.Errorf("error reveals the password: %v", err)
	}
}

func TestAuthServerErrorRetried(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.ScriptAuth(fakegateway.Status(503, ""))
	res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || e.gw.AuthCount() != 2 || len(e.clock.Sleeps()) != 1 {
		t.Errorf("attempts = %d, auth = %d, sleeps = %v", res.Attempts, e.gw.AuthCount(), e.clock.Sleeps())
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	tests := []struct {
		name        string
		fault       fakegateway.Fault
		status      int
		errCode     string
		message     string
		errorString string
	}{
		{
			name:        "400 ERR-2070",
			fault:       fakegateway.Status(400, `{"_error":{"code":400,"message":"`+fakegateway.InvalidFileMessage+`"}}`),
			status:      400,
			errCode:     "ERR-2070",
			message:     fakegateway.InvalidFileMessage,
			errorString: "OCA API 400: " + fakegateway.InvalidFileMessage,
		},
		{name: "403", fault: fakegateway.Status(403, ""), status: 403, message: "Forbidden", errorString: "OCA API 403: Forbidden"},
		{name: "404", fault: fakegateway.Status(404, `{"_error":{"code":404,"message":"ERR-1003 - Asset not found"}}`),
			status: 404, errCode: "ERR-1003", message: "ERR-1003 - Asset not found", errorString: "OCA API 404: ERR-1003 - Asset not found"},
		{name: "413 not JSON", fault: fakegateway.Status(413, "<html>\x00too\tlarge\n</html>"), status: 413,
			message: "<html>too large </html>", errorString: "OCA API 413: <html>too large </html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.gw.Script(testUUID, tt.fault)
			res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v; want *APIError", err)
			}
			if IsRetryable(err) || errors.Is(err, ErrAuth) {
				t.Errorf("err = %v; want neither retryable nor ErrAuth", err)
			}
			if apiErr.Status != tt.status || apiErr.ErrCode != tt.errCode || apiErr.Message != tt.message {
				t.Errorf("APIError = %+v", apiErr)
			}
			if apiErr.Error() != tt.errorString {
				t.Errorf("Error() = %q, want %q", apiErr.Error(), tt.errorString)
			}
			if res.Attempts != 1 || uploadRequests(e.gw) != 1 || len(e.clock.Sleeps()) != 0 {
				t.Errorf("attempts = %d, requests = %d, sleeps = %v; want one attempt", res.Attempts, uploadRequests(e.gw), e.clock.Sleeps())
			}
		})
	}
}

func TestTooManyRequestsHonoursServerWait(t *testing.T) {
	tests := []struct {
		name  string
		fault fakegateway.Fault
		want  time.Duration
	}{
		{"Retry-After seconds", fakegateway.TooManyRequests("7", ""), 7 * time.Second},
		{"X-RateLimit-ToWait-Sec", fakegateway.TooManyRequests("", "3"), 3 * time.Second},
		{"Retry-After wins", fakegateway.TooManyRequests("2", "9"), 2 * time.Second},
		{"Retry-After date", fakegateway.TooManyRequests(newFakeClock().Now().Add(90*time.Second).Format(http.TimeFormat), ""), 90 * time.Second},
		{"capped at 10 min", fakegateway.TooManyRequests("86400", ""), 10 * time.Minute},
		{"503 Retry-After", fakegateway.Status(503, "").WithHeader("Retry-After", "4"), 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.gw.Script(testUUID, tt.fault)
			res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Attempts != 2 {
				t.Errorf("attempts = %d, want 2", res.Attempts)
			}
			if s := e.clock.Sleeps(); len(s) != 1 || s[0] != tt.want {
				t.Errorf("sleeps = %v, want [%s]", s, tt.want)
			}
		})
	}
}

func TestServerWaitBeyondDeadlineGivesUpAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.Script(testUUID, fakegateway.TooManyRequests("120", ""))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.c.UploadFile(ctx, testUUID, writeBulk(t, "x\n"))
	if !IsRetryable(err) {
		t.Fatalf("err = %v; want retryable", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 429 || apiErr.RetryAfter != 2*time.Minute {
		t.Errorf("err = %v; want the 429 APIError with RetryAfter 2m inside", err)
	}
	if res.Attempts != 1 || len(e.clock.Sleeps()) != 0 {
		t.Errorf("attempts = %d, sleeps = %v; want 1 attempt, no wait", res.Attempts, e.clock.Sleeps())
	}
}

func TestRateLimitRemainingZeroPausesNextUpload(t *testing.T) {
	tests := []struct {
		name  string
		fault fakegateway.Fault
		want  time.Duration
	}{
		{"ToWait-Sec", fakegateway.RateLimit(300, 0, 3600).WithHeader("X-RateLimit-ToWait-Sec", "12"), 12 * time.Second},
		{"window only, capped", fakegateway.RateLimit(300, 0, 3600), 10 * time.Minute},
		{"window", fakegateway.RateLimit(300, 0, 60), time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.gw.Script("", tt.fault)
			path := writeBulk(t, "x\n")
			for _, id := range []string{testUUID, testUUID2} {
				if _, err := e.c.UploadFile(context.Background(), id, path); err != nil {
					t.Fatal(err)
				}
			}
			if s := e.clock.Sleeps(); len(s) != 1 || s[0] != tt.want {
				t.Errorf("sleeps = %v, want [%s] before the second upload", s, tt.want)
			}
		})
	}
	t.Run("remaining above zero", func(t *testing.T) {
		e := newEnv(t, nil)
		e.gw.Script("", fakegateway.RateLimit(300, 5, 3600))
		path := writeBulk(t, "x\n")
		for i := 0; i < 2; i++ {
			if _, err := e.c.UploadFile(context.Background(), testUUID, path); err != nil {
				t.Fatal(err)
			}
		}
		if s := e.clock.Sleeps(); len(s) != 0 {
			t.Errorf("sleeps = %v, want none", s)
		}
	})
}

func TestServerErrorThenSuccess(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.Script(testUUID, fakegateway.Status(503, ""))
	res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || len(e.gw.Uploads()) != 1 {
		t.Errorf("attempts = %d, uploads = %d", res.Attempts, len(e.gw.Uploads()))
	}
	if s := e.clock.Sleeps(); len(s) != 1 || s[0] < 0 || s[0] > time.Second {
		t.Errorf("sleeps = %v, want one backoff within [0, 1s]", s)
	}
	if !strings.Contains(e.log.String(), `"status":503`) || !strings.Contains(e.log.String(), `"attempt":1`) {
		t.Errorf("retry not logged with status and attempt: %s", e.log.String())
	}
}

func TestConnectionResetRetried(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.Script(testUUID, fakegateway.Reset())
	res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || len(e.gw.Uploads()) != 1 {
		t.Errorf("attempts = %d, uploads = %d; want 2, 1", res.Attempts, len(e.gw.Uploads()))
	}
}

func TestSlowGatewayTimesOutPerAttempt(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Timeout = 150 * time.Millisecond
		c.MaxAttempts = 2
	})
	path := writeBulk(t, "x\n")
	// Get the token first, so the timeouts are the upload's.
	if _, err := e.c.UploadFile(context.Background(), testUUID, path); err != nil {
		t.Fatal(err)
	}
	e.gw.Script(testUUID, fakegateway.Times(2, fakegateway.Delay(time.Minute)))
	start := time.Now()
	res, err := e.c.UploadFile(context.Background(), testUUID, path)
	if !IsRetryable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want retryable timeout", err)
	}
	if res.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", res.Attempts)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s; the per-attempt timeout did not apply", d)
	}
}

func TestAttemptsExhausted(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 4 })
	e.gw.Script(testUUID, fakegateway.Times(4, fakegateway.Status(500, `{"_error":{"code":500,"message":"Internal Server Error"}}`)))
	res, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x\n"))
	if !IsRetryable(err) {
		t.Fatalf("err = %v; want retryable", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Errorf("err = %v; want the last APIError inside", err)
	}
	if res.Attempts != 4 || uploadRequests(e.gw) != 4 {
		t.Errorf("attempts = %d, requests = %d; want 4", res.Attempts, uploadRequests(e.gw))
	}
	s := e.clock.Sleeps()
	if len(s) != 3 {
		t.Fatalf("sleeps = %v, want 3", s)
	}
	for i, d := range s {
		if limit := min(time.Second<<i, 8*time.Second); d < 0 || d > limit {
			t.Errorf("backoff %d = %s, want within [0, %s]", i+1, d, limit)
		}
	}
}

func TestBackoffCapped(t *testing.T) {
	c := &Client{cfg: Config{BaseBackoff: time.Second, MaxBackoff: 5 * time.Second}}
	for n := 1; n <= 70; n++ {
		if d := c.backoff(n); d < 0 || d > 5*time.Second {
			t.Fatalf("backoff(%d) = %s, outside [0, 5s]", n, d)
		}
	}
}

func TestCanceledContextStopsRetries(t *testing.T) {
	e := newEnv(t, nil)
	e.gw.Script(testUUID, fakegateway.Status(503, ""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.c.UploadFile(ctx, testUUID, writeBulk(t, "x\n"))
	if !errors.Is(err, context.Canceled) || !IsRetryable(err) {
		t.Fatalf("err = %v; want canceled and retryable (the file stays pending)", err)
	}
}

func TestInvalidInputsRefusedBeforeContact(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.c.UploadFile(context.Background(), "../../etc/passwd", writeBulk(t, "x")); !errors.Is(err, ErrInvalidAssetUUID) {
		t.Errorf("bad uuid: err = %v", err)
	}
	if _, err := e.c.UploadFile(context.Background(), testUUID, "/nonexistent/bulk.txt"); err == nil || IsRetryable(err) {
		t.Errorf("missing file: err = %v", err)
	}
	if n := len(e.gw.Requests()); n != 0 {
		t.Errorf("gateway got %d requests", n)
	}
}

func TestTLSVerified(t *testing.T) {
	gw := fakegateway.NewTLS(t)
	path := writeBulk(t, "x\n")
	cfg := Config{Gateway: gw.URL, Username: fakegateway.DefaultUsername, Password: fakegateway.DefaultPassword,
		Sleep: newFakeClock().Sleep}

	t.Run("with CA file", func(t *testing.T) {
		cfg := cfg
		cfg.CAFile = gw.CAFile()
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UploadFile(context.Background(), testUUID, path); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("without CA file", func(t *testing.T) {
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.UploadFile(context.Background(), testUUID, path)
		if err == nil || IsRetryable(err) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v; want a final certificate error", err)
		}
		if res.Attempts != 1 {
			t.Errorf("attempts = %d, want 1", res.Attempts)
		}
	})
	t.Run("bad CA file", func(t *testing.T) {
		cfg := cfg
		cfg.CAFile = writeBulk(t, "not a certificate")
		if _, err := New(cfg); err == nil {
			t.Fatal("New accepted a CA file without certificates")
		}
	})
	if n := len(gw.Uploads()); n != 1 {
		t.Errorf("uploads = %d, want 1", n)
	}
}
