package fakegateway

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Answers the real gateway documents (OCA-API.md).
const (
	// SuccessMessage is the message of a 200 upload answer.
	SuccessMessage = "Command Bulk Output Uploaded Successfully."
	// InvalidFileMessage is the message of the 400 answer to a malformed upload.
	InvalidFileMessage = "ERR-2070 - Invalid file format. Only txt file type is supported. Please upload a file appropriately"
)

var uploadPathRE = regexp.MustCompile(`^/ocaapi/v2\.0/asset/([^/]+)/command/bulk/output/PolicyCompliance$`)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// envelope is the gateway's error body.
func envelope(code int, message string) string {
	b, _ := json.Marshal(map[string]any{"_error": map[string]any{"code": code, "message": message}})
	return string(b)
}

// reply writes an answer; a body starting with '{' is sent as JSON, anything else as text.
func reply(w http.ResponseWriter, status int, body string, extra http.Header) int {
	for k, vs := range extra {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if strings.HasPrefix(body, "{") {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
	return status
}

// applyFault plays the generic faults (status, reset, delay). done means the request has been
// answered (or abandoned) and status is what was answered.
func (g *Gateway) applyFault(w http.ResponseWriter, r *http.Request, f Fault) (status int, done bool) {
	switch f.kind {
	case kindStatus:
		return reply(w, f.status, f.body, f.header), true
	case kindReset:
		resetConn(w)
		return 0, true
	case kindDelay:
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
			return 0, false
		case <-r.Context().Done():
		case <-g.closing:
		}
		return 0, true
	}
	return 0, false
}

// resetConn closes the request's connection with a TCP RST instead of an answer.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: aborts the stream
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// serveAuth is POST /auth: form username, password, token=true -> 201 and a JWT as plain text.
func (g *Gateway) serveAuth(w http.ResponseWriter, r *http.Request) (int, string) {
	g.mu.Lock()
	g.authCount++
	g.mu.Unlock()
	if r.Method != http.MethodPost {
		return reply(w, http.StatusMethodNotAllowed, envelope(http.StatusMethodNotAllowed, "Method Not Allowed"), nil), ""
	}
	var extra http.Header
	name := ""
	if f, ok := g.nextFault(authScript); ok {
		name = f.String()
		if f.kind == kindExpireToken {
			return reply(w, http.StatusUnauthorized, envelope(http.StatusUnauthorized, "Unauthorized"), f.header), name
		}
		if status, done := g.applyFault(w, r, f); done {
			return status, name
		}
		extra = f.header
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, "Content-Type must be application/x-www-form-urlencoded"), extra), name
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, "Malformed form"), extra), name
	}
	if r.PostForm.Get("token") != "true" {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, "token=true is required"), extra), name
	}
	// Credentials must come in the body, never in the URL.
	user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	if subtle.ConstantTimeCompare([]byte(user), []byte(g.opts.user)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(g.opts.pass)) != 1 {
		return reply(w, http.StatusUnauthorized, envelope(http.StatusUnauthorized, "Unauthorized"), extra), name
	}
	return reply(w, http.StatusCreated, g.issueToken(user), extra), name
}

// issueToken makes an HS256 JWT with sub, iat, exp and a unique jti, and remembers it.
func (g *Gateway) issueToken(user string) string {
	now := g.opts.now()
	exp := now.Add(g.opts.ttl).Unix()
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"sub": user, "iat": now.Unix(), "exp": exp, "jti": rand.Text()})
	signed := head + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, g.tokenKey)
	mac.Write([]byte(signed))
	tok := signed + "." + enc.EncodeToString(mac.Sum(nil))
	g.mu.Lock()
	g.tokens[tok] = time.Unix(exp, 0)
	g.mu.Unlock()
	return tok
}

func bearer(r *http.Request) string {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return v
}

func (g *Gateway) validToken(tok string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	exp, ok := g.tokens[tok]
	return ok && tok != "" && g.opts.now().Before(exp)
}

func (g *Gateway) revoke(tok string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.tokens, tok)
}

