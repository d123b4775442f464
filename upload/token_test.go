package upload

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"
)

func jwtWith(payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".c2ln"
}

func TestJWTExpiry(t *testing.T) {
	tests := []struct {
		name string
		tok  string
		want time.Time
		ok   bool
	}{
		{"exp", jwtWith(`{"sub":"u","exp":1796313600}`), time.Unix(1796313600, 0), true},
		{"float exp", jwtWith(`{"exp":1796313600.5}`), time.Unix(1796313600, 0), true},
		{"padded", "e30." + base64.URLEncoding.EncodeToString([]byte(`{"exp": 1796313600}`)) + ".c2ln", time.Unix(1796313600, 0), true},
		{"no exp", jwtWith(`{"sub":"u"}`), time.Time{}, false},
		{"string exp", jwtWith(`{"exp":"soon"}`), time.Time{}, false},
		{"not JSON", jwtWith(`exp`), time.Time{}, false},
		{"two parts", "abc.def", time.Time{}, false},
		{"not base64", "a.!!!.c", time.Time{}, false},
		{"opaque", "0123456789abcdef", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := jwtExpiry(tt.tok)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("jwtExpiry = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRenewTime(t *testing.T) {
	issued := time.Unix(1_700_000_000, 0)
	exp := func(d time.Duration) string {
		return jwtWith(`{"exp":` + strconv.FormatInt(issued.Add(d).Unix(), 10) + `}`)
	}
	tests := []struct {
		name string
		tok  string
		want time.Duration // after issued
	}{
		{"4h token: 5 min margin", exp(4 * time.Hour), 4*time.Hour - 5*time.Minute},
		{"10 min token: 10% margin", exp(10 * time.Minute), 9 * time.Minute},
		{"no exp: assume 4h", jwtWith(`{}`), 4*time.Hour - 5*time.Minute},
		{"exp in the past: assume 4h", exp(-time.Minute), 4*time.Hour - 5*time.Minute},
		{"opaque token: assume 4h", "opaque", 4*time.Hour - 5*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renewTime(tt.tok, issued).Sub(issued); got != tt.want {
				t.Errorf("renew after %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNewAPIError(t *testing.T) {
	e := newAPIError(400, []byte(`{"_error":{"code":400,"message":"ERR-2070 - Invalid file format."}}`), "")
	if e.Status != 400 || e.Code != 400 || e.ErrCode != "ERR-2070" || e.Message != "ERR-2070 - Invalid file format." {
		t.Errorf("APIError = %+v", e)
	}
	long := make([]byte, 2000)
	for i := range long {
		long[i] = 'a'
	}
	e = newAPIError(502, long, "")
	if len(e.Message) != maxMessageBytes || e.ErrCode != "" || e.Code != 0 {
		t.Errorf("long body: len(Message) = %d, %+v", len(e.Message), e.ErrCode)
	}
	e = newAPIError(500, []byte("line1\r\nline2\x1b[31m\x00é"), "")
	if e.Message != "line1  line2[31mé" {
		t.Errorf("sanitised message = %q", e.Message)
	}
	if got := (&APIError{Status: 503}).Error(); got != "OCA API 503: Service Unavailable" {
		t.Errorf("Error() = %q", got)
	}
}
