package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
)

// Asset statuses the gateway reports (GET /ocaapi/v2.0/asset/{uuid}/status).
const (
	StatusProvisionRequested = "Provision Requested"
	StatusProvisionConfirmed = "Provision Confirmed"
)

// assetType is the only manifest type this tool provisions for.
const assetType = "PolicyCompliance"

// maxTechnologyLen bounds a technology name; real ones are a few words.
const maxTechnologyLen = 128

// ErrOutcomeUnknown is wrapped when a call that must not be repeated (provisioning, which creates
// an asset each time) failed in a way that says nothing about whether the gateway acted on it: no
// answer after the request went out, or a 5xx other than 503. Repeating it blindly could create
// the asset twice; someone must check the subscription first.
var ErrOutcomeUnknown = errors.New("outcome unknown: the gateway may have acted on the request; check before repeating it")

// ErrInvalidAssetRequest is returned before anything is contacted when an AssetRequest cannot be
// valid (no IP address, no technology): the gateway's hostIP and technology cannot be changed
// once an asset exists, so nothing doubtful is sent.
var ErrInvalidAssetRequest = errors.New("invalid asset request")

// AssetRequest describes one asset to provision. HostIP and Technology are fixed for the asset's
// life in OCA: a wrong one means revoking the asset and provisioning it again.
type AssetRequest struct {
	HostIP     string // IPv4 or IPv6 address the subscription knows the device by
	Technology string // one of the subscription's OCA technology names, e.g. "Cisco IOS"
	DNSName    string // optional
}

// provisionBody is the JSON body of POST /ocaapi/v2.0/asset.
type provisionBody struct {
	HostIP     string `json:"hostIP"`
	Technology string `json:"technology"`
	Type       string `json:"type"`
	DNSName    string `json:"dnsName,omitempty"`
}

// check validates r and returns the body to send.
func (r AssetRequest) check() (provisionBody, error) {
	var errs []error
	addr, err := netip.ParseAddr(strings.TrimSpace(r.HostIP))
	if err != nil || addr.Zone() != "" {
		errs = append(errs, fmt.Errorf("host IP %q is not an IP address", r.HostIP))
	}
	tech := strings.TrimSpace(r.Technology)
	switch {
	case tech == "":
		errs = append(errs, errors.New("technology is empty"))
	case len(tech) > maxTechnologyLen || strings.ContainsFunc(tech, unicode.IsControl):
		errs = append(errs, fmt.Errorf("technology %q is not a technology name", tech))
	}
	dns := strings.TrimSpace(r.DNSName)
	if strings.ContainsFunc(dns, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) {
		errs = append(errs, fmt.Errorf("DNS name %q contains spaces or control characters", dns))
	}
	if len(errs) > 0 {
		return provisionBody{}, fmt.Errorf("%w: %w", ErrInvalidAssetRequest, errors.Join(errs...))
	}
	return provisionBody{HostIP: addr.Unmap().String(), Technology: tech, Type: assetType, DNSName: dns}, nil
}

// ProvisionAsset creates a PolicyCompliance asset and returns its UUID. It follows the upload's
// rules for 401 (one re-authentication), 429 (the server's wait, then retry) and other 4xx (an
// *APIError with the server's message, at once), but because provisioning is not idempotent it
// retries only failures the gateway certainly did not act on (429, 503, no connection): any
// other 5xx or a lost answer returns an error wrapping ErrOutcomeUnknown.
func (c *Client) ProvisionAsset(ctx context.Context, req AssetRequest) (string, error) {
	body, err := req.check()
	if err != nil {
		return "", fmt.Errorf("provision %s: %w", req.HostIP, err)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("provision %s: %w", body.HostIP, err)
	}
	label := "provision " + body.HostIP
	out, _, err := c.do(ctx, apiCall{
		what: "provision", label: label, idempotent: false,
		log: c.cfg.Logger.With(keyHostIP, body.HostIP, keyTechnology, body.Technology),
		send: func(ctx context.Context, tok string) outcome {
			return c.sendJSON(ctx, tok, http.MethodPost, c.cfg.Gateway+"/ocaapi/v2.0/asset", payload)
		},
	})
	if err != nil {
		return "", err
	}
	var ans struct {
		Data struct {
			AssetUUID string `json:"assetUUID"`
		} `json:"data"`
	}
	if jerr := json.Unmarshal(out.body, &ans); jerr != nil || !ValidAssetUUID(ans.Data.AssetUUID) {
		// The gateway said yes, so the asset probably exists: provisioning again could make a
		// second one.
		return "", fmt.Errorf("%s: %w: answer %d has no asset UUID in data.assetUUID: %q", label, ErrOutcomeUnknown,
			out.status, sanitize(string(out.body), c.cfg.Password, out.token))
	}
	return strings.ToLower(ans.Data.AssetUUID), nil
}

// AssetStatus returns an asset's provisioning status as the gateway words it, normally
// StatusProvisionRequested or StatusProvisionConfirmed. It is a read, so every retryable failure
// is retried as for uploads.
func (c *Client) AssetStatus(ctx context.Context, assetUUID string) (string, error) {
	if !ValidAssetUUID(assetUUID) {
		return "", fmt.Errorf("asset status %q: %w", assetUUID, ErrInvalidAssetUUID)
	}
	label := "asset status " + assetUUID
	u := c.cfg.Gateway + "/ocaapi/v2.0/asset/" + url.PathEscape(assetUUID) + "/status"
	out, _, err := c.do(ctx, apiCall{
		what: "asset status", label: label, idempotent: true,
		log: c.cfg.Logger.With(keyAsset, assetUUID),
		send: func(ctx context.Context, tok string) outcome {
			return c.sendJSON(ctx, tok, http.MethodGet, u, nil)
		},
	})
	if err != nil {
		return "", err
	}
	var ans struct {
		Data struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	status := ""
	if json.Unmarshal(out.body, &ans) == nil {
		status = sanitize(ans.Data.Status)
	}
	if status == "" {
		return "", fmt.Errorf("%s: answer %d has no data.status: %q", label, out.status,
			sanitize(string(out.body), c.cfg.Password, out.token))
	}
	return status, nil
}

// sendJSON makes one attempt of a JSON call; payload nil means no body (GET).
func (c *Client) sendJSON(ctx context.Context, tok, method, u string, payload []byte) outcome {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var req *http.Request
	var err error
	if payload != nil {
		req, err = http.NewRequestWithContext(actx, method, u, bytes.NewReader(payload))
	} else {
		req, err = http.NewRequestWithContext(actx, method, u, nil)
	}
	if err != nil {
		return outcome{err: err}
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	out := c.exchange(ctx, tok, req)
	if out.err == nil && out.bodyErr != nil {
		// Unlike an upload, the answer is the result: without it there is nothing to return.
		te := c.wrapTransport(ctx, fmt.Errorf("read answer: %w", out.bodyErr))
		out.err, out.retry, out.maybeDone = te, te.retry, true
	}
	return out
}