// serveUpload is the bulk upload. It reads the whole body first (so scripted answers arrive
// after the client has sent everything, like a buffering gateway), plays the asset's next
// fault, then checks token, headers and the multipart shape.
func (g *Gateway) serveUpload(w http.ResponseWriter, r *http.Request) (int, string) {
	uuid := uploadPathRE.FindStringSubmatch(r.URL.Path)[1]
	if r.Method != http.MethodPost {
		return reply(w, http.StatusMethodNotAllowed, envelope(http.StatusMethodNotAllowed, "Method Not Allowed"), nil), ""
	}
	if !uuidRE.MatchString(uuid) {
		return reply(w, http.StatusNotFound, envelope(http.StatusNotFound, "Asset not found"), nil), ""
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, "Cannot read request body"), nil), ""
	}
	if len(raw) > maxBodyBytes {
		return reply(w, http.StatusRequestEntityTooLarge, envelope(http.StatusRequestEntityTooLarge, "Request Entity Too Large"), nil), ""
	}
	status, name, extra, done := g.gate(w, r, uuid)
	if done {
		return status, name
	}
	flow := r.Header.Get("assetFlowType")
	if flow == "" {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, "assetFlowType header is required"), extra), name
	}
	filename, content, err := bulkPart(r.Header.Get("Content-Type"), raw)
	if err != nil || filename != uuid+".txt" {
		return reply(w, http.StatusBadRequest, envelope(http.StatusBadRequest, InvalidFileMessage), extra), name
	}
	g.mu.Lock()
	g.uploads = append(g.uploads, Upload{
		AssetUUID: uuid, Filename: filename, FlowType: flow, Body: content, Raw: raw,
		Header: r.Header.Clone(), Time: g.opts.now(),
	})
	g.mu.Unlock()
	ok, _ := json.Marshal(map[string]any{"code": http.StatusOK, "message": SuccessMessage})
	return reply(w, http.StatusOK, string(ok), extra), name
}

func acceptsJSON(values []string) bool {
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			if mt, _, err := mime.ParseMediaType(strings.TrimSpace(item)); err == nil && mt == "application/json" {
				return true
			}
		}
	}
	return false
}

// bulkPart checks the body is multipart/form-data with exactly one part, named "data", with a
// filename and type text/plain, and returns the filename and content.
func bulkPart(contentType string, raw []byte) (string, []byte, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", nil, errors.New("not multipart/form-data")
	}
	mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	p, err := mr.NextRawPart()
	if err != nil {
		return "", nil, err
	}
	// The raw filename, not p.FileName(), which strips directories.
	_, disp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil || p.FormName() != "data" || disp["filename"] == "" {
		return "", nil, errors.New("want one part named data with a filename")
	}
	if pt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type")); err != nil || pt != "text/plain" {
		return "", nil, errors.New("part type is not text/plain")
	}
	content, err := io.ReadAll(p)
	if err != nil {
		return "", nil, err
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		return "", nil, errors.New("more than one part")
	}
	return disp["filename"], content, nil
}

// gate applies the next scripted fault for key, then the checks every OCA call shares: a valid
// bearer token and an Accept header that allows JSON. done means the request was answered
// (status and the fault's name are for the request log); otherwise extra holds headers the
// fault adds to the normal answer.
func (g *Gateway) gate(w http.ResponseWriter, r *http.Request, key string) (status int, name string, extra http.Header, done bool) {
	if f, ok := g.nextFault(key); ok {
		name = f.String()
		if f.kind == kindExpireToken {
			g.revoke(bearer(r))
			return reply(w, http.StatusUnauthorized, envelope(http.StatusUnauthorized, "Unauthorized"), f.header), name, nil, true
		}
		if status, done := g.applyFault(w, r, f); done {
			return status, name, nil, true
		}
		extra = f.header
	}
	if !g.validToken(bearer(r)) {
		return reply(w, http.StatusUnauthorized, envelope(http.StatusUnauthorized, "Unauthorized"), extra), name, nil, true
	}
	if !acceptsJSON(r.Header.Values("Accept")) {
		return reply(w, http.StatusNotAcceptable, envelope(http.StatusNotAcceptable, "Accept must include application/json"), extra), name, nil, true
	}
	return 0, name, extra, false
}
