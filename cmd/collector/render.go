package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/upload"
)

// renderCmd re-renders bulk files from transcripts with the inventory's current framing, so a
// corrected layout reaches OCA without contacting the devices again.
func renderCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("render", stderr)
	invPath := fs.String("i", "", "inventory file (required; its collection.framing is used)")
	fs.StringVar(invPath, "inventory", "", "inventory file (same as -i)")
	outputDir := fs.String("output-dir", "", "output directory whose spool to update (default: the inventory's output_dir)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "collector render: give one run directory or transcript (.json)")
		return exitUsage
	}
	inv, code := loadInventory(*invPath, stderr)
	if inv == nil {
		return code
	}
	r, err := collector.NewRenderer(inv.Collection.Framing, inv.Collection.Template)
	if err != nil {
		fmt.Fprintf(stderr, "collector render: framing: %v\n", err)
		return exitUsage
	}
	files, err := transcriptFiles(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "collector render: %v\n", err)
		return exitUsage
	}
	outDir := inv.OutputDir
	if *outputDir != "" {
		outDir = *outputDir
	}
	// A bulk file waiting in the spool was copied there from the run directory; re-rendering the
	// run's file must replace the spooled copy too, or "upload --pending" would send the old one.
	lock, code := acquireLock(outDir, "render", stderr)
	if lock == nil {
		return code
	}
	defer func() { _ = lock.Release() }()
	spooled, spool, err := spooledSources(outDir)
	if err != nil {
		fmt.Fprintf(stderr, "collector render: %v\n", err)
		return exitFailures
	}
	code = exitOK
	for _, path := range files {
		tr, err := collector.ReadTranscript(path)
		if err != nil {
			fmt.Fprintf(stderr, "collector render: %v\n", err)
			code = exitFailures
			continue
		}
		out := strings.TrimSuffix(path, ".json") + ".txt"
		e, inSpool := spooled.of(out) // before WriteBulk gives out a new inode
		n, err := collector.WriteBulk(out, r, tr)
		if err != nil {
			fmt.Fprintf(stderr, "collector render: %s: %v\n", out, err)
			code = exitFailures
			continue
		}
		note := ""
		if inSpool {
			if _, err := spool.PutSynced(e.AssetUUID, out, e.RunID); err != nil { // WriteBulk fsynced it
				fmt.Fprintf(stderr, "collector render: re-stage %s in the spool: %v\n", out, err)
				code = exitFailures
			} else {
				note = "; replaced the copy waiting in the spool"
			}
		}
		fmt.Fprintf(stdout, "%s  %d bytes  (%s, %s%s)\n", out, n, tr.Device, inv.Collection.Framing, note)
	}
	return code
}

// spooledFiles are the spool's entries by asset UUID. An output directory without a spool has
// none.
type spooledFiles map[string]upload.Entry

// of returns the entry waiting in the spool for the bulk file out: the spool's file is a hard
// link to out (the usual case; it needs no metadata, which the spool writes only after a
// failed upload), or a copy whose metadata names out as its source.
func (m spooledFiles) of(out string) (upload.Entry, bool) {
	e, ok := m[strings.TrimSuffix(filepath.Base(out), ".txt")]
	if !ok {
		return upload.Entry{}, false
	}
	if e.Source != "" && absPath(e.Source) == absPath(out) {
		return e, true
	}
	a, errA := os.Stat(out)
	b, errB := os.Stat(e.Path)
	return e, errA == nil && errB == nil && os.SameFile(a, b)
}

// spooledSources lists the spool of outDir.
func spooledSources(outDir string) (spooledFiles, *upload.Spool, error) {
	dir := filepath.Join(outDir, "spool")
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	spool, err := upload.OpenSpool(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	entries, err := spool.List()
	if err != nil {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	m := make(spooledFiles, len(entries))
	for _, e := range entries {
		m[e.AssetUUID] = e
	}
	return m, spool, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// transcriptFiles lists the transcripts at path: the file itself, or every <uuid>.json in a run
// directory (report.json and temporary files are skipped).
func transcriptFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || filepath.Ext(name) != ".json" || name == "report.json" || collector.IsTempFile(name) {
			continue
		}
		files = append(files, filepath.Join(path, name))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no transcripts in %s", path)
	}
	sort.Strings(files)
	return files, nil
}
