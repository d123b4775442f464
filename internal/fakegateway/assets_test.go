package fakegateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func provisionRequestOf(t *testing.T, g *Gateway, token, contentType, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.URL+"/ocaapi/v2.0/asset", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", contentType)
	return req
}

func statusRequestOf(t *testing.T, g *Gateway, token, id string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, g.URL+"/ocaapi/v2.0/asset/"+id+"/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	return req
}

type assetAnswer struct {
	Data struct {
		AssetUUID string `json:"assetUUID"`
		Status    string `json:"status"`
	} `json:"data"`
}

func TestProvisionAndStatus(t *testing.T) {
	g := New(t, WithConfirmAfter(2))
	tok := login(t, g)
	status, body, _ := do(t, provisionRequestOf(t, g, tok, "application/json",
		`{"hostIP":"10.0.0.5","technology":"Cisco IOS","type":"PolicyCompliance","dnsName":"sw1.example.net"}`))
	if status != http.StatusOK {
		t.Fatalf("provision = %d %s", status, body)
	}
	var ans assetAnswer
	if err := json.Unmarshal([]byte(body), &ans); err != nil || !uuidRE.MatchString(ans.Data.AssetUUID) {
		t.Fatalf("provision answer %s: no asset UUID (%v)", body, err)
	}
	id := ans.Data.AssetUUID
	as := g.Assets()
	if len(as) != 1 || as[0].UUID != id || as[0].HostIP != "10.0.0.5" || as[0].Technology != "Cisco IOS" || as[0].DNSName != "sw1.example.net" {
		t.Fatalf("assets = %+v", as)
	}

	for i, want := range []string{"Provision Requested", "Provision Requested", "Provision Confirmed", "Provision Confirmed"} {
		status, body, _ := do(t, statusRequestOf(t, g, tok, id))
		ans = assetAnswer{}
		if status != http.StatusOK || json.Unmarshal([]byte(body), &ans) != nil || ans.Data.Status != want {
			t.Errorf("status query %d = %d %s, want %q", i+1, status, body, want)
		}
	}

	if status, body, _ := do(t, statusRequestOf(t, g, tok, uuid)); status != http.StatusNotFound || !strings.Contains(body, `"_error"`) {
		t.Errorf("status of an unknown asset = %d %s, want 404 envelope", status, body)
	}
}

func TestConfirmAssetAndRegister(t *testing.T) {
	g := New(t)
	tok := login(t, g)
	g.RegisterAsset(strings.ToUpper(uuid), "10.0.0.9", "Linux")
	g.ConfirmAsset(uuid)
	status, body, _ := do(t, statusRequestOf(t, g, tok, uuid))
	if status != http.StatusOK || !strings.Contains(body, `"status":"Provision Confirmed"`) {
		t.Errorf("status = %d %s, want Confirmed", status, body)
	}
}

func TestProvisionRefusals(t *testing.T) {
	g := New(t)
	tok := login(t, g)
	tests := []struct {
		name, token, contentType, body string
		status                         int
		message                        string
	}{
		{"no token", "", "application/json", `{"hostIP":"10.0.0.1","technology":"Linux","type":"PolicyCompliance"}`, 401, "Unauthorized"},
		{"form body", tok, "application/x-www-form-urlencoded", `hostIP=10.0.0.1`, 415, "Content-Type must be application/json"},
		{"wrong type", tok, "application/json", `{"hostIP":"10.0.0.1","technology":"Linux","type":"VM"}`, 400, "type must be PolicyCompliance"},
		{"no type", tok, "application/json", `{"hostIP":"10.0.0.1","technology":"Linux"}`, 400, "type must be PolicyCompliance"},
		{"bad IP", tok, "application/json", `{"hostIP":"sw1.example.net","technology":"Linux","type":"PolicyCompliance"}`, 400, `Invalid hostIP "sw1.example.net"`},
		{"no IP", tok, "application/json", `{"technology":"Linux","type":"PolicyCompliance"}`, 400, "hostIP is required"},
		{"empty technology", tok, "application/json", `{"hostIP":"10.0.0.1","technology":" ","type":"PolicyCompliance"}`, 400, "technology is required"},
		{"unknown key", tok, "application/json", `{"hostIP":"10.0.0.1","technology":"Linux","type":"PolicyCompliance","os":"x"}`, 400, "Invalid request body"},
		{"two documents", tok, "application/json", `{"hostIP":"10.0.0.1","technology":"Linux","type":"PolicyCompliance"}{}`, 400, "Invalid request body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := do(t, provisionRequestOf(t, g, tt.token, tt.contentType, tt.body))
			var env struct {
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"_error"`
			}
			if status != tt.status || json.Unmarshal([]byte(body), &env) != nil || env.Error.Code != tt.status || env.Error.Message != tt.message {
				t.Errorf("= %d %s, want %d with message %q", status, body, tt.status, tt.message)
			}
		})
	}
	if as := g.Assets(); len(as) != 0 {
		t.Errorf("refused requests created assets: %+v", as)
	}
}

func TestAssetScripts(t *testing.T) {
	g := New(t)
	tok := login(t, g)
	g.Script("", Status(500, "")) // the "" queue is for uploads only
	g.Script(ProvisionScript, TooManyRequests("3", ""))
	body := `{"hostIP":"10.0.0.1","technology":"Linux","type":"PolicyCompliance"}`
	status, _, h := do(t, provisionRequestOf(t, g, tok, "application/json", body))
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "3" {
		t.Fatalf("scripted provision = %d (Retry-After %q), want 429 with Retry-After 3", status, h.Get("Retry-After"))
	}
	status, ansBody, _ := do(t, provisionRequestOf(t, g, tok, "application/json", body))
	var ans assetAnswer
	if status != http.StatusOK || json.Unmarshal([]byte(ansBody), &ans) != nil {
		t.Fatalf("provision after the fault = %d %s", status, ansBody)
	}
	g.Script(StatusScript, ExpireToken())
	if status, _, _ := do(t, statusRequestOf(t, g, tok, ans.Data.AssetUUID)); status != http.StatusUnauthorized {
		t.Errorf("scripted status = %d, want 401", status)
	}
	if status, _, _ := do(t, statusRequestOf(t, g, tok, ans.Data.AssetUUID)); status != http.StatusUnauthorized {
		t.Errorf("status with the expired token = %d, want 401", status)
	}
	reqs := g.Requests()
	if last := reqs[len(reqs)-1]; last.Path != "/ocaapi/v2.0/asset/"+ans.Data.AssetUUID+"/status" || last.Status != 401 || last.Fault != "" {
		t.Errorf("last request recorded as %+v", last)
	}
}
