package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/internal/sshdtest"
)

// TestPasswordAuth logs in with a password credential only (no key offered), through sshd's
// real password check against the shadow file, and then with a wrong password, which must fail
// the device as an authentication failure, once, without uploading anything.
func TestPasswordAuth(t *testing.T) {
	d := sshdtest.Start(t, sshdtest.Options{PasswordAuth: true})
	targets := targetsFor(t, d)
	cmds := []string{"id -un", "uname -a"}

	t.Run("ok", func(t *testing.T) {
		g, env := gatewayEnv(t)
		f := writeInventory(t, inventorySpec{
			Targets:    targets,
			Credential: map[string]any{"password_env": sshPasswordEnv},
			Commands:   cmds,
			KnownHosts: d.KnownHostsPath,
			Gateway:    g.URL,
		})
		before := sshdLogCount(t, d, "Accepted password for "+sshdtest.UserName)
		res := runCollector(t, f, mergeEnv(env, map[string]string{sshPasswordEnv: d.Password}))
		if res.Code != 0 {
			t.Fatalf("exit %d, want 0; stderr:\n%s", res.Code, res.Stderr)
		}
		dr := res.device(t, targets[0].Name)
		if dr.Status != collector.StatusOK || dr.Upload.Status != collector.UploadUploaded {
			t.Errorf("status %s (%s), upload %s, want ok and uploaded", dr.Status, dr.Error, dr.Upload.Status)
		}
		if got := sshdLogCount(t, d, "Accepted password for "+sshdtest.UserName) - before; got != 1 {
			t.Errorf("sshd logged %d password logins for this run, want 1", got)
		}
		tr := readTranscript(t, dr)
		if r := record(t, tr, "id -un"); string(r.Output) != sshdtest.UserName+"\n" {
			t.Errorf("id -un = %q, want %q", r.Output, sshdtest.UserName+"\n")
		}
		if len(g.Uploads()) != 1 {
			t.Errorf("%d uploads, want 1", len(g.Uploads()))
		}
		assertNoSecret(t, res, d.Password, "the SSH password")
	})

	t.Run("wrong password", func(t *testing.T) {
		g, env := gatewayEnv(t)
		f := writeInventory(t, inventorySpec{
			Targets:    targets,
			Credential: map[string]any{"password_env": sshPasswordEnv},
			Commands:   cmds,
			KnownHosts: d.KnownHostsPath,
			Gateway:    g.URL,
		})
		const wrong = "not-the-Password-0f-ocatest"
		res := runCollector(t, f, mergeEnv(env, map[string]string{sshPasswordEnv: wrong}))
		if res.Code != 1 {
			t.Fatalf("exit %d, want 1; stderr:\n%s", res.Code, res.Stderr)
		}
		dr := res.device(t, targets[0].Name)
		if dr.Status != collector.StatusFailed || dr.ErrorClass != "auth" {
			t.Errorf("status %s, error_class %q (%s), want failed, auth", dr.Status, dr.ErrorClass, dr.Error)
		}
		// A refused credential is not retried: another attempt cannot succeed and would only
		// bring the account closer to a lockout.
		if dr.Attempts != 1 {
			t.Errorf("attempts %d, want 1", dr.Attempts)
		}
		if dr.Upload.Status != collector.UploadSkipped || dr.BulkFile != "" {
			t.Errorf("upload %s, bulk file %q; want skipped and none", dr.Upload.Status, dr.BulkFile)
		}
		if n := len(g.Uploads()); n != 0 {
			t.Errorf("gateway accepted %d uploads, want none", n)
		}
		if _, err := os.Stat(filepath.Join(f.OutputDir, "spool", targets[0].AssetUUID+".txt")); err == nil {
			t.Errorf("a failed device's file is in the spool")
		}
		if !strings.Contains(res.Stderr, "failed") {
			t.Errorf("summary does not show the failure; stderr:\n%s", res.Stderr)
		}
		assertNoSecret(t, res, wrong, "the wrong SSH password")
	})
}
