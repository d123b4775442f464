package devices

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestSecretRedaction checks every way a secret could reach a log, an error or a report.
func TestSecretRedaction(t *testing.T) {
	const value = "hunter2-do-not-print"
	s := Secret(value)
	c := Credential{Name: "netops", Username: "svc", Password: s}
	u := Upload{Gateway: "https://gw", Password: s}

	outputs := map[string]string{
		"%+v cred":  fmt.Sprintf("%+v", c),
		"%#v cred":  fmt.Sprintf("%#v", c),
		"%v upload": fmt.Sprintf("%v", u),
		"%+v ptr":   fmt.Sprintf("%+v", &c),
	}
	for _, verb := range []string{"%v", "%s", "%q", "%#v", "%+v"} {
		outputs[verb] = fmt.Sprintf(verb, s)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "secret", s, "cred", c)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "secret", s)
	outputs["slog"] = logs.String()
	js, err := json.Marshal(map[string]any{"s": s, "cred": c, "upload": u})
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	y, err := yaml.Marshal(map[string]any{"s": s})
	if err != nil {
		t.Fatal(err)
	}
	outputs["yaml"] = string(y)

	for name, out := range outputs {
		if strings.Contains(out, value) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, "[REDACTED]") {
			t.Errorf("%s does not show [REDACTED]: %s", name, out)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}
