package devices

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is when the agent ("collector serve") runs the whole fleet: either a fixed interval
// ("every 24h") or a 5-field cron expression ("15 2 * * *"). It is parsed here, at load, so a
// typo is a validation problem with its line instead of an agent that never runs.
//
// The cron dialect is Vixie cron's, which is what operators already write in crontabs: fields
// minute (0-59), hour (0-23), day of month (1-31), month (1-12 or jan-dec), day of week (0-7 or
// sun-sat, 0 and 7 both Sunday); each field a list of *, N, N-M, with an optional /STEP; the
// macros @hourly, @daily (@midnight), @weekly, @monthly and @yearly (@annually). When both
// day fields are restricted, a day matches either (as in cron). Times are the agent's local
// time; a time skipped by a daylight-saving jump does not fire that day, and a time repeated
// by one fires once.
//
// A hand-written parser rather than a dependency: the dialect above is about 150 lines, and the
// loader (which may import nothing of ours) must be able to check it.
type Schedule struct {
	// Spec is the schedule as written, for messages and status output.
	Spec string
	// Every is the interval of an "every DURATION" schedule; 0 for a cron expression.
	Every time.Duration

	cron *cronSpec
}

// String is the schedule as written.
func (s Schedule) String() string { return s.Spec }

// Next returns the first time strictly after t at which a cron schedule fires, in t's
// location, or t + Every for an interval. It returns the zero time when a cron expression has
// no match within five years (ParseSchedule refuses those, so only a zero Schedule does).
func (s Schedule) Next(t time.Time) time.Time {
	if s.cron == nil {
		if s.Every <= 0 {
			return time.Time{}
		}
		return t.Add(s.Every)
	}
	return s.cron.next(t)
}

// cronSpec holds one bit per allowed value of each field.
type cronSpec struct {
	minute, hour, dom, month, dow uint64
	// domStar and dowStar record a day field written starting with "*": cron then requires
	// both day fields to match, and otherwise either.
	domStar, dowStar bool
}

var cronMacros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
}

var (
	monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	dowNames   = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	cronFields = [5]cronField{
		{name: "minute", min: 0, max: 59},
		{name: "hour", min: 0, max: 23},
		{name: "day of month", min: 1, max: 31},
		{name: "month", min: 1, max: 12, names: monthNames},
		{name: "day of week", min: 0, max: 7, names: dowNames},
	}
)

// scheduleHint is appended to every schedule problem, so the operator sees both forms.
const scheduleHint = `; want "every DURATION" (every 24h) or a cron expression "MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK" (15 2 * * *)`

// ParseSchedule parses "every DURATION" or a cron expression.
func ParseSchedule(spec string) (Schedule, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		return Schedule{}, errors.New("empty schedule" + scheduleHint)
	}
	if len(s) >= 5 && strings.EqualFold(s[:5], "every") && (len(s) == 5 || s[5] == ' ' || s[5] == '\t') {
		rest := s[5:]
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return Schedule{}, fmt.Errorf("%q is not a duration like 24h or 30m%s", strings.TrimSpace(rest), scheduleHint)
		}
		if d <= 0 {
			return Schedule{}, fmt.Errorf("the interval must be greater than 0, got %s", d)
		}
		return Schedule{Spec: s, Every: d}, nil
	}
	expr := s
	if strings.HasPrefix(s, "@") {
		m, ok := cronMacros[strings.ToLower(s)]
		if !ok {
			return Schedule{}, fmt.Errorf("unknown macro %q (known: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually)", s)
		}
		expr = m
	}
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return Schedule{}, fmt.Errorf("%q has %d fields, a cron expression has 5%s", s, len(parts), scheduleHint)
	}
	c := &cronSpec{domStar: strings.HasPrefix(parts[2], "*"), dowStar: strings.HasPrefix(parts[4], "*")}
	dst := [5]*uint64{&c.minute, &c.hour, &c.dom, &c.month, &c.dow}
	for i, p := range parts {
		bits, err := cronFields[i].parse(p)
		if err != nil {
			return Schedule{}, fmt.Errorf("%s field %q: %w", cronFields[i].name, p, err)
		}
		*dst[i] = bits
	}
	if c.dow&(1<<7) != 0 { // 7 is Sunday too
		c.dow |= 1
	}
	// Refuse what can never fire (30 February), checked from a fixed date so the answer does
	// not depend on when the inventory is loaded; five years include a leap day.
	if c.next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Schedule{}, fmt.Errorf("%q never fires: no month has that day", s)
	}
	return Schedule{Spec: s, cron: c}, nil
}

// parse turns one field ("1,15-20/2,*/10") into its bit set.
func (f cronField) parse(field string) (uint64, error) {
	var bits uint64
	for _, item := range strings.Split(field, ",") {
		if item == "" {
			return 0, errors.New("empty list item")
		}
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("step %q must be a positive number", stepText)
			}
			step = n
		}
		lo, hi := f.min, f.max
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = f.value(a); err != nil {
				return 0, err
			}
			if hi, err = f.value(b); err != nil {
				return 0, err
			}
			if lo > hi {
				return 0, fmt.Errorf("range %s is backwards", rng)
			}
		default:
			v, err := f.value(rng)
			if err != nil {
				return 0, err
			}
			lo, hi = v, v
			if hasStep { // "5/15" is "5-max/15", as in Vixie cron
				hi = f.max
			}
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

func (f cronField) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		if f.names != nil {
			return 0, fmt.Errorf("%q is not a number or a name (%s-%s)", s, f.names[0], f.names[len(f.names)-1])
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", v, f.min, f.max)
	}
	return v, nil
}

func hasBit(bits uint64, v int) bool { return bits&(1<<uint(v)) != 0 }

func (c *cronSpec) dayMatches(t time.Time) bool {
	dom, dow := hasBit(c.dom, t.Day()), hasBit(c.dow, int(t.Weekday()))
	if c.domStar || c.dowStar {
		return dom && dow
	}
	return dom || dow
}

// next walks forward from the minute after t, skipping whole months, days and hours that
// cannot match, for at most five years. A match whose wall-clock time is not later than t's
// is the second pass through an hour repeated by a daylight-saving fold: it already fired.
func (c *cronSpec) next(t time.Time) time.Time {
	loc := t.Location()
	from := wallClock(t)
	t = t.Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		prev := t
		y, m, d := t.Date()
		switch {
		case !hasBit(c.month, int(m)):
			t = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
		case !c.dayMatches(t):
			t = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		case !hasBit(c.hour, t.Hour()):
			t = time.Date(y, m, d, t.Hour()+1, 0, 0, 0, loc)
		case !hasBit(c.minute, t.Minute()) || !wallClock(t).After(from):
			t = t.Add(time.Minute)
		default:
			return t
		}
		if !t.After(prev) { // a daylight-saving fold sent time.Date back: move on
			t = prev.Add(time.Minute)
		}
	}
	return time.Time{}
}

// wallClock is t's date and time of day as read on a clock, without its zone.
func wallClock(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, time.UTC)
}
