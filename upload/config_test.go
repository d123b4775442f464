package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/fakegateway"
)

func TestNewRejectsBadConfig(t *testing.T) {
	ok := Config{Gateway: "https://gateway.qg1.apps.qualys.com", Username: "u", Password: "p"}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no gateway", func(c *Config) { c.Gateway = "" }, "gateway is empty"},
		{"plain http remote", func(c *Config) { c.Gateway = "http://gateway.example.com" }, "plain http"},
		{"credentials in URL", func(c *Config) { c.Gateway = "https://u:hunter2@gw.example.com" }, "must not contain credentials"},
		{"ftp", func(c *Config) { c.Gateway = "ftp://gw.example.com" }, "scheme must be https"},
		{"query", func(c *Config) { c.Gateway = "https://gw.example.com/?x=1" }, "without query"},
		{"no username", func(c *Config) { c.Username = "" }, "username is empty"},
		{"no password", func(c *Config) { c.Password = "" }, "password is empty"},
		{"negative attempts", func(c *Config) { c.MaxAttempts = -1 }, "negative max attempts"},
		{"flow type header injection", func(c *Config) { c.AssetFlowType = "X\r\nEvil: 1" }, "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error reveals the password: %v", err)
			}
		})
	}
	for _, gw := range []string{"https://gw.example.com/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"} {
		cfg := ok
		cfg.Gateway = gw
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%q): %v", gw, err)
		}
	}
}

func TestDefaultsApplied(t *testing.T) {
	c, err := New(Config{Gateway: "https://gw.example.com/base/", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	got := c.cfg
	if got.Gateway != "https://gw.example.com/base" || got.AssetFlowType != "DEFAULT" || got.Timeout != 60*time.Second ||
		got.MaxAttempts != 5 || got.MaxBackoff != 60*time.Second || got.BaseBackoff != time.Second {
		t.Errorf("defaults = %v", got)
	}
	if c.uploadURL(testUUID) != "https://gw.example.com/base/ocaapi/v2.0/asset/"+testUUID+"/command/bulk/output/PolicyCompliance" {
		t.Errorf("upload URL = %s", c.uploadURL(testUUID))
	}
}

// TestPasswordNeverRevealed drives every failure path that involves the password and checks
// that no error, log line or printed form of the config or client contains it.
func TestPasswordNeverRevealed(t *testing.T) {
	const secret = "S3cret-Passw0rd!"
	var outputs []string

	cfg := Config{Gateway: "https://gw.example.com", Username: "u", Password: secret}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logger.Info("config", "cfg", cfg)
	logger.Info("client", "client", c)
	outputs = append(outputs,
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%v", &cfg),
		fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", struct{ C Config }{cfg}))

	// Wrong password at the fake gateway (401 from /auth).
	e := newEnv(t, func(c *Config) { c.Password = secret; c.Logger = logger })
	_, err = e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x"))
	outputs = append(outputs, err.Error())

	// A gateway that echoes the request body (the form, password included) in its error answers.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		msg, _ := json.Marshal(map[string]any{"_error": map[string]any{"code": 401, "message": "bad login: " + string(body) + " " + secret}})
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(msg)
	}))
	t.Cleanup(echo.Close)
	textEcho := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "you sent "+secret)
	}))
	t.Cleanup(textEcho.Close)
	for _, url := range []string{echo.URL, textEcho.URL} {
		c, err := New(Config{Gateway: url, Username: "u", Password: secret, Logger: logger, Sleep: newFakeClock().Sleep})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.UploadFile(context.Background(), testUUID, writeBulk(t, "x"))
		if err == nil {
			t.Fatal("echoing gateway: no error")
		}
		outputs = append(outputs, err.Error())
	}

	// Unreachable gateway: transport errors.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	c2, err := New(Config{Gateway: dead.URL, Username: "u", Password: secret, Logger: logger, MaxAttempts: 2, Sleep: newFakeClock().Sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.UploadFile(context.Background(), testUUID, writeBulk(t, "x"))
	if !IsRetryable(err) {
		t.Errorf("unreachable gateway: err = %v, want retryable", err)
	}
	outputs = append(outputs, err.Error(), logBuf.String(), e.log.String())

	for _, s := range outputs {
		if strings.Contains(s, secret) || strings.Contains(s, "S3cret-Passw0rd%21") {
			t.Errorf("password revealed in %q", s)
		}
	}
	if !strings.Contains(outputs[0], "[REDACTED]") {
		t.Errorf("String() = %q, want the password shown as [REDACTED]", outputs[0])
	}
}

func TestFakeGatewayCredentialsOption(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Username, c.Password = "alice", "pw-alice" },
		fakegateway.WithCredentials("alice", "pw-alice"))
	if _, err := e.c.UploadFile(context.Background(), testUUID, writeBulk(t, "x")); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx on a canceled context = %v", err)
	}
	if err := sleepCtx(context.Background(), time.Millisecond); err != nil {
		t.Errorf("sleepCtx = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("sleepCtx took %s", d)
	}
}
