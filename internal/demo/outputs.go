package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/oca-collector/collector/internal/sshsim"
)

// scripted is one command of a demo device and what it answers.
type scripted struct {
	cmd    string
	out    func(host string) string
	stderr string
	exit   int
	delay  time.Duration
}

func fixed(s string) func(string) string { return func(string) string { return s } }

var linuxScript = []scripted{
	{cmd: "uname -a", out: func(h string) string {
		return fmt.Sprintf("Linux %s 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux\n", h)
	}},
	{cmd: "cat /etc/os-release", out: fixed("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n")},
	{cmd: "hostname -f", out: func(h string) string { return h + ".dc1.example.net\n" }},
	{cmd: "sshd -T", delay: 40 * time.Millisecond, out: fixed("port 22\naddressfamily any\nlistenaddress 0.0.0.0:22\npermitrootlogin no\npubkeyauthentication yes\npasswordauthentication no\nkbdinteractiveauthentication no\nx11forwarding no\nmaxauthtries 4\nclientaliveinterval 300\nclientalivecountmax 3\nciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com\nmacs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\n")},
	{cmd: "cat /etc/login.defs", out: fixed("MAIL_DIR        /var/mail\nPASS_MAX_DAYS   90\nPASS_MIN_DAYS   1\nPASS_WARN_AGE   7\nUID_MIN                  1000\nUID_MAX                 60000\nUMASK           027\nENCRYPT_METHOD SHA512\n")},
	{cmd: "cat /etc/pam.d/common-password", out: fixed("password\trequisite\t\t\tpam_pwquality.so retry=3 minlen=14\npassword\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt remember=5\npassword\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n")},
	{cmd: "sysctl net.ipv4.ip_forward net.ipv4.conf.all.accept_redirects net.ipv4.conf.all.send_redirects kernel.randomize_va_space", out: fixed("net.ipv4.ip_forward = 0\nnet.ipv4.conf.all.accept_redirects = 0\nnet.ipv4.conf.all.send_redirects = 0\nkernel.randomize_va_space = 2\n")},
	{cmd: "findmnt -n -o TARGET,OPTIONS /tmp /var/tmp /dev/shm", out: fixed("/tmp     rw,nosuid,nodev,noexec,relatime\n/var/tmp rw,nosuid,nodev,noexec,relatime\n/dev/shm rw,nosuid,nodev,noexec\n")},
	{cmd: "stat -c '%a %U %G %n' /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/ssh/sshd_config", out: fixed("644 root root /etc/passwd\n640 root shadow /etc/shadow\n644 root root /etc/group\n640 root shadow /etc/gshadow\n600 root root /etc/ssh/sshd_config\n")},
	{cmd: "awk -F: '($3 == 0) { print $1 }' /etc/passwd", out: fixed("root\n")},
	{cmd: "getent group sudo", out: fixed("sudo:x:27:ops\n")},
	{cmd: "systemctl is-enabled auditd rsyslog chrony", out: fixed("enabled\nenabled\nenabled\n")},
	{cmd: "systemctl list-unit-files --type=service --state=enabled --no-pager", delay: 30 * time.Millisecond, out: fixed("UNIT FILE                 STATE   VENDOR PRESET\nauditd.service            enabled enabled\nchrony.service            enabled enabled\ncron.service              enabled enabled\nrsyslog.service           enabled enabled\nssh.service               enabled enabled\n\n5 unit files listed.\n")},
	{cmd: "dpkg-query -W -f='${Package} ${Version}\\n' openssh-server openssl libpam-pwquality", out: fixed("openssh-server 1:9.2p1-2+deb12u3\nopenssl 3.0.15-1~deb12u1\nlibpam-pwquality 1.4.5-1+b1\n")},
	// Finding nothing is evidence too: grep exits 1 and the device is still "ok".
	{cmd: "grep -E '^\\s*PermitEmptyPasswords\\s+yes' /etc/ssh/sshd_config", out: fixed(""), exit: 1},
	{cmd: "ls -l /etc/cron.allow", stderr: "ls: cannot access '/etc/cron.allow': No such file or directory\n", exit: 2},
}

