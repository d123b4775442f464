package devices

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

var uploadKeys = []string{
	"gateway", "username", "username_env", "password", "password_env", "password_file",
	"asset_flow_type", "concurrency", "timeout", "ca_file", "max_attempts", "max_backoff",
}

const (
	defaultAssetFlowType = "DEFAULT"
	defaultUploadConc    = 2
	defaultUploadTimeout = 60 * time.Second
	defaultMaxAttempts   = 5
	defaultMaxBackoff    = 60 * time.Second
)

// upload decodes the upload section. It is returned even when it has problems (they fail the
// load anyway); nil means only that the section is absent.
func (d *decoder) upload(ue entry) *Upload {
	u := &Upload{AssetFlowType: defaultAssetFlowType, Concurrency: defaultUploadConc, Timeout: defaultUploadTimeout,
		MaxAttempts: defaultMaxAttempts, MaxBackoff: defaultMaxBackoff}
	f, ok := d.fields(ue.val, "upload", uploadKeys)
	if !ok {
		return u
	}
	if e, ok := f["gateway"]; !ok {
		d.problem(resolve(ue.val), "upload.gateway", "required")
	} else if v, ok := d.str(e); ok {
		if gw, msg := checkGateway(v); msg != "" {
			d.problem(resolve(e.val), e.path, "%s", msg)
		} else {
			u.Gateway = gw
		}
	}

	has := func(k string) bool { _, ok := f[k]; return ok }
	if e, ok := f["username"]; ok {
		if v, ok := d.nonEmpty(e); ok {
			u.Username = v
		}
	}
	d.setEnv(f, "username_env", &u.UsernameEnv)
	switch countTrue(has("username"), has("username_env")) {
	case 0:
		d.problem(resolve(ue.val), "upload", "needs username or username_env")
	case 2:
		d.problem(resolve(ue.val), "upload", "set only one of username, username_env")
	}

	if e, ok := f["password"]; ok {
		if v, ok := d.nonEmpty(e); ok {
			u.Password = Secret(v)
			d.warn(resolve(e.val), e.path, "inline password; prefer password_env or password_file")
		}
	}
	d.setEnv(f, "password_env", &u.PasswordEnv)
	if e, ok := f["password_file"]; ok {
		if p, ok := d.secretPathField(e); ok {
			u.PasswordFile = p
			if err := checkSecretFile("password file", p); err != nil {
				d.problem(resolve(e.val), e.path, "%s", err.Error())
			}
		}
	}
	switch countTrue(has("password"), has("password_env"), has("password_file")) {
	case 0:
		d.problem(resolve(ue.val), "upload", "needs one of password, password_env, password_file")
	case 1:
	default:
		d.problem(resolve(ue.val), "upload", "set only one of password, password_env, password_file")
	}

	if e, ok := f["asset_flow_type"]; ok {
		if v, ok := d.nonEmpty(e); ok {
			u.AssetFlowType = v
		}
	}
	if e, ok := f["concurrency"]; ok {
		if v, ok := d.intRange(e, 1, 16, ""); ok {
			u.Concurrency = int(v)
		}
	}
	d.setDuration(f, "timeout", &u.Timeout)
	if e, ok := f["max_attempts"]; ok {
		if v, ok := d.intRange(e, 1, 20, ""); ok {
			u.MaxAttempts = int(v)
		}
	}
	d.setDuration(f, "max_backoff", &u.MaxBackoff)
	if e, ok := f["ca_file"]; ok {
		if p, ok := d.secretPathField(e); ok {
			u.CAFile = p
			if err := checkReadable("ca file", p); err != nil {
				d.problem(resolve(e.val), e.path, "%s", err.Error())
			}
		}
	}
	return u
}

// checkGateway returns the gateway URL without a trailing slash, or why it is not acceptable.
// Credentials and tokens go over this URL, so plain http is allowed only to a loopback test
// gateway.
func checkGateway(raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "", "must be an absolute URL like https://gateway.qg1.apps.qualys.com, got " + strconv.Quote(raw)
	}
	if u.User != nil {
		return "", "must not contain credentials; use username_env and password_env"
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "must not have a query or fragment, got " + strconv.Quote(raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", "must use https (http is allowed only for a loopback test gateway), got " + strconv.Quote(raw)
		}
	default:
		return "", "must use https, got " + strconv.Quote(raw)
	}
	return strings.TrimRight(raw, "/"), ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
