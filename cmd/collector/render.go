package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/oca-collector/collector/collector"
)

// renderCmd re-renders bulk files from transcripts with the inventory's current framing, so a
// corrected layout reaches OCA without contacting the devices again.
func renderCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("render", stderr)
	invPath := fs.String("i", "", "inventory file (required; its collection.framing is used)")
	fs.StringVar(invPath, "inventory", "", "inventory file (same as -i)")
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
	code = exitOK
	for _, path := range files {
		tr, err := collector.ReadTranscript(path)
		if err != nil {
			fmt.Fprintf(stderr, "collector render: %v\n", err)
			code = exitFailures
			continue
		}
		out := strings.TrimSuffix(path, ".json") + ".txt"
		n, err := collector.WriteBulk(out, r, tr)
		if err != nil {
			fmt.Fprintf(stderr, "collector render: %s: %v\n", out, err)
			code = exitFailures
			continue
		}
		fmt.Fprintf(stdout, "%s  %d bytes  (%s, %s)\n", out, n, tr.Device, inv.Collection.Framing)
	}
	return code
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
