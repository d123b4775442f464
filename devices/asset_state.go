package devices

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The asset state file: the asset UUIDs "collector assets provision" obtained, per device name.
// It lives beside the runs (<output_dir>/assets.json unless asset_state_file says otherwise) so
// that provisioning never rewrites the operator's YAML, and the inventory loader reads it for
// every device whose YAML has no asset_uuid.
const (
	AssetStateVersion     = 1
	DefaultAssetStateFile = "assets.json"
	maxAssetState         = 16 << 20
)

// AssetState is the content of the asset state file. The CLI writes it whole, atomically and
// 0600, as soon as each new UUID arrives, so a crash mid-way never loses an asset that exists in
// OCA (provisioning it again would create a second one).
type AssetState struct {
	Version int                    `json:"version"`
	Assets  map[string]AssetRecord `json:"assets"` // by device name
}

// AssetRecord is one device's asset: its UUID and what it was provisioned with, which OCA never
// changes afterwards (a device whose host_ip or technology changed gets a warning).
type AssetRecord struct {
	AssetUUID     string    `json:"asset_uuid"`
	HostIP        string    `json:"host_ip,omitempty"`
	Technology    string    `json:"technology,omitempty"`
	ProvisionedAt time.Time `json:"provisioned_at,omitzero"`
	// Status is the last provisioning status "collector assets status" saw.
	Status string `json:"status,omitempty"`
}

// NewAssetState returns an empty state.
func NewAssetState() *AssetState {
	return &AssetState{Version: AssetStateVersion, Assets: map[string]AssetRecord{}}
}

// ReadAssetState reads the asset state file at path. A missing file is an empty state (nothing
// provisioned yet); anything else that is wrong with it is returned as Problems naming the file,
// because a state file that cannot be trusted must stop a run rather than silently leave its
// devices without UUIDs.
func ReadAssetState(path string) (*AssetState, error) {
	b, err := readAssetStateFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// ENOTDIR: a file where the output directory should be cannot hold one either; the
		// run reports the output directory itself.
		return NewAssetState(), nil
	}
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var st AssetState
	if err := dec.Decode(&st); err != nil {
		return nil, Problems{jsonProblem(path, b, err)}
	}
	if dec.More() {
		return nil, Problems{{File: path, Message: "more than one JSON value; the asset state file is one object"}}
	}
	if st.Version != AssetStateVersion {
		return nil, Problems{{File: path, Path: "version", Message: fmt.Sprintf("unsupported version %d; must be %d", st.Version, AssetStateVersion)}}
	}
	var ps Problems
	owner := map[string]string{}
	names := make([]string, 0, len(st.Assets))
	for name := range st.Assets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		rec := st.Assets[name]
		p := "assets." + name
		if name == "" || strings.ContainsFunc(name, isSpaceOrSlash) {
			ps = append(ps, Problem{File: path, Path: p, Message: fmt.Sprintf("invalid device name %q", name)})
			continue
		}
		if !assetUUID.MatchString(rec.AssetUUID) {
			ps = append(ps, Problem{File: path, Path: p + ".asset_uuid", Message: fmt.Sprintf("malformed asset UUID %q; want 8-4-4-4-12 hex digits", rec.AssetUUID)})
			continue
		}
		rec.AssetUUID = strings.ToLower(rec.AssetUUID)
		if prev, dup := owner[rec.AssetUUID]; dup {
			ps = append(ps, Problem{File: path, Path: p + ".asset_uuid", Message: fmt.Sprintf("duplicate asset UUID %q (also device %q)", rec.AssetUUID, prev)})
			continue
		}
		owner[rec.AssetUUID] = name
		st.Assets[name] = rec
	}
	if len(ps) > 0 {
		return nil, ps
	}
	if st.Assets == nil {
		st.Assets = map[string]AssetRecord{}
	}
	return &st, nil
}

// WriteJSON writes the state as indented JSON, devices sorted by name, for WriteFileAtomic.
func (s *AssetState) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// readAssetStateFile reads the file whole, refusing what is not a regular file (a FIFO would
// block the loader forever).
func readAssetStateFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("cannot read asset state file: %s", reason(err))
	case !st.Mode().IsRegular():
		return nil, errors.New("cannot read asset state file: not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read asset state file: %s", reason(err))
	}
	defer func() { _ = f.Close() }() // opened read-only: a close error loses nothing
	b, err := io.ReadAll(io.LimitReader(f, maxAssetState+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read asset state file: %s", reason(err))
	}
	if len(b) > maxAssetState {
		return nil, fmt.Errorf("asset state file is larger than %d bytes", maxAssetState)
	}
	return b, nil
}

