package devices

import "math"

// DefaultRetentionRuns is how many run directories are kept when the inventory says nothing:
// a month of daily runs, enough to compare today's evidence with last month's.
const DefaultRetentionRuns = 30

var retentionKeys = []string{"runs"}

// Retention says how much of the output directory's history is kept. After each run the
// oldest run directories beyond Runs are deleted (internal/fleet); the spool is never touched,
// since files waiting there have not reached Qualys yet.
type Retention struct {
	// Runs is how many runs/<run-id> directories to keep, the current one included; 0 keeps
	// them all. Default 30.
	Runs int
}

// retention decodes the top-level retention section.
func (d *decoder) retention(top map[string]entry) Retention {
	r := Retention{Runs: DefaultRetentionRuns}
	re, ok := top["retention"]
	if !ok {
		return r
	}
	f, ok := d.fields(re.val, "retention", retentionKeys)
	if !ok {
		return r
	}
	if e, ok := f["runs"]; ok {
		if v, ok := d.intRange(e, 0, math.MaxInt64, ""); ok {
			r.Runs = int(min(v, math.MaxInt32))
		}
	}
	return r
}
