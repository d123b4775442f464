package sshsim

// linux is a Debian 12 server reached by an unprivileged account with bash as its login shell:
// bracketed-paste escapes around every prompt and Enter, no pager, bash's own errors.
func linux() Personality {
	return Personality{
		Name:     "linux",
		Hostname: "web01",
		Banner: `#############################################################################
# Authorized access only > violators will be prosecuted                     #
# All sessions are logged and reviewed -> report misuse to soc@example.net  #
#############################################################################
Linux web01 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01) x86_64

The programs included with the Debian GNU/Linux system are free software;
the exact distribution terms for each program are described in the
individual files in /usr/share/doc/*/copyright.

Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent
permitted by applicable law.
Last login: Wed Dec  2 03:00:12 2026 from 10.0.0.2
`,
		UserPrompt:    func(host string) string { return "oca@" + host + ":~$" },
		PrivPrompt:    func(host string) string { return "root@" + host + ":~#" },
		TrailingSpace: true,
		BeforePrompt:  "\x1b[?2004h",
		AfterEnter:    "\x1b[?2004l\r",
		Unknown:       "-bash: {verb}: command not found\n",
		UnknownStatus: 127,
		EchoCommands:  true,
		ExitCommands:  []string{"exit", "logout"},
		ExitMessage:   "logout\n",
		Commands:      linuxCommands(),
	}
}

