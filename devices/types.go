package devices

import (
	"net"
	"strconv"
	"time"
)

// Framing names how a device's command outputs are laid out in its bulk file.
const (
	FramingMarkers  = "markers"
	FramingSession  = "session"
	FramingTemplate = "template"
)

// Host key policies.
const (
	HostKeyStrict    = "strict"
	HostKeyAcceptNew = "accept-new"
	HostKeyInsecure  = "insecure"
)

// Inventory is a loaded, defaulted, resolved and validated inventory. Devices holds every device
// with its effective settings already resolved; callers never look at groups or defaults again.
type Inventory struct {
	// Path is the inventory file as given to Load; Dir is the directory relative paths in it
	// are resolved against.
	Path string
	Dir  string

	Version int
	// OutputDir is absolute when set in the file (resolved against Dir); without output_dir it
	// is $STATE_DIRECTORY's first entry under systemd, else "oca-output" relative to the
	// current directory (output_dir.go).
	OutputDir  string
	Collection Collection
	Retention  Retention
	// Upload is nil when the inventory has no upload section (collect only).
	Upload *Upload

	Credentials map[string]Credential
	CommandSets map[string]CommandSet
	Groups      map[string]Group
	Devices     []Device
	// Platforms are the built-in platforms plus those of the inventory's platforms_file.
	Platforms map[string]Platform
	// AssetStateFile is the absolute path of the asset state file (asset_state_file, default
	// <output_dir>/assets.json): the asset UUIDs "collector assets provision" obtained, read by
	// Load for devices without an asset_uuid (asset_state.go).
	AssetStateFile string
	// Agent is the agent section ("collector serve"); nil when the inventory has none.
	Agent *Agent

	// Warnings are problems that do not stop a run (an inline password, say), each formatted
	// like a validation error: "file:line:col: path: message".
	Warnings []string
}

// Collection holds the fleet-wide collection settings.
type Collection struct {
	Concurrency int     // devices in flight; default 32
	LoginRate   float64 // new SSH logins per second over the fleet; 0 = unlimited
	// RampUp spreads the first wave of devices (one per concurrency slot) over this long
	// instead of starting them in the same instant; 0 starts them at once, RampUpAuto (the
	// default) means 4 ms between starts, at most 1 s in all.
	RampUp         time.Duration
	ConnectTimeout time.Duration // TCP connect + SSH handshake + auth; default 10s
	CommandTimeout time.Duration // one command; default 60s
	MaxSessions    int           // default for devices; default 4
	DeviceTimeout  time.Duration // hard cap on one device; default 10m
	Retries        int           // extra attempts after a connection-level failure; default 1
	Framing        string        // markers | session | template; default markers
	// Template is the text/template source used when Framing is "template". It is executed once
	// per command with a collector-defined data value (see collector.TemplateData).
	Template      string
	UploadPartial bool // upload a device whose collection did not finish
	// MaxOutputBytes caps one command's output; MaxDeviceBytes caps one device's total output.
	// Defaults 16 MiB and 64 MiB.
	MaxOutputBytes int64
	MaxDeviceBytes int64
}

// Upload is the OCA gateway section.
type Upload struct {
	Gateway       string // absolute https:// URL (http:// only for loopback test gateways)
	Username      string // inline username (not a secret)
	UsernameEnv   string
	Password      Secret // inline password: accepted, warned about by validate
	PasswordEnv   string
	PasswordFile  string // absolute
	AssetFlowType string // default "DEFAULT"
	Concurrency   int    // default 2
	Timeout       time.Duration
	CAFile        string // absolute; extra CA bundle for a private gateway
	// MaxAttempts bounds the tries of one upload on retryable failures (429, 5xx, network);
	// MaxBackoff caps the pause between them. Defaults 5 and 60s. What is still not accepted
	// waits in the spool for the next run or "upload --pending".
	MaxAttempts int
	MaxBackoff  time.Duration
}

// Agent says how "collector serve" runs: when the whole fleet is collected, and where its HTTP
// API listens (loopback or a unix socket, never a routable address) with which bearer token.
type Agent struct {
	// Schedule is nil when the agent only collects on demand.
	Schedule *Schedule
	// Listen is a loopback host:port; empty when Socket is set. Default 127.0.0.1:9464.
	Listen string
	// Socket is the absolute path of a unix socket the API listens on instead (mode 0600).
	Socket string
	// TokenFile holds the API's bearer token (absolute; not readable by group or others).
	// It is read when the agent starts and on every reload, never at load.
	TokenFile string
	// RunTimeout caps one scheduled run; 0 means no cap beyond device_timeout.
	RunTimeout time.Duration
}

// SSH holds the SSH settings a device resolves to.
type SSH struct {
	KnownHosts    string // absolute path; default ~/.ssh/known_hosts
	HostKeyPolicy string // strict | accept-new | insecure; default strict
	Algorithms    Algorithms
	// KeepaliveInterval is how often an idle connection is probed (keepalive@openssh.com);
	// KeepaliveCountMax unanswered probes in a row close it. Defaults 15s and 3.
	KeepaliveInterval time.Duration
	KeepaliveCountMax int
}

