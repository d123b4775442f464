package devices

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the daylight-saving cases need America/New_York wherever the tests run
)

func TestScheduleNext(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	local := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		spec  string
		after time.Time
		want  []time.Time // successive firings
	}{
		{"every 24h", utc("2026-12-03 16:00"), []time.Time{utc("2026-12-04 16:00"), utc("2026-12-05 16:00")}},
		{"15 2 * * *", utc("2026-12-03 16:00"), []time.Time{utc("2026-12-04 02:15"), utc("2026-12-05 02:15")}},
		{"15 2 * * *", utc("2026-12-03 02:15"), []time.Time{utc("2026-12-04 02:15")}}, // strictly after
		{"*/20 * * * *", utc("2026-12-03 16:05"), []time.Time{utc("2026-12-03 16:20"), utc("2026-12-03 16:40"), utc("2026-12-03 17:00")}},
		{"5/20 9-10 * * *", utc("2026-12-03 09:30"), []time.Time{utc("2026-12-03 09:45"), utc("2026-12-03 10:05"), utc("2026-12-03 10:25"), utc("2026-12-03 10:45"), utc("2026-12-04 09:05")}},
		{"0 0 * * mon-fri", utc("2026-12-04 12:00"), []time.Time{utc("2026-12-07 00:00")}}, // Friday noon -> Monday
		{"0 0 * * 7", utc("2026-12-03 00:00"), []time.Time{utc("2026-12-06 00:00")}},       // 7 is Sunday
		{"0 0 1,15 * *", utc("2026-12-03 00:00"), []time.Time{utc("2026-12-15 00:00"), utc("2027-01-01 00:00")}},
		// Both day fields restricted: either matches (the 13th, or any Friday).
		{"0 0 13 * fri", utc("2026-12-03 00:00"), []time.Time{utc("2026-12-04 00:00"), utc("2026-12-11 00:00"), utc("2026-12-13 00:00")}},
		// A starred day of week: only the day of month counts.
		{"0 0 13 * *", utc("2026-12-03 00:00"), []time.Time{utc("2026-12-13 00:00")}},
		{"0 12 29 FEB *", utc("2026-03-01 00:00"), []time.Time{utc("2028-02-29 12:00")}},
		{"@hourly", utc("2026-12-03 16:00"), []time.Time{utc("2026-12-03 17:00")}},
		{"@weekly", utc("2026-12-03 16:00"), []time.Time{utc("2026-12-06 00:00")}},
		{"@yearly", utc("2026-12-03 16:00"), []time.Time{utc("2027-01-01 00:00")}},
		// Local time; 2:30 does not exist on 2026-03-08 in New York, so that day is skipped.
		{"30 2 * * *", local("2026-03-07 03:00"), []time.Time{local("2026-03-09 02:30")}},
		// 1:30 happens twice on 2026-11-01: it fires once.
		{"30 1 * * *", local("2026-10-31 12:00"), []time.Time{local("2026-11-01 01:30"), local("2026-11-02 01:30")}},
		{"0 * * * *", local("2026-11-01 00:30"), []time.Time{local("2026-11-01 01:00"), local("2026-11-01 02:00")}},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", tt.spec, err)
			continue
		}
		if s.String() != tt.spec {
			t.Errorf("String() = %q, want %q", s.String(), tt.spec)
		}
		at := tt.after
		for i, want := range tt.want {
			got := s.Next(at)
			if !got.Equal(want) {
				t.Errorf("%q: firing %d after %s = %s, want %s", tt.spec, i+1, at, got, want)
				break
			}
			at = got
		}
	}
}

func TestParseScheduleInvalid(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "empty schedule"},
		{"every", `"" is not a duration`},
		{"every -1h", "the interval must be greater than 0, got -1h0m0s"},
		{"everyday", `"everyday" has 1 fields, a cron expression has 5`},
		{"* * * *", `"* * * *" has 4 fields`},
		{"* * * * * *", `has 6 fields`},
		{"@reboot", `unknown macro "@reboot"`},
		{"60 * * * *", `minute field "60": 60 is out of range 0-59`},
		{"* 24 * * *", `hour field "24": 24 is out of range 0-23`},
		{"* * 0 * *", `day of month field "0": 0 is out of range 1-31`},
		{"* * * 13 *", `month field "13": 13 is out of range 1-12`},
		{"* * * foo *", `month field "foo": "foo" is not a number or a name (jan-dec)`},
		{"* * * * 8", `day of week field "8": 8 is out of range 0-7`},
		{"*/0 * * * *", `minute field "*/0": step "0" must be a positive number`},
		{"5-1 * * * *", `minute field "5-1": range 5-1 is backwards`},
		{"1,,2 * * * *", `minute field "1,,2": empty list item`},
		{"x * * * *", `minute field "x": "x" is not a number`},
		{"0 0 31 4,6,9,11 *", `never fires`},
	}
	for _, tt := range tests {
		_, err := ParseSchedule(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSchedule(%q) = %v, want an error containing %q", tt.spec, err, tt.want)
		}
	}
	if !(Schedule{}).Next(time.Now()).IsZero() {
		t.Error("the zero Schedule fires")
	}
}

// FuzzParseSchedule: whatever the text, parsing returns, and a parsed schedule's next firing is
// after the reference time.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"every 24h", "15 2 * * *", "*/5 1-3,7 1,15 jan-mar mon-fri", "@daily", "0 0 30 2 *"} {
		f.Add(s)
	}
	ref := time.Date(2026, 12, 3, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec)
		if err != nil {
			return
		}
		if next := s.Next(ref); s.cron != nil && (next.IsZero() || !next.After(ref)) {
			t.Fatalf("%q: Next(%s) = %s", spec, ref, next)
		}
	})
}
