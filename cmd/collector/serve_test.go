package main

// End-to-end test of "collector serve": the built binary as an agent on a unix socket, asked
// over its API to collect one device, reloaded with a broken inventory, stopped with SIGTERM.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oca-collector/collector/internal/runlock"
)

func TestE2EServe(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	web01 := f.addDevice("web01", nil)
	web02 := f.addDevice("web02", nil)
	f.writeInventory(invOptions{})
	token := "e2e-token-" + rand.Text()
	tokenFile := filepath.Join(f.home, "agent-token")
	writeFile(t, tokenFile, []byte(token+"\n"))
	sock := filepath.Join(f.home, "agent.sock")
	good := string(readFile(t, f.inv)) + fmt.Sprintf("agent:\n  socket: %s\n  token_file: %s\n", sock, tokenFile)
	writeFile(t, f.inv, []byte(good))

	ctx, cancel := context.WithTimeout(context.Background(), binTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := f.command(ctx, &stdout, &stderr, "serve", "-i", f.inv)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // a no-op once it has exited
		<-exited
	})

	client := &http.Client{Timeout: binTimeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	call := func(method, path, tok, body string) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, "http://agent"+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data
	}

	deadline := time.Now().Add(binTimeout)
	for {
		if code, _ := call("GET", "/healthz", "", ""); code == http.StatusOK {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("collector serve exited before serving: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("collector serve never answered /healthz")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, err := os.Lstat(sock); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v %v, want mode 0600", st, err)
	}
	if code, _ := call("POST", "/v1/collect", "", `{"device":"web01","wait":true}`); code != http.StatusUnauthorized {
		t.Errorf("collect without the token: %d, want 401", code)
	}

	code, body := call("POST", "/v1/collect", token, `{"device":"web01","wait":true}`)
	var run struct {
		Status string `json:"status"`
		RunDir string `json:"run_dir"`
		Report report `json:"report"`
	}
	if err := json.Unmarshal(body, &run); code != http.StatusOK || err != nil {
		t.Fatalf("collect web01: %d %v\n%s", code, err, body)
	}
	d := run.Report.device(t, "web01")
	if run.Status != "done" || d.Status != "ok" || d.Upload.Status != "uploaded" || len(run.Report.Devices) != 1 {
		t.Errorf("collect web01: %s", body)
	}
	f.checkUploaded(run.RunDir, web01)
	if got := string(readFile(t, filepath.Join(run.RunDir, web01.uuid+".txt"))); got != markersBulk("web01") {
		t.Errorf("bulk file:\n%s\nwant:\n%s", got, markersBulk("web01"))
	}
	if st := web02.srv.Stats(); st.Logins != 0 || len(f.gw.UploadsFor(web02.uuid)) != 0 {
		t.Errorf("web02 was contacted: %+v", st)
	}
	code, body = call("GET", "/v1/devices/web01", token, "")
	if code != http.StatusOK || !strings.Contains(string(body), `"status": "uploaded"`) {
		t.Errorf("device web01: %d\n%s", code, body)
	}

	// SIGHUP with a broken inventory: refused, the old one keeps serving.
	writeFile(t, f.inv, []byte(strings.Replace(good, "devices:\n", "devicez:\n", 1)))
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for {
		code, body = call("GET", "/v1/status", token, "")
		if strings.Contains(string(body), `"reload_error"`) {
			break
		}
		if code != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("status after SIGHUP: %d\n%s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body = call("GET", "/v1/devices/web02", token, ""); code != http.StatusOK {
		t.Errorf("web02 after a refused reload: %d\n%s", code, body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
		exited <- err // for the cleanup
	case <-ctx.Done():
		t.Fatalf("collector serve did not exit after SIGTERM\n%s", stderr.String())
	}
	r := f.finish(err, &stdout, &stderr)
	wantExit(t, r, exitOK)
	for _, want := range []string{"agent serving", "reload refused", `unknown key \"devicez\"`, "agent stopped"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, secret := range []string{token, f.qualysPW, f.devicePW} {
		if strings.Contains(r.stderr+r.stdout, secret) {
			t.Errorf("a secret is in the output:\n%s", r.stderr)
		}
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
	lock, err := runlock.Acquire(f.out)
	if err != nil {
		t.Fatalf("lock after exit: %v", err)
	}
	_ = lock.Release()
}
