package fakegateway

import (
	"net/http"
	"time"
)

// Upload is an upload the gateway accepted (answered 200).
type Upload struct {
	AssetUUID string
	Filename  string
	FlowType  string      // the assetFlowType header
	Body      []byte      // the content of the "data" part: the bulk file
	Raw       []byte      // the whole request body as received, for byte-for-byte checks
	Header    http.Header // the request headers
	Time      time.Time
}

// Request is any request the gateway received, whatever the answer.
type Request struct {
	Method           string
	Path             string
	Header           http.Header
	ContentLength    int64    // -1 when unknown (chunked)
	TransferEncoding []string // ["chunked"] for a chunked body
	Status           int      // the status answered; 0 when the connection was reset or abandoned
	Fault            string   // the scripted fault applied, "" when none
	Time             time.Time
}

// Uploads returns every accepted upload, in order.
func (g *Gateway) Uploads() []Upload {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Upload(nil), g.uploads...)
}

// UploadsFor returns the accepted uploads of one asset, in order.
func (g *Gateway) UploadsFor(assetUUID string) []Upload {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Upload
	for _, u := range g.uploads {
		if u.AssetUUID == assetUUID {
			out = append(out, u)
		}
	}
	return out
}

// Requests returns every request received, in order of completion.
func (g *Gateway) Requests() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Request(nil), g.requests...)
}

// AuthCount returns how many requests reached /auth, accepted or not.
func (g *Gateway) AuthCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.authCount
}

// ExpireTokens makes every issued token invalid, as if they had all reached exp.
func (g *Gateway) ExpireTokens() {
	g.mu.Lock()
	defer g.mu.Unlock()
	clear(g.tokens)
}