func linuxCommands() map[string]string {
	passwd := `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
messagebus:x:100:107::/nonexistent:/usr/sbin/nologin
sshd:x:101:65534::/run/sshd:/usr/sbin/nologin
_chrony:x:102:110:Chrony daemon,,,:/var/lib/chrony:/usr/sbin/nologin
oca:x:1000:1000:OCA collector,,,:/home/oca:/bin/bash
`
	return map[string]string{
		"uname -a": "Linux web01 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01) x86_64 GNU/Linux\n",
		"cat /etc/os-release": `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`,
		"hostname":          "web01\n",
		"cat /proc/cmdline": "BOOT_IMAGE=/boot/vmlinuz-6.1.0-27-amd64 root=UUID=6f1c2a4e-9d2b-4c57-8a51-0f3c5e7d9b21 ro quiet apparmor=1 security=apparmor\n",
		"uptime":            " 16:00:01 up 41 days,  3:17,  1 user,  load average: 0.08, 0.03, 0.01\n",
		`dpkg-query -W -f='${binary:Package} ${Version} ${Architecture}\n' 2>/dev/null || rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n'`: `adduser 3.134 all
apparmor 3.0.8-3 amd64
apt 2.6.1 amd64
auditd 1:3.0.9-1 amd64
base-files 12.4+deb12u8 amd64
bash 5.2.15-2+b7 amd64
chrony 4.3-2+deb12u1 amd64
coreutils 9.1-1 amd64
libc6:amd64 2.36-9+deb12u9 amd64
libpam-modules:amd64 1.5.2-6+deb12u1 amd64
libpam-pwquality:amd64 1.4.5-1+b1 amd64
libssl3:amd64 3.0.15-1~deb12u1 amd64
linux-image-6.1.0-27-amd64 6.1.115-1 amd64
nftables 1.0.6-2+deb12u2 amd64
nginx 1.22.1-9 amd64
openssh-server 1:9.2p1-2+deb12u3 amd64
openssl 3.0.15-1~deb12u1 amd64
rsyslog 8.2302.0-1 amd64
sudo 1.9.13p3-1+deb12u1 amd64
systemd 252.31-1~deb12u1 amd64
`,
		"cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || cat /etc/yum.repos.d/*.repo 2>/dev/null": `deb http://deb.debian.org/debian bookworm main non-free-firmware
deb http://deb.debian.org/debian bookworm-updates main non-free-firmware
deb http://security.debian.org/debian-security bookworm-security main non-free-firmware
`,
		"findmnt -n -o TARGET,SOURCE,FSTYPE,OPTIONS": `/                          /dev/sda1  ext4       rw,relatime,errors=remount-ro
├─/dev                     udev       devtmpfs   rw,nosuid,relatime,size=1985932k,nr_inodes=496483,mode=755
│ ├─/dev/pts               devpts     devpts     rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000
│ └─/dev/shm               tmpfs      tmpfs      rw,nosuid,nodev,noexec
├─/proc                    proc       proc       rw,nosuid,nodev,noexec,relatime
├─/sys                     sysfs      sysfs      rw,nosuid,nodev,noexec,relatime
├─/run                     tmpfs      tmpfs      rw,nosuid,nodev,noexec,relatime,size=401588k,mode=755
├─/tmp                     tmpfs      tmpfs      rw,nosuid,nodev,noexec,relatime
├─/var                     /dev/sda2  ext4       rw,nodev,relatime
│ └─/var/log               /dev/sda3  ext4       rw,nosuid,nodev,noexec,relatime
└─/home                    /dev/sda4  ext4       rw,nosuid,nodev,relatime
`,
		"mount": `sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)
proc on /proc type proc (rw,nosuid,nodev,noexec,relatime)
udev on /dev type devtmpfs (rw,nosuid,relatime,size=1985932k,nr_inodes=496483,mode=755)
devpts on /dev/pts type devpts (rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000)
tmpfs on /run type tmpfs (rw,nosuid,nodev,noexec,relatime,size=401588k,mode=755)
/dev/sda1 on / type ext4 (rw,relatime,errors=remount-ro)
tmpfs on /dev/shm type tmpfs (rw,nosuid,nodev,noexec)
tmpfs on /tmp type tmpfs (rw,nosuid,nodev,noexec,relatime)
/dev/sda2 on /var type ext4 (rw,nodev,relatime)
/dev/sda3 on /var/log type ext4 (rw,nosuid,nodev,noexec,relatime)
/dev/sda4 on /home type ext4 (rw,nosuid,nodev,relatime)
`,
		"cat /etc/fstab": `# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
UUID=6f1c2a4e-9d2b-4c57-8a51-0f3c5e7d9b21 /         ext4 errors=remount-ro      0 1
UUID=0b7d1e52-3c4f-4a8e-9e61-2d5a7c8f0e13 /var      ext4 defaults,nodev         0 2
UUID=91a3c6d4-5e7f-4b10-8c2d-3e4f5a6b7c8d /var/log  ext4 defaults,nodev,nosuid,noexec 0 2
UUID=c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f /home     ext4 defaults,nodev,nosuid  0 2
tmpfs                                     /tmp      tmpfs defaults,nodev,nosuid,noexec 0 0
`,
		"lsmod": `Module                  Size  Used by
nft_chain_nat          16384  1
nf_nat                 57344  1 nft_chain_nat
nf_conntrack          188416  1 nf_nat
nf_tables             290816  3 nft_chain_nat
nfnetlink              20480  1 nf_tables
intel_rapl_msr         20480  0
virtio_net             61440  0
ext4                 1015808  4
`,
		"cat /etc/modprobe.d/*.conf 2>/dev/null": `# CIS 1.1.1: unused filesystems
install cramfs /bin/false
blacklist cramfs
install freevxfs /bin/false
install hfs /bin/false
install hfsplus /bin/false
install jffs2 /bin/false
install udf /bin/false
install usb-storage /bin/false
`,
		`sysctl -a 2>/dev/null | grep -E '^(net\.ipv4\.|net\.ipv6\.conf\.(all|default)\.|kernel\.(randomize_va_space|yama\.ptrace_scope|dmesg_restrict|kptr_restrict)|fs\.(suid_dumpable|protected_))'`: `fs.protected_fifos = 1
fs.protected_hardlinks = 1
fs.protected_regular = 2
fs.protected_symlinks = 1
fs.suid_dumpable = 0
kernel.dmesg_restrict = 1
kernel.kptr_restrict = 1
kernel.randomize_va_space = 2
kernel.yama.ptrace_scope = 1
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.conf.all.rp_filter = 1
net.ipv4.conf.all.secure_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv4.conf.default.log_martians = 1
net.ipv4.conf.default.rp_filter = 1
net.ipv4.conf.default.send_redirects = 0
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.icmp_ignore_bogus_error_responses = 1
net.ipv4.ip_forward = 0
net.ipv4.tcp_syncookies = 1
net.ipv6.conf.all.accept_ra = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.all.forwarding = 0
net.ipv6.conf.default.accept_ra = 0
net.ipv6.conf.default.accept_redirects = 0
`,
		"cat /etc/security/limits.conf /etc/security/limits.d/*.conf 2>/dev/null": `# /etc/security/limits.conf
#
#<domain>      <type>  <item>         <value>
#
*               hard    core            0
# End of file
`,
		"cat /etc/passwd": passwd,
		"cat /etc/group": `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:oca
tty:x:5:
disk:x:6:
sudo:x:27:oca
www-data:x:33:
shadow:x:42:
utmp:x:43:
users:x:100:
nogroup:x:65534:
systemd-journal:x:999:
_chrony:x:110:
oca:x:1000:
`,
		"stat -c '%a %U %G %n' /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/passwd- /etc/group- /etc/shadow- /etc/gshadow- 2>/dev/null": `644 root root /etc/passwd
644 root root /etc/group
640 root shadow /etc/shadow
640 root shadow /etc/gshadow
644 root root /etc/passwd-
644 root root /etc/group-
640 root shadow /etc/shadow-
640 root shadow /etc/gshadow-
`,
		"cat /etc/login.defs": `#
# /etc/login.defs - Configuration control definitions for the login package.
#
MAIL_DIR        /var/mail
FAILLOG_ENAB            yes
LOG_UNKFAIL_ENAB        no
LOG_OK_LOGINS           no
SYSLOG_SU_ENAB          yes
SYSLOG_SG_ENAB          yes
FTMP_FILE       /var/log/btmp
SU_NAME         su
HUSHLOGIN_FILE  .hushlogin
ENV_SUPATH      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV_PATH        PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games
TTYGROUP        tty
TTYPERM         0600
ERASECHAR       0177
KILLCHAR        025
UMASK           027
PASS_MAX_DAYS   365
PASS_MIN_DAYS   1
PASS_WARN_AGE   7
UID_MIN                  1000
UID_MAX                 60000
GID_MIN                  1000
GID_MAX                 60000
LOGIN_RETRIES           5
LOGIN_TIMEOUT           60
CHFN_RESTRICT           rwh
DEFAULT_HOME    yes
USERGROUPS_ENAB yes
ENCRYPT_METHOD YESCRYPT
`,
		"cat /etc/security/pwquality.conf 2>/dev/null": `# Configuration for systemwide password quality limits
minlen = 14
dcredit = -1
ucredit = -1
ocredit = -1
lcredit = -1
retry = 3
enforce_for_root
`,
		"cat /etc/pam.d/common-password /etc/pam.d/common-auth 2>/dev/null || cat /etc/pam.d/system-auth /etc/pam.d/password-auth 2>/dev/null": `#
# /etc/pam.d/common-password - password-related modules common to all services
#
password	requisite			pam_pwquality.so retry=3
password	[success=1 default=ignore]	pam_unix.so obscure use_authtok try_first_pass yescrypt remember=5
password	requisite			pam_deny.so
password	required			pam_permit.so
#
# /etc/pam.d/common-auth - authentication settings common to all services
#
auth	required			pam_faillock.so preauth
auth	[success=1 default=ignore]	pam_unix.so nullok
auth	[default=die]			pam_faillock.so authfail
auth	requisite			pam_deny.so
auth	required			pam_permit.so
auth	sufficient			pam_faillock.so authsucc
`,
		"cat /etc/pam.d/su": `#
# The PAM configuration file for the Shadow 'su' service
#
auth       sufficient pam_rootok.so
auth       required   pam_wheel.so use_uid group=sudo
session       required   pam_env.so readenv=1
@include common-auth
@include common-account
@include common-session
`,
		"cat /etc/securetty 2>/dev/null":                            "",
		"awk -F: '($3 == 0) { print $1 }' /etc/passwd":              "root\n",
		`awk -F: '($2 == "") { print $1 }' /etc/shadow 2>/dev/null`: "",
		"cat /etc/sudoers /etc/sudoers.d/* 2>/dev/null":             "",
		"umask": "0027\n",
		"sshd -T 2>/dev/null || cat /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf 2>/dev/null": `# Include /etc/ssh/sshd_config.d/*.conf
Include /etc/ssh/sshd_config.d/*.conf
Port 22
PermitRootLogin no
MaxAuthTries 4
MaxSessions 10
PubkeyAuthentication yes
PasswordAuthentication no
PermitEmptyPasswords no
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding no
AllowTcpForwarding no
ClientAliveInterval 300
ClientAliveCountMax 3
LoginGraceTime 60
Banner /etc/issue.net
Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes256-ctr
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512
AllowGroups sudo oca
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
`,
		"stat -c '%a %U %G %n' /etc/ssh/sshd_config /etc/ssh/ssh_host_*_key 2>/dev/null": `600 root root /etc/ssh/sshd_config
600 root root /etc/ssh/ssh_host_ecdsa_key
600 root root /etc/ssh/ssh_host_ed25519_key
600 root root /etc/ssh/ssh_host_rsa_key
`,
		"systemctl list-unit-files --type=service --no-pager": `UNIT FILE                              STATE           VENDOR PRESET
apparmor.service                       enabled         enabled
apt-daily-upgrade.service              static          -
apt-daily.service                      static          -
auditd.service                         enabled         enabled
chrony.service                         enabled         enabled
cron.service                           enabled         enabled
getty@.service                         enabled         enabled
nftables.service                       enabled         enabled
nginx.service                          enabled         enabled
rsyslog.service                        enabled         enabled
ssh.service                            enabled         enabled
systemd-journald.service               static          -
systemd-timesyncd.service              masked          enabled
unattended-upgrades.service            enabled         enabled

14 unit files listed.
`,
		"systemctl list-units --type=service --state=running --no-pager": `  UNIT                      LOAD   ACTIVE SUB     DESCRIPTION
  auditd.service            loaded active running Security Auditing Service
  chrony.service            loaded active running chrony, an NTP client/server
  cron.service              loaded active running Regular background program processing daemon
  dbus.service              loaded active running D-Bus System Message Bus
  getty@tty1.service        loaded active running Getty on tty1
  nginx.service             loaded active running A high performance web server and a reverse proxy server
  rsyslog.service           loaded active running System Logging Service
  ssh.service               loaded active running OpenBSD Secure Shell server
  systemd-journald.service  loaded active running Journal Service
  systemd-logind.service    loaded active running User Login Management
  systemd-udevd.service     loaded active running Rule-based Manager for Device Events and Files

LOAD   = Reflects whether the unit definition was properly loaded.
ACTIVE = The high-level unit activation state, i.e. generalization of SUB.
SUB    = The low-level unit activation state, values depend on unit type.
11 loaded units listed.
`,
		"systemctl is-enabled auditd rsyslog systemd-journald chronyd chrony systemd-timesyncd 2>/dev/null": `enabled
enabled
static
alias
enabled
masked
`,
		"cat /etc/crontab": `# /etc/crontab: system-wide crontab
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

# Example of job definition:
# .---------------- minute (0 - 59)
# |  .------------- hour (0 - 23)
# |  |  .---------- day of month (1 - 31)
# |  |  |  .------- month (1 - 12) OR jan,feb,mar,apr ...
# |  |  |  |  .---- day of week (0 - 6) (Sunday=0 or 7)
# |  |  |  |  |
# *  *  *  *  * user-name command to be executed
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
47 6	* * 7	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }
52 6	1 * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.monthly; }
`,
		"ls -la /etc/cron.d /etc/cron.daily /etc/cron.hourly /etc/cron.weekly /etc/cron.monthly": `/etc/cron.d:
total 16
drwx------   2 root root 4096 Nov  4 09:12 .
drwxr-xr-x  78 root root 4096 Dec  1 11:40 ..
-rw-r--r--   1 root root  102 Mar  2  2023 .placeholder
-rw-r--r--   1 root root  201 Jun 13  2021 e2scrub_all

/etc/cron.daily:
total 20
drwx------   2 root root 4096 Nov  4 09:12 .
drwxr-xr-x  78 root root 4096 Dec  1 11:40 ..
-rw-r--r--   1 root root  102 Mar  2  2023 .placeholder
-rwxr-xr-x   1 root root 1478 May 25  2023 apt-compat
-rwxr-xr-x   1 root root  123 Mar 26  2023 dpkg

/etc/cron.hourly:
total 12
drwx------   2 root root 4096 Nov  4 09:12 .
drwxr-xr-x  78 root root 4096 Dec  1 11:40 ..
-rw-r--r--   1 root root  102 Mar  2  2023 .placeholder

/etc/cron.weekly:
total 12
drwx------   2 root root 4096 Nov  4 09:12 .
drwxr-xr-x  78 root root 4096 Dec  1 11:40 ..
-rw-r--r--   1 root root  102 Mar  2  2023 .placeholder

/etc/cron.monthly:
total 12
drwx------   2 root root 4096 Nov  4 09:12 .
drwxr-xr-x  78 root root 4096 Dec  1 11:40 ..
-rw-r--r--   1 root root  102 Mar  2  2023 .placeholder
`,
		"stat -c '%a %U %G %n' /etc/crontab /etc/cron.d /etc/cron.daily /etc/cron.hourly /etc/cron.weekly /etc/cron.monthly 2>/dev/null": `600 root root /etc/crontab
700 root root /etc/cron.d
700 root root /etc/cron.daily
700 root root /etc/cron.hourly
700 root root /etc/cron.weekly
700 root root /etc/cron.monthly
`,
		"cat /etc/chrony/chrony.conf /etc/chrony.conf /etc/systemd/timesyncd.conf 2>/dev/null": `# Welcome to the chrony configuration file. See chrony.conf(5) for more
server ntp1.example.net iburst
server ntp2.example.net iburst
user _chrony
keyfile /etc/chrony/chrony.keys
driftfile /var/lib/chrony/chrony.drift
ntsdumpdir /var/lib/chrony
logdir /var/log/chrony
maxupdateskew 100.0
rtcsync
makestep 1 3
leapsectz right/UTC
`,
		"cat /etc/rsyslog.conf /etc/rsyslog.d/*.conf 2>/dev/null": `# /etc/rsyslog.conf configuration file for rsyslog
module(load="imuxsock")
module(load="imklog")
$FileOwner root
$FileGroup adm
$FileCreateMode 0640
$DirCreateMode 0755
$Umask 0022
$IncludeConfig /etc/rsyslog.d/*.conf
*.*;auth,authpriv.none		-/var/log/syslog
auth,authpriv.*			/var/log/auth.log
kern.*				-/var/log/kern.log
*.emerg				:omusrmsg:*
# forward everything to the SIEM
*.* @@siem.example.net:6514
`,
		"cat /etc/systemd/journald.conf": `#  This file is part of systemd.
[Journal]
Storage=persistent
Compress=yes
ForwardToSyslog=yes
#SystemMaxUse=
#MaxRetentionSec=
`,
		"cat /etc/audit/auditd.conf /etc/audit/rules.d/*.rules 2>/dev/null": `#
# This file controls the configuration of the audit daemon
#
local_events = yes
write_logs = yes
log_file = /var/log/audit/audit.log
log_group = adm
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8
num_logs = 5
max_log_file_action = keep_logs
space_left_action = email
admin_space_left_action = halt
disk_full_action = halt
disk_error_action = halt
## CIS 4.1.3.x rules
-w /etc/sudoers -p wa -k scope
-w /etc/sudoers.d -p wa -k scope
-w /var/log/sudo.log -p wa -k actions
-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -k time-change
-w /etc/passwd -p wa -k identity
-w /etc/shadow -p wa -k identity
-w /etc/group -p wa -k identity
-e 2
`,
		"ss -tulpn": `Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
udp   UNCONN 0      0          127.0.0.1:323        0.0.0.0:*
udp   UNCONN 0      0              [::1]:323           [::]:*
tcp   LISTEN 0      511          0.0.0.0:443        0.0.0.0:*
tcp   LISTEN 0      511          0.0.0.0:80         0.0.0.0:*
tcp   LISTEN 0      128          0.0.0.0:22         0.0.0.0:*
tcp   LISTEN 0      128             [::]:22            [::]:*
`,
		"ip -o addr show": `1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host noprefixroute \       valid_lft forever preferred_lft forever
2: ens3    inet 10.0.0.5/24 brd 10.0.0.255 scope global ens3\       valid_lft forever preferred_lft forever
2: ens3    inet6 fe80::5054:ff:fe12:3456/64 scope link \       valid_lft forever preferred_lft forever
`,
		"cat /etc/hosts.allow /etc/hosts.deny 2>/dev/null": `# /etc/hosts.allow: list of hosts that are allowed to access the system.
sshd: 10.0.0.0/255.255.255.0
# /etc/hosts.deny: list of hosts that are _not_ allowed to access the system.
ALL: ALL
`,
		"nft list ruleset 2>/dev/null || iptables-save 2>/dev/null": `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		ip saddr 10.0.0.0/24 tcp dport 22 accept
		tcp dport { 80, 443 } accept
		icmp type echo-request limit rate 5/second accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
`,
		"sestatus 2>/dev/null || aa-status 2>/dev/null": `apparmor module is loaded.
12 profiles are loaded.
12 profiles are in enforce mode.
   /usr/bin/man
   /usr/sbin/chronyd
   /usr/sbin/nginx
   lsb_release
   man_filter
   man_groff
   nvidia_modprobe
   nvidia_modprobe//kmod
   tcpdump
0 profiles are in complain mode.
3 processes have profiles defined.
3 processes are in enforce mode.
0 processes are in complain mode.
0 processes are unconfined but have a profile defined.
`,
		"cat /etc/issue /etc/issue.net /etc/motd 2>/dev/null": `Authorized access only > violators will be prosecuted
Authorized access only > violators will be prosecuted
# All sessions are logged and reviewed #
`,
	}
}