// jsonProblem positions a JSON decoding error at its line and column when it has an offset.
func jsonProblem(path string, data []byte, err error) Problem {
	p := Problem{File: path, Message: "invalid JSON: " + err.Error()}
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off >= 0 && off <= int64(len(data)) {
		before := data[:off]
		p.Line = bytes.Count(before, []byte("\n")) + 1
		p.Col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
		p.Col = max(p.Col, 1)
	}
	return p
}

// assetState reads the inventory's asset state file and gives each device whose YAML has no
// asset_uuid the one recorded for it. An asset UUID used twice across the inventory and the file
// is a problem; a device with no UUID anywhere, or whose recorded host IP or technology no longer
// matches, is a warning (it can still be validated, and provisioned).
func (d *decoder) assetState(inv *Inventory, top map[string]entry) {
	path := filepath.Join(inv.OutputDir, DefaultAssetStateFile)
	if e, ok := top["asset_state_file"]; ok {
		p, ok := d.pathField(e)
		if !ok {
			return
		}
		path = p
	} else if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	inv.AssetStateFile = path
	st, err := ReadAssetState(path)
	if err != nil {
		var ps Problems
		if !errors.As(err, &ps) {
			ps = Problems{{File: path, Message: err.Error()}}
		}
		d.problems = append(d.problems, ps...)
		return
	}
	byUUID := map[string]int{}
	for i := range inv.Devices {
		if dev := &inv.Devices[i]; dev.AssetUUID != "" {
			dev.AssetSource = AssetFromInventory
			byUUID[dev.AssetUUID] = i
		}
	}
	known := map[string]bool{}
	for i := range inv.Devices {
		dev := &inv.Devices[i]
		known[dev.Name] = true
		at := Problem{File: d.file, Line: dev.Line, Path: "devices[" + strconv.Itoa(i) + "]"}
		rec, ok := st.Assets[dev.Name]
		switch {
		case dev.AssetUUID != "" && ok && rec.AssetUUID != dev.AssetUUID:
			d.warnAt(at, fmt.Sprintf("asset_uuid %s differs from %s in the asset state file %s; the inventory's is used", dev.AssetUUID, rec.AssetUUID, path))
			continue
		case dev.AssetUUID != "":
		case ok:
			if j, dup := byUUID[rec.AssetUUID]; dup {
				d.problems = append(d.problems, Problem{File: path, Path: "assets." + dev.Name + ".asset_uuid",
					Message: fmt.Sprintf("asset UUID %q is also the asset_uuid of device %q (%s:%d)", rec.AssetUUID, inv.Devices[j].Name, d.file, inv.Devices[j].Line)})
				continue
			}
			byUUID[rec.AssetUUID] = i
			dev.AssetUUID, dev.AssetSource = rec.AssetUUID, AssetFromState
		default:
			d.warnAt(at, "no asset_uuid: run `collector assets provision`")
			continue
		}
		if ok && rec.HostIP != "" && dev.HostIP != "" && rec.HostIP != dev.HostIP {
			d.warnAt(at, fmt.Sprintf("host IP is %s, but asset %s was provisioned with %s, which OCA cannot change", dev.HostIP, dev.AssetUUID, rec.HostIP))
		}
		if ok && rec.Technology != "" && dev.Technology != "" && rec.Technology != dev.Technology {
			d.warnAt(at, fmt.Sprintf("technology is %q, but asset %s was provisioned as %q, which OCA cannot change", dev.Technology, dev.AssetUUID, rec.Technology))
		}
	}
	var orphans []string
	for name := range st.Assets {
		if !known[name] {
			orphans = append(orphans, name)
		}
	}
	slices.Sort(orphans)
	for _, name := range orphans {
		// Renaming a device orphans its entry: provisioning the new name would make a second
		// asset, so say so before anyone does.
		d.warnAt(Problem{File: path, Path: "assets." + name}, fmt.Sprintf(
			"device %q is not in the inventory; its asset %s is unused (renamed? move the entry to the new name)", name, st.Assets[name].AssetUUID))
	}
}

// warnAt records a warning at a position known without a YAML node.
func (d *decoder) warnAt(at Problem, msg string) {
	at.Message = msg
	d.warnings = append(d.warnings, at)
}
