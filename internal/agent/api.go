package agent

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oca-collector/collector/devices"
)

// maxRequestBody bounds a request body: a collect request is a few dozen bytes.
const maxRequestBody = 64 << 10

// Handler is the agent's HTTP API (Run serves it; tests may too).
func (a *Agent) Handler() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("POST /v1/collect", a.handleCollect)
	api.HandleFunc("GET /v1/runs", a.handleRuns)
	api.HandleFunc("GET /v1/runs/{id}", a.handleRun)
	api.HandleFunc("GET /v1/devices/{name}", a.handleDevice)
	api.HandleFunc("GET /v1/status", a.handleStatus)
	api.Handle("GET /metrics", a.metrics.Handler())

	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	root.Handle("/", a.authenticate(api))
	return root
}

// authenticate lets a request through only with the bearer token. Both sides are hashed first,
// so the comparison takes the same time whatever the token's length and content.
func (a *Agent) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		a.mu.Lock()
		want := a.tokenSum
		a.mu.Unlock()
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			msg := "missing bearer token"
			if ok {
				msg = "invalid bearer token"
			}
			a.log.Warn("API request refused", "reason", msg, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="oca-collector"`)
			writeError(w, http.StatusUnauthorized, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CollectRequest is the body of POST /v1/collect: exactly one of Device and Group.
type CollectRequest struct {
	Device string `json:"device,omitempty"`
	Group  string `json:"group,omitempty"`
	// Wait answers when the collection and its uploads are over, with the report, instead of
	// at once with the run id.
	Wait bool `json:"wait,omitempty"`
}

func (a *Agent) handleCollect(w http.ResponseWriter, r *http.Request) {
	var req CollectRequest
	body := http.MaxBytesReader(w, r.Body, maxRequestBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error()+`; want {"device": NAME} or {"group": NAME}, optionally with "wait": true`)
		return
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "body: one JSON object only")
		return
	}
	// Reading to the end lets the server watch the connection, so a waiting client that
	// leaves is noticed.
	_, _ = io.Copy(io.Discard, body)
	if (req.Device == "") == (req.Group == "") {
		writeError(w, http.StatusBadRequest, `name exactly one of "device" and "group"`)
		return
	}
	inv := a.inventory()
	var targets []devices.Device
	var err error
	if req.Device != "" {
		targets, err = inv.Select([]string{req.Device}, nil)
	} else {
		targets, err = inv.Select(nil, []string{req.Group})
	}
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	run, err := a.startRun(TriggerAPI, inv, targets)
	var busy *BusyError
	switch {
	case errors.As(err, &busy):
		writeJSON(w, http.StatusConflict, map[string]any{"error": busy.Error(), "busy": busy.Devices})
		return
	case errors.Is(err, errDraining):
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if !req.Wait {
		w.Header().Set("Location", "/v1/runs/"+run.id)
		writeJSON(w, http.StatusAccepted, run.view(false))
		return
	}
	select {
	case <-run.done:
		writeJSON(w, http.StatusOK, run.view(true))
	case <-r.Context().Done():
		// The client left; the run goes on and GET /v1/runs/{id} will have it.
	}
}

func (a *Agent) handleRun(w http.ResponseWriter, r *http.Request) {
	run, ok := a.lookupRun(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown run %q (the agent remembers the last %d finished runs since it started)",
			r.PathValue("id"), a.keepRuns))
		return
	}
	writeJSON(w, http.StatusOK, run.view(true))
}

// handleRuns lists the runs the agent remembers, newest first, without their reports.
func (a *Agent) handleRuns(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	list := make([]*run, 0, len(a.runs))
	for _, r := range a.runs {
		list = append(list, r)
	}
	a.mu.Unlock()
	views := make([]RunView, len(list))
	for i, r := range list {
		views[i] = r.view(false)
	}
	sortViews(views)
	writeJSON(w, http.StatusOK, map[string]any{"runs": views})
}

// DeviceView is GET /v1/devices/{name}.
type DeviceView struct {
	Name      string `json:"name"`
	AssetUUID string `json:"asset_uuid"`
	// BusyRunID is the run collecting the device now, if any.
	BusyRunID string `json:"busy_run_id,omitempty"`
	// Last is the device's latest result; null when no run the agent knows of collected it.
	Last *LastResult `json:"last"`
}

func (a *Agent) handleDevice(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a.mu.Lock()
	var view *DeviceView
	for _, d := range a.inv.Devices {
		if d.Name == name {
			view = &DeviceView{Name: d.Name, AssetUUID: d.AssetUUID}
			break
		}
	}
	if view != nil {
		if run, ok := a.busy[name]; ok {
			view.BusyRunID = run.id
		}
		if last, ok := a.last[name]; ok {
			view.Last = &last
		}
	}
	a.mu.Unlock()
	if view == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown device %q", name))
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// StatusView is GET /v1/status: what the agent runs, and whether a reload was refused.
type StatusView struct {
	Inventory       string     `json:"inventory"`
	InventoryLoaded time.Time  `json:"inventory_loaded"`
	ReloadError     string     `json:"reload_error,omitempty"`
	Devices         int        `json:"devices"`
	OutputDir       string     `json:"output_dir"`
	Schedule        string     `json:"schedule"`
	NextRun         *time.Time `json:"next_run,omitempty"`
	RunsInFlight    []string   `json:"runs_in_flight"`
	Draining        bool       `json:"draining,omitempty"`
}

func (a *Agent) handleStatus(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	v := StatusView{Inventory: a.inv.Path, InventoryLoaded: a.loadedAt, ReloadError: a.reloadErr,
		Devices: len(a.inv.Devices), OutputDir: a.outDir, Schedule: scheduleText(a.inv), Draining: a.draining,
		RunsInFlight: []string{}}
	if !a.nextRun.IsZero() {
		next := a.nextRun
		v.NextRun = &next
	}
	for id, r := range a.runs {
		if !r.isDone() {
			v.RunsInFlight = append(v.RunsInFlight, id)
		}
	}
	a.mu.Unlock()
	slices.Sort(v.RunsInFlight)
	writeJSON(w, http.StatusOK, v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		fmt.Fprintf(&b, "{\"error\": %q}\n", "encode: "+err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
