package fakegateway

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// The asset calls (OCA-API.md): provision one asset, and its provisioning status.
const (
	provisionPath = "/ocaapi/v2.0/asset"

	// ProvisionScript is the Script key of POST /ocaapi/v2.0/asset; StatusScript that of
	// GET /ocaapi/v2.0/asset/{uuid}/status. Neither takes faults from the "" queue, which is
	// for uploads.
	ProvisionScript = "/asset"
	StatusScript    = "/asset/status"

	// ProvisionedMessage is the message of a 200 provisioning answer.
	ProvisionedMessage = "Asset provisioned successfully."

	statusRequested = "Provision Requested"
	statusConfirmed = "Provision Confirmed"
	assetType       = "PolicyCompliance"
	maxAssetBody    = 64 << 10
)

var assetStatusRE = regexp.MustCompile(`^/ocaapi/v2\.0/asset/([^/]+)/status$`)

func isAssetPath(p string) bool { return p == provisionPath || assetStatusRE.MatchString(p) }

// WithConfirmAfter sets how many status queries of an asset are answered "Provision Requested"
// before the gateway says "Provision Confirmed" (default 1: the first query sees Requested, the
// next Confirmed; 0 confirms at once). ConfirmAsset confirms one asset whatever the count.
func WithConfirmAfter(n int) Option { return func(o *options) { o.confirmAfter = max(n, 0) } }

// Asset is an asset the gateway knows: provisioned through the API or registered by a test.
type Asset struct {
	UUID       string
	HostIP     string
	Technology string
	DNSName    string
	Queries    int  // status queries answered
	Confirmed  bool // the status has reached "Provision Confirmed"
	Time       time.Time
}

// assetBook holds the gateway's assets, in creation order; guarded by Gateway.mu.
type assetBook struct {
	byUUID map[string]*Asset
	order  []string
}

func (b *assetBook) add(a Asset) {
	if b.byUUID == nil {
		b.byUUID = make(map[string]*Asset)
	}
	b.byUUID[a.UUID] = &a
	b.order = append(b.order, a.UUID)
}

// Assets returns every asset, in creation order.
func (g *Gateway) Assets() []Asset {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Asset, 0, len(g.assets.order))
	for _, id := range g.assets.order {
		out = append(out, *g.assets.byUUID[id])
	}
	return out
}

// RegisterAsset adds an asset as if it had been provisioned earlier (an inventory's own
// asset_uuid), so status queries for it are answered.
func (g *Gateway) RegisterAsset(uuid, hostIP, technology string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.assets.add(Asset{UUID: strings.ToLower(uuid), HostIP: hostIP, Technology: technology, Time: g.opts.now()})
}

// ConfirmAsset makes the asset's status "Provision Confirmed" from now on.
func (g *Gateway) ConfirmAsset(uuid string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if a, ok := g.assets.byUUID[strings.ToLower(uuid)]; ok {
		a.Confirmed = true
	}
}

// serveAsset plays the endpoint's next fault, then checks the token and Accept header like an
// upload, then answers the call.
func (g *Gateway) serveAsset(w http.ResponseWriter, r *http.Request) (int, string) {
	key, method := ProvisionScript, http.MethodPost
	if r.URL.Path != provisionPath {
		key, method = StatusScript, http.MethodGet
	}
	if r.Method != method {
		return reply(w, http.StatusMethodNotAllowed, envelope(http.StatusMethodNotAllowed, "Method Not Allowed"), nil), ""
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxAssetBody+1))
	if err != nil || len(raw) > maxAssetBody {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, "Cannot read request body"), nil), ""
	}
	status, name, extra, done := g.gate(w, r, key)
	if done {
		return status, name
	}
	if key == ProvisionScript {
		return g.provision(w, r.Header.Get("Content-Type"), raw, extra), name
	}
	return g.assetStatus(w, assetStatusRE.FindStringSubmatch(r.URL.Path)[1], extra), name
}

// provisionRequest is the documented body; unknown keys are refused.
type provisionRequest struct {
	HostIP     *string `json:"hostIP"`
	Technology *string `json:"technology"`
	Type       *string `json:"type"`
	DNSName    string  `json:"dnsName"`
	MAC        string  `json:"mac"`
	NetBIOS    string  `json:"netbios"`
}

// provision checks the body and creates the asset. What the real gateway does with a second
// asset for the same hostIP and technology is not documented, so it is created like any other:
// tests catch double provisioning by counting Assets.
func (g *Gateway) provision(w http.ResponseWriter, contentType string, raw []byte, extra http.Header) int {
	bad := func(msg string) int {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, msg), extra)
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/json" {
		return reply(w, http.StatusUnsupportedMediaType, envelope(http.StatusUnsupportedMediaType, "Content-Type must be application/json"), extra)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var req provisionRequest
	if err := dec.Decode(&req); err != nil || dec.More() {
		return bad("Invalid request body")
	}
	switch {
	case req.Type == nil || *req.Type != assetType:
		return bad("type must be PolicyCompliance")
	case req.HostIP == nil:
		return bad("hostIP is required")
	case req.Technology == nil || strings.TrimSpace(*req.Technology) == "":
		return bad("technology is required")
	}
	addr, err := netip.ParseAddr(*req.HostIP)
	if err != nil || addr.Zone() != "" {
		return bad(fmt.Sprintf("Invalid hostIP %q", *req.HostIP))
	}
	id := newUUID()
	g.mu.Lock()
	g.assets.add(Asset{UUID: id, HostIP: addr.String(), Technology: *req.Technology, DNSName: req.DNSName, Time: g.opts.now()})
	g.mu.Unlock()
	ok, _ := json.Marshal(map[string]any{"code": http.StatusOK, "message": ProvisionedMessage,
		"data": map[string]any{"assetUUID": id}})
	return reply(w, http.StatusOK, string(ok), extra)
}

// assetStatus answers "Provision Requested" for the first confirmAfter queries of an asset, then
// "Provision Confirmed".
func (g *Gateway) assetStatus(w http.ResponseWriter, uuid string, extra http.Header) int {
	g.mu.Lock()
	a, ok := g.assets.byUUID[strings.ToLower(uuid)]
	status := statusRequested
	if ok {
		a.Queries++
		if a.Confirmed || a.Queries > g.opts.confirmAfter {
			a.Confirmed, status = true, statusConfirmed
		}
	}
	g.mu.Unlock()
	if !ok {
		return reply(w, http.StatusNotFound, envelope(http.StatusNotFound, "Asset not found"), extra)
	}
	body, _ := json.Marshal(map[string]any{"code": http.StatusOK, "message": "Success",
		"data": map[string]any{"assetUUID": strings.ToLower(uuid), "status": status}})
	return reply(w, http.StatusOK, string(body), extra)
}

// newUUID makes a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
