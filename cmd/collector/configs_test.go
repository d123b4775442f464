package main

// Tests of the deployment examples under configs/ (systemd, cron, Kubernetes): every file
// parses, the command lines in them parse with the real flags of "collector run", and the
// settings the READMEs promise are there. The example inventories themselves are loaded by the
// devices package's tests.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/oca-collector/collector/devices"
)

const configsDir = "../../configs"

// unit is a systemd unit file: section -> key -> values (a key may repeat).
type unit map[string]map[string][]string

func (u unit) get(section, key string) []string { return u[section][key] }

// parseUnit reads the INI-like syntax of systemd unit files: comments, [Section] headers,
// Key=Value lines. Continuation lines are not used in our units, so they are an error.
func parseUnit(r io.Reader) (unit, error) {
	u := unit{}
	section := ""
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if u[section] != nil {
				return nil, fmt.Errorf("line %d: section [%s] twice", n, section)
			}
			u[section] = map[string][]string{}
		case strings.HasSuffix(line, "\\"):
			return nil, fmt.Errorf("line %d: continuation lines are not expected", n)
		default:
			key, val, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.TrimSpace(key) == "" {
				return nil, fmt.Errorf("line %d: want Key=Value inside a section: %q", n, line)
			}
			key = strings.TrimSpace(key)
			u[section][key] = append(u[section][key], strings.TrimSpace(val))
		}
	}
	return u, sc.Err()
}

// checkRunArgs parses args (after "run") with the real flags and returns them.
func checkRunArgs(t *testing.T, where string, args []string) runFlags {
	t.Helper()
	var f runFlags
	var out bytes.Buffer
	pos, err := parseInterspersed(runFlagSet(&f, &out), args)
	if err != nil || len(pos) != 0 {
		t.Fatalf("%s: collector run %q: %v %q %s", where, args, err, pos, out.String())
	}
	if err := checkProgressFlag(f.progress); err != nil {
		t.Errorf("%s: %v", where, err)
	}
	if f.logFormat != "json" {
		t.Errorf("%s: unattended runs should log JSON, --log-format is %q", where, f.logFormat)
	}
	if f.inventory == "" {
		t.Errorf("%s: no -i", where)
	}
	return f
}