var aristaScript = []scripted{
	{cmd: "show version", out: fixed("Arista DCS-7050SX3-48YC8\nHardware version: 11.00\nSerial number: JPE20291234\nSoftware image version: 4.30.2F\nArchitecture: x86_64\nUptime: 41 weeks, 2 days, 3 hours and 12 minutes\n")},
	{cmd: "show running-config", delay: 50 * time.Millisecond, out: func(h string) string {
		return "! Command: show running-config\n! device: " + h + " (DCS-7050SX3-48YC8, EOS-4.30.2F)\n!\nhostname " + h +
			"\n!\naaa authorization exec default local\n!\nno aaa root\n!\nusername admin privilege 15 role network-admin secret sha512 $6$redacted\n!\nmanagement ssh\n   idle-timeout 10\n   authentication mode password\n!\ninterface Ethernet1\n   description uplink\n   no switchport\n!\nip routing\n!\nend\n"
	}},
	{cmd: "show management ssh", out: fixed("SSHD status for Default VRF is running\nSSH connection limit is 50\nSSH per host connection limit is 20\nFIPS status: disabled\n")},
	{cmd: "show snmp user", out: fixed("User name      : monitor\nSecurity model : v3\nEngine ID      : f5717f444ca8c30100\nAuthentication : SHA-256\nPrivacy        : AES-128\nGroup          : ro\n")},
	{cmd: "show ntp status", out: fixed("synchronised to NTP server (10.0.0.123) at stratum 3\n   time correct to within 12 ms\n")},
}

func configFor(script []scripted, host string) sshsim.Config {
	cmds := make(map[string]sshsim.Response, len(script))
	for _, s := range script {
		var chunks []sshsim.Chunk
		if s.out != nil {
			if out := s.out(host); out != "" {
				chunks = append(chunks, sshsim.Chunk{Data: out, Delay: s.delay})
			}
		}
		if s.stderr != "" {
			chunks = append(chunks, sshsim.Chunk{Stderr: true, Data: s.stderr})
		}
		cmds[s.cmd] = sshsim.Response{Output: chunks, ExitStatus: s.exit}
	}
	return sshsim.Config{Commands: cmds}
}

func linuxDevice(host string, _ int) sshsim.Config { return configFor(linuxScript, host) }

func aristaDevice(host string) sshsim.Config {
	cfg := configFor(aristaScript, host)
	// EOS answers unknown commands like this, on stdout, with a non-zero status.
	cfg.Unknown = &sshsim.Response{Output: []sshsim.Chunk{{Data: "% Invalid input\n"}}, ExitStatus: 1}
	return cfg
}

func commandList(script []scripted) string {
	var b strings.Builder
	for _, s := range script {
		fmt.Fprintf(&b, "      - %s\n", yamlQuote(s.cmd))
	}
	return strings.TrimRight(b.String(), "\n")
}

func linuxCommandList() string  { return commandList(linuxScript) }
func aristaCommandList() string { return commandList(aristaScript) }

// yamlQuote writes s as a single-quoted YAML scalar.
func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// iosCommands are read from the simulator's Cisco IOS personality, which answers them the way
// IOS does (paging, privileged-only commands after enable).
var iosCommands = []string{
	"show version", "show running-config", "show ip ssh", "show snmp user", "show users",
	"show logging", "show ntp status", "show ip interface brief",
}

func iosDevice(host, enableSecret string) sshsim.Config {
	p := sshsim.Personalities()["cisco_ios"]
	p.Hostname = host
	p.EnablePassword = enableSecret
	return sshsim.Config{Shell: &p}
}

func iosCommandList() string {
	var b strings.Builder
	for _, c := range iosCommands {
		fmt.Fprintf(&b, "      - %s\n", yamlQuote(c))
	}
	return strings.TrimRight(b.String(), "\n")
}
