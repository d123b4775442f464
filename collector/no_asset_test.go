package collector

import (
	"context"
	"errors"
	"testing"

	"github.com/oca-collector/collector/internal/sshsim"
)

// A device not provisioned yet (no asset UUID) fails with class "asset" without being
// contacted; the rest of the fleet is collected and uploaded as usual.
func TestDeviceWithoutAssetUUIDNotContacted(t *testing.T) {
	f := newFleet(t)
	cmds := map[string]sshsim.Response{"id": sshsim.Stdout("uid=0\n")}
	waiting, dev := f.device("waiting", sshsim.Config{Commands: cmds}, "id")
	dev.AssetUUID = ""
	ready, _ := f.device("ready", sshsim.Config{Commands: cmds}, "id")
	up := &recordingUploader{}
	_, res := f.run(context.Background(), WithUploader(up, 1))
	if r := res[0]; r.Status != StatusFailed || !errors.Is(r.Err, ErrNoAsset) || ErrorClass(r.Err) != "asset" ||
		r.Attempts != 0 || r.BulkFile != "" || r.Upload.Status != UploadSkipped || r.Failed != 1 {
		t.Errorf("device without asset UUID: %+v", r)
	}
	if want := "no asset_uuid: run `collector assets provision` (device not contacted)"; res[0].Err == nil || res[0].Err.Error() != want {
		t.Errorf("error = %v, want %q", res[0].Err, want)
	}
	if st := waiting.Stats(); st.Connections != 0 {
		t.Errorf("the device without asset UUID was contacted: %+v", st)
	}
	if res[1].Status != StatusOK || res[1].Upload.Status != UploadUploaded || ready.Stats().Logins != 1 {
		t.Errorf("provisioned device: %s upload %s", res[1].Status, res[1].Upload.Status)
	}
	if len(up.sent) != 1 || up.sent[0] != res[1].Device.AssetUUID {
		t.Errorf("uploads sent = %q, want only the provisioned device's", up.sent)
	}
}