// TestConfigFilesParse: every file under configs/ parses as what its extension says, so a new
// example cannot be added unchecked.
func TestConfigFilesParse(t *testing.T) {
	seen := map[string]int{}
	err := filepath.WalkDir(configsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ext := filepath.Ext(path)
		seen[ext]++
		switch ext {
		case ".yaml":
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var doc yaml.Node
				if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Errorf("%s: %v", path, err)
					break
				}
			}
		case ".service", ".timer":
			if _, err := parseUnit(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		case ".cron":
			if _, err := parseCron(data); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		case ".txt", ".md":
		default:
			t.Errorf("%s: no test knows how to check a %q file; add one here", path, ext)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen[".service"] != 1 || seen[".timer"] != 1 || seen[".cron"] != 1 || seen[".yaml"] < 6 {
		t.Errorf("files found by extension: %v", seen)
	}
}

func TestSystemdUnits(t *testing.T) {
	svcPath := filepath.Join(configsDir, "systemd", "oca-collector.service")
	timerPath := filepath.Join(configsDir, "systemd", "oca-collector.timer")
	svc := mustUnit(t, svcPath)
	want := map[string]string{
		"Type": "oneshot", "User": "oca", "StateDirectory": "oca-collector", "StateDirectoryMode": "0700",
		"UMask": "0077", "ProtectSystem": "strict", "ProtectHome": "read-only", "PrivateTmp": "yes",
		"NoNewPrivileges": "yes", "CapabilityBoundingSet": "", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	}
	for k, v := range want {
		if got := svc.get("Service", k); len(got) != 1 || got[0] != v {
			t.Errorf("[Service] %s = %q, want %q", k, got, v)
		}
	}
	if got := svc.get("Service", "SystemCallFilter"); len(got) == 0 || got[0] != "@system-service" {
		t.Errorf("SystemCallFilter = %q", got)
	}
	// Secrets come in by LoadCredential= (files named name:/path) or a root-only environment
	// file; nothing secret in Environment=.
	creds := svc.get("Service", "LoadCredential")
	if len(creds) == 0 {
		t.Error("no LoadCredential=")
	}
	for _, c := range creds {
		if name, src, ok := strings.Cut(c, ":"); !ok || name == "" || !filepath.IsAbs(src) {
			t.Errorf("LoadCredential=%s: want NAME:/absolute/path", c)
		}
	}
	if len(svc.get("Service", "Environment")) != 0 {
		t.Error("Environment= in the unit: secrets belong in LoadCredential= or EnvironmentFile=")
	}
	if got := svc.get("Service", "SuccessExitStatus"); len(got) != 0 {
		t.Errorf("SuccessExitStatus = %q: the README explains why exit 1 fails the unit", got)
	}
	start := svc.get("Service", "ExecStart")
	if len(start) != 1 {
		t.Fatalf("ExecStart = %q", start)
	}
	argv := strings.Fields(start[0])
	if len(argv) < 2 || !filepath.IsAbs(argv[0]) || argv[1] != "run" {
		t.Fatalf("ExecStart = %q, want /path/collector run ...", start[0])
	}
	f := checkRunArgs(t, svcPath, argv[2:])
	if f.outputDir != "" {
		t.Errorf("ExecStart sets --output-dir %q: the unit relies on $STATE_DIRECTORY", f.outputDir)
	}
	if dir := filepath.Dir(f.metricsFile); f.metricsFile != "" && !slices.Contains(svc.get("Service", "ReadWritePaths"), "-"+dir) {
		t.Errorf("--metrics-file %s is not under ReadWritePaths=%q (ProtectSystem=strict)", f.metricsFile, svc.get("Service", "ReadWritePaths"))
	}

	timer := mustUnit(t, timerPath)
	for _, k := range []string{"OnCalendar", "Persistent", "RandomizedDelaySec"} {
		if len(timer.get("Timer", k)) != 1 {
			t.Errorf("[Timer] %s = %q", k, timer.get("Timer", k))
		}
	}
	if got := timer.get("Install", "WantedBy"); len(got) != 1 || got[0] != "timers.target" {
		t.Errorf("[Install] WantedBy = %q", got)
	}

	// systemd's own check, where systemd is installed: unknown keys and bad values are
	// printed (with exit 0), a missing ExecStart binary fails, so the copy runs /bin/true.
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed; the units were checked as INI only")
	}
	dir := t.TempDir()
	data := strings.Replace(string(readFile(t, svcPath)), argv[0]+" ", "/bin/true ", 1)
	writeFile(t, filepath.Join(dir, "oca-collector.service"), []byte(data))
	writeFile(t, filepath.Join(dir, "oca-collector.timer"), readFile(t, timerPath))
	cmd := exec.Command(analyze, "verify", "oca-collector.service", "oca-collector.timer")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func mustUnit(t *testing.T, path string) unit {
	t.Helper()
	u, err := parseUnit(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return u
}

// cronJob is one job line of a /etc/cron.d file.
type cronJob struct {
	schedule []string
	user     string
	command  string
}

// parseCron reads a /etc/cron.d file: comments, NAME=value settings, and jobs of five time
// fields, a user and a command.
func parseCron(data []byte) ([]cronJob, error) {
	var jobs []cronJob
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 7 {
			if name, _, ok := strings.Cut(line, "="); ok && !strings.ContainsAny(name, " \t") {
				continue
			}
			return nil, fmt.Errorf("line %d: want 5 time fields, a user and a command: %q", n+1, line)
		}
		for _, f := range fields[:5] {
			if strings.Trim(f, "0123456789*,-/") != "" {
				return nil, fmt.Errorf("line %d: bad time field %q", n+1, f)
			}
		}
		if strings.Contains(line, "%") {
			return nil, fmt.Errorf("line %d: cron turns %% into a newline", n+1)
		}
		jobs = append(jobs, cronJob{schedule: fields[:5], user: fields[5], command: strings.Join(fields[6:], " ")})
	}
	if len(jobs) == 0 {
		return nil, errors.New("no job")
	}
	return jobs, nil
}

func TestCronExample(t *testing.T) {
	path := filepath.Join(configsDir, "cron", "oca-collector.cron")
	jobs, err := parseCron(readFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].user != "oca" {
		t.Fatalf("jobs %+v, want one job as oca", jobs)
	}
	// "... && exec collector run ARGS >>LOG 2>&1"
	_, cmdline, ok := strings.Cut(jobs[0].command, "exec collector run ")
	if !ok {
		t.Fatalf("job %q does not exec collector run", jobs[0].command)
	}
	var args []string
	for _, a := range strings.Fields(cmdline) {
		if strings.HasPrefix(a, ">") || strings.HasPrefix(a, "2>") {
			break
		}
		args = append(args, a)
	}
	f := checkRunArgs(t, path, args)
	if f.outputDir == "" {
		t.Error("the cron job has no $STATE_DIRECTORY: it must name its output directory")
	}
	text := string(readFile(t, path))
	for _, want := range []string{"exits 3", "flock(2)", "lock"} {
		if !strings.Contains(text, want) {
			t.Errorf("the cron example does not explain the lock (%q)", want)
		}
	}
}

// k8sObject is the part of a Kubernetes manifest these tests read.
type k8sObject struct {
	APIVersion string                `yaml:"apiVersion"`
	Kind       string                `yaml:"kind"`
	Metadata   struct{ Name string } `yaml:"metadata"`
	Data       map[string]string     `yaml:"data"`
	StringData map[string]string     `yaml:"stringData"`
	Spec       struct {
		Schedule          string `yaml:"schedule"`
		ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
		JobTemplate       struct {
			Spec struct {
				CompletionMode       string `yaml:"completionMode"`
				Completions          *int   `yaml:"completions"`
				Parallelism          *int   `yaml:"parallelism"`
				BackoffLimit         *int   `yaml:"backoffLimit"`
				BackoffLimitPerIndex *int   `yaml:"backoffLimitPerIndex"`
				Template             struct {
					Spec podSpec `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
		AccessModes []string `yaml:"accessModes"`
	} `yaml:"spec"`
}

type podSpec struct {
	RestartPolicy   string `yaml:"restartPolicy"`
	SecurityContext struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    int   `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []struct {
		Args []string `yaml:"args"`
		Env  []struct {
			Name      string `yaml:"name"`
			ValueFrom struct {
				SecretKeyRef struct{ Name, Key string } `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool                   `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool                   `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct{ Drop []string } `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name        string `yaml:"name"`
			MountPath   string `yaml:"mountPath"`
			SubPathExpr string `yaml:"subPathExpr"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name      string                 `yaml:"name"`
		ConfigMap *struct{ Name string } `yaml:"configMap"`
		PVC       *struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
		EmptyDir *struct{} `yaml:"emptyDir"`
	} `yaml:"volumes"`
}

func loadK8s(t *testing.T, name string) k8sObject {
	t.Helper()
	var o k8sObject
	if err := yaml.Unmarshal(readFile(t, filepath.Join(configsDir, "kubernetes", name)), &o); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return o
}

// TestKubernetesExample: the CronJob runs an Indexed Job whose index picks the shard, with as
// many pods as shards, the inventory from the ConfigMap, credentials from the Secret, output on
// the PVC (one directory per shard), non-root and read-only.
func TestKubernetesExample(t *testing.T) {
	cj := loadK8s(t, "cronjob.yaml")
	cm := loadK8s(t, "configmap.yaml")
	secret := loadK8s(t, "secret.example.yaml")
	pvc := loadK8s(t, "pvc.yaml")
	if cj.Kind != "CronJob" || cj.APIVersion != "batch/v1" || cm.Kind != "ConfigMap" || secret.Kind != "Secret" ||
		pvc.Kind != "PersistentVolumeClaim" {
		t.Fatalf("kinds: %s %s %s %s", cj.Kind, cm.Kind, secret.Kind, pvc.Kind)
	}
	js := cj.Spec.JobTemplate.Spec
	if js.CompletionMode != "Indexed" || js.Completions == nil || js.Parallelism == nil || *js.Completions != *js.Parallelism || *js.Completions < 2 {
		t.Fatalf("job: completionMode %q completions %v parallelism %v", js.CompletionMode, js.Completions, js.Parallelism)
	}
	if cj.Spec.ConcurrencyPolicy != "Forbid" || cj.Spec.Schedule == "" {
		t.Errorf("schedule %q, concurrencyPolicy %q", cj.Spec.Schedule, cj.Spec.ConcurrencyPolicy)
	}
	if js.BackoffLimitPerIndex == nil || *js.BackoffLimitPerIndex != 0 || js.BackoffLimit != nil {
		t.Errorf("backoff: per index %v, job %v; one shard's failure must not stop the others", js.BackoffLimitPerIndex, js.BackoffLimit)
	}
	pod := js.Template.Spec
	if pod.RestartPolicy != "Never" || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == 0 {
		t.Errorf("pod: restartPolicy %q securityContext %+v", pod.RestartPolicy, pod.SecurityContext)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil ||
		*sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
		t.Errorf("container securityContext %+v", sc)
	}
	if len(c.Args) == 0 || c.Args[0] != "run" {
		t.Fatalf("args %q", c.Args)
	}
	f := checkRunArgs(t, "cronjob.yaml", c.Args[1:])
	if want := fmt.Sprintf("$(JOB_COMPLETION_INDEX)/%d", *js.Completions); f.shard != want {
		t.Errorf("--shard %q, want %q", f.shard, want)
	}
	// Every index the Job creates is a valid shard, and together they are the whole fleet.
	for i := range *js.Completions {
		if _, _, err := devices.ParseShard(strings.ReplaceAll(f.shard, "$(JOB_COMPLETION_INDEX)", fmt.Sprint(i))); err != nil {
			t.Errorf("index %d: %v", i, err)
		}
	}

	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
		if m.MountPath == f.outputDir && !strings.Contains(m.SubPathExpr, "$(JOB_COMPLETION_INDEX)") {
			t.Errorf("output mount %q: each shard needs its own directory (subPathExpr)", m.Name)
		}
	}
	for _, v := range pod.Volumes {
		switch {
		case v.ConfigMap != nil:
			if v.ConfigMap.Name != cm.Metadata.Name || filepath.Dir(f.inventory) != mounts[v.Name] {
				t.Errorf("inventory volume %+v mounted at %q, -i %s", v.ConfigMap, mounts[v.Name], f.inventory)
			}
		case v.PVC != nil:
			if v.PVC.ClaimName != pvc.Metadata.Name || mounts[v.Name] != f.outputDir {
				t.Errorf("output volume %+v mounted at %q, --output-dir %s", v.PVC, mounts[v.Name], f.outputDir)
			}
		}
	}
	if !slices.Contains(pvc.Spec.AccessModes, "ReadWriteMany") {
		t.Errorf("PVC access modes %q: the shards' pods may run on different nodes", pvc.Spec.AccessModes)
	}

	// The inventory in the ConfigMap loads, and every *_env it names is set from a key of the
	// Secret, whose values are placeholders.
	dir := t.TempDir()
	src := strings.ReplaceAll(cm.Data["inventory.yaml"], "/etc/oca/", dir+"/")
	writeFile(t, filepath.Join(dir, "known_hosts"), []byte(cm.Data["known_hosts"]))
	writeFile(t, filepath.Join(dir, "inventory.yaml"), []byte(src))
	t.Setenv("HOME", dir)
	inv, err := devices.Load(filepath.Join(dir, "inventory.yaml"))
	if err != nil {
		t.Fatalf("configmap inventory: %v", err)
	}
	if len(inv.Warnings) != 0 || len(inv.Devices) < 2 {
		t.Errorf("configmap inventory: %d devices, warnings %q", len(inv.Devices), inv.Warnings)
	}
	envs := map[string]string{}
	for _, e := range c.Env {
		envs[e.Name] = e.ValueFrom.SecretKeyRef.Key
		if e.ValueFrom.SecretKeyRef.Name != secret.Metadata.Name || !strings.HasPrefix(secret.StringData[e.ValueFrom.SecretKeyRef.Key], "REPLACE_WITH_") {
			t.Errorf("env %s: from %+v, which the example Secret does not hold as a placeholder", e.Name, e.ValueFrom.SecretKeyRef)
		}
	}
	need := []string{inv.Upload.UsernameEnv, inv.Upload.PasswordEnv}
	for _, cr := range inv.Credentials {
		need = append(need, cr.PasswordEnv, cr.PassphraseEnv, cr.EnablePasswordEnv)
	}
	for _, name := range need {
		if _, ok := envs[name]; name != "" && !ok {
			t.Errorf("the inventory reads $%s, which the CronJob does not set", name)
		}
	}
}