// Credential is a named set of login references. Only references are stored; the secret values
// are read by the Resolve* methods when a device is about to be contacted.
type Credential struct {
	Name              string
	Username          string
	Password          Secret // inline; discouraged, validate warns
	PasswordEnv       string
	PasswordFile      string // absolute
	PrivateKey        string // absolute
	PassphraseEnv     string
	EnablePasswordEnv string
	// Agent is true when the credential asks for ssh-agent (SSH_AUTH_SOCK) authentication.
	Agent bool
}

// CommandSet is a named, ordered list of commands.
type CommandSet struct {
	Name     string
	Commands []string
	File     string // absolute; empty when the commands were inline
}

// Group is a named set of overrides, kept for selection (--group).
type Group struct {
	Name string
}

// Device is one device with every setting resolved (device > groups > defaults).
type Device struct {
	Name        string
	Host        string
	Port        int
	AssetUUID   string // "" until the device is provisioned (a Warning says so)
	Platform    string
	Groups      []string
	Credential  Credential
	CommandSet  string
	Commands    []string
	SSH         SSH
	MaxSessions int
	// Batch runs the command set as one framed script in one exec channel. It defaults to true
	// on POSIX platforms; batch: false keeps one channel per command.
	Batch bool
	// Jump lists the hops as written; JumpHops is the same, resolved, in dialling order.
	Jump     []string
	JumpHops []Hop
	// PlatformDef is the resolved definition of Platform (built-in or from platforms_file).
	PlatformDef Platform

	// AssetSource says where AssetUUID came from: AssetFromInventory, AssetFromState or "".
	AssetSource string
	// HostIP is the address OCA knows the device by: host_ip, else Host when it is an IP
	// address, else "" (provisioning then refuses the device).
	HostIP string
	// Technology is the OCA technology name the device is provisioned with: its technology
	// key, else its platform's.
	Technology string

	// Line is where the device is declared in the inventory, for messages.
	Line int
}

// Address is host:port, with IPv6 literals bracketed.
func (d Device) Address() string {
	return net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
}

// Platform is a built-in or user-defined platform definition: how to talk to one kind of
// device. Adding a platform is adding a YAML file (devices/platforms/*.yaml, or the inventory's
// platforms_file); no Go code. Patterns are Go regular expressions (RE2 syntax).
type Platform struct {
	Name        string
	Description string
	// Technology is the OCA technology name devices of this platform are provisioned with
	// ("Cisco IOS", "Linux"); it must match a technology of the Qualys subscription.
	Technology string
	// Mode is "exec" (one SSH exec channel per command) or "shell" (interactive PTY).
	Mode string
	// POSIX is true when the device runs a POSIX shell, so a whole command set can be run as
	// one framed script (batch mode).
	POSIX bool

	// Prompt patterns, matched against the last line received (after ANSI/CR cleanup). The
	// driver learns the exact prompt from the first match and then waits for that prompt at
	// the start of a line.
	Prompt PromptPatterns
	// Gates are screens shown before the first prompt that need an answer ("Press 'a' to
	// accept", "Press any key to continue").
	Gates []Answer
	// OnOpen are commands sent after login (and enable) and before the command set: paging off,
	// terminal width. Their output is not recorded; a failure is logged, not fatal.
	OnOpen []string
	// Pagers are the "--More--" style markers of output paging and the key that answers each,
	// for when paging could not be turned off.
	Pagers []Answer
	// Enable, when set, is how to reach the privileged level (only when the credential has an
	// enable_password_env and the prompt is not already privileged).
	Enable *Enable
	// ErrorPatterns mark a command as failed when its output matches ("% Invalid input",
	// "Unknown command", "syntax error").
	ErrorPatterns []string
	// Exit is the command that ends the session politely ("exit", "quit", "logout").
	Exit string
}

// PromptPatterns are the user-level and privileged-level prompt patterns of a platform.
type PromptPatterns struct {
	User       string // e.g. `^[\w.\-@/:]{1,63}>\s*$`
	Privileged string // e.g. `^[\w.\-@/:]{1,63}#\s*$`
}

// Answer pairs a pattern seen in the output with what to send back ("\n", " ", "a").
type Answer struct {
	Pattern string
	Send    string
}

// Enable describes the privilege escalation dialogue.
type Enable struct {
	Command        string // "enable"
	PasswordPrompt string // pattern, e.g. `(?i)password:\s*$`
	// Failure is a pattern that means the password was refused ("% Access denied", "% Bad
	// secrets"); the privileged prompt not coming back means the same.
	Failure string
}

// Algorithms are explicit SSH algorithm lists for old or locked-down devices. Empty lists keep
// x/crypto/ssh's defaults. Legacy adds the algorithms old devices need (diffie-hellman-group14-sha1
// and group1-sha1, aes-cbc, ssh-rsa with SHA-1) to the defaults.
type Algorithms struct {
	Legacy       bool
	KeyExchanges []string
	Ciphers      []string
	MACs         []string
	HostKeys     []string
}

// Hop is one jump host on the way to a device, resolved: its address, credential and host key
// settings. A hop named after an inventory device takes that device's settings; a hop written
// user@host:port takes the referring device's credential (with that user) and ssh settings.
type Hop struct {
	Name       string // the inventory device name, or the user@host:port as written
	Host       string
	Port       int
	Credential Credential
	SSH        SSH
}

// Address is host:port, with IPv6 literals bracketed.
func (h Hop) Address() string {
	return net.JoinHostPort(h.Host, strconv.Itoa(h.Port))
}
