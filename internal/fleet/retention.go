package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// runIDPattern is a run directory's name: the UTC start time, with "-N" when several runs
// started in the same second (collector.Runner.makeRunDir). Nothing else under runs/ is ever
// deleted.
var runIDPattern = regexp.MustCompile(`^(\d{8}T\d{6}Z)(?:-(\d{1,2}))?$`)

// abandonedAfter is how old a run directory without report.json must be before retention may
// delete it: younger, it may belong to a run still going (the agent runs on-demand collections
// beside its scheduled ones); older, it is what a killed run left behind.
const abandonedAfter = 24 * time.Hour

// Prune deletes the oldest run directories under outputDir/runs so that at most keep remain,
// and returns the run ids it deleted, oldest first. keep 0 keeps everything. It never deletes
// current (the run that just finished), the target of runs/latest, a directory whose name is
// not a run id, or a run that has no report.json yet and was modified in the last 24 hours (a
// run in progress). The spool lives outside runs/ and holds its own links to pending files, so
// deleting a run can never lose a file that has not reached Qualys.
func Prune(outputDir string, keep int, current string, now time.Time) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	runs := filepath.Join(outputDir, "runs")
	des, err := os.ReadDir(runs)
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	latest, _ := os.Readlink(filepath.Join(runs, "latest"))
	var ids []string
	for _, de := range des {
		if de.IsDir() && runIDPattern.MatchString(de.Name()) {
			ids = append(ids, de.Name())
		}
	}
	sort.Slice(ids, func(i, j int) bool { return runIDLess(ids[i], ids[j]) })
	var deleted []string
	var errs []error
	for _, id := range ids[:max(len(ids)-keep, 0)] {
		if id == current || id == filepath.Base(latest) {
			continue
		}
		dir := filepath.Join(runs, id)
		if inProgress(dir, now) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, id)
	}
	if len(errs) > 0 {
		return deleted, fmt.Errorf("retention: %w", errors.Join(errs...))
	}
	return deleted, nil
}

// runIDLess orders run ids by start time, then by their same-second suffix numerically
// ("…Z-2" before "…Z-10").
func runIDLess(a, b string) bool {
	ma, mb := runIDPattern.FindStringSubmatch(a), runIDPattern.FindStringSubmatch(b)
	if ma[1] != mb[1] {
		return ma[1] < mb[1]
	}
	na, _ := strconv.Atoi(ma[2]) // "" (no suffix) is 0, the first run of that second
	nb, _ := strconv.Atoi(mb[2])
	return na < nb
}

// inProgress reports a run directory that has no report.json and was modified recently.
func inProgress(dir string, now time.Time) bool {
	if _, err := os.Stat(filepath.Join(dir, "report.json")); err == nil {
		return false
	} else if !errors.Is(err, fs.ErrNotExist) {
		return true // cannot tell: keep it
	}
	st, err := os.Stat(dir)
	return err != nil || now.Sub(st.ModTime()) < abandonedAfter
}
