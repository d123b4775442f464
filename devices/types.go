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
	// OutputDir is absolute when set in the file (resolved against Dir), or the default
	// "oca-output" relative to the current directory.
	OutputDir  string
	Collection Collection
	// Upload is nil when the inventory has no upload section (collect only).
	Upload *Upload

	Credentials map[string]Credential
	CommandSets map[string]CommandSet
	Groups      map[string]Group
	Devices     []Device

	// Warnings are problems that do not stop a run (an inline password, say), each formatted
	// like a validation error: "file:line:col: path: message".
	Warnings []string
}

// Collection holds the fleet-wide collection settings.
type Collection struct {
	Concurrency    int           // devices in flight; default 32
	LoginRate      float64       // new SSH logins per second over the fleet; 0 = unlimited
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
}

// SSH holds the SSH settings a device resolves to.
type SSH struct {
	KnownHosts    string // absolute path; default ~/.ssh/known_hosts
	HostKeyPolicy string // strict | accept-new | insecure; default strict
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
	AssetUUID   string
	Platform    string
	Groups      []string
	Credential  Credential
	CommandSet  string
	Commands    []string
	SSH         SSH
	MaxSessions int
	Batch       bool
	Jump        []string

	// Line is where the device is declared in the inventory, for messages.
	Line int
}

// Address is host:port, with IPv6 literals bracketed.
func (d Device) Address() string {
	return net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
}

// Platform is a built-in or user-defined platform definition. Issue 2 needs only its name and
// how commands are run; the shell-driver fields (prompts, pagers, enable) come with the
// network-device work.
type Platform struct {
	Name string
	// Mode is "exec" (one SSH exec channel per command) or "shell" (interactive PTY).
	Mode string
	// POSIX is true when the device runs a POSIX shell, so a whole command set can be run as
	// one framed script (batch mode).
	POSIX bool
}
