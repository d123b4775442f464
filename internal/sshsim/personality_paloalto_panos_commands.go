package sshsim

// panosMore answers the rest of configs/commands/paloalto_panos.txt.
func panosMore() map[string]string {
	return map[string]string{
		"show system software status": `Slot 0, Role mp
-------------------------------------------------------------------------------
Process authd                     running          (pid: 3881)
Process cryptod                   running          (pid: 3622)
Process devsrvr                   running          (pid: 4120)
Process ikemgr                    running          (pid: 4233)
Process logrcvr                   running          (pid: 4298)
Process mgmtsrvr                  running          (pid: 3987)
Process sshd                      running          (pid: 3310)
Process sysd                      running          (pid: 2811)
Process useridd                   running          (pid: 4402)
`,
		"show running security-policy": `"allow-out; index: 1" {
        from trust;
        source [ 10.0.1.0/24 ];
        source-region none;
        to untrust;
        destination any;
        destination-region none;
        user any;
        source-device any;
        destination-device any;
        category any;
        application/service [ ssl/tcp/any/443 dns/udp/any/53 ];
        action allow;
        icmp-unreachable: no
        terminal yes;
}

"deny-all > log; index: 2" {
        from any;
        source any;
        to any;
        destination any;
        user any;
        category any;
        application/service any/any/any/any;
        action deny;
        icmp-unreachable: no
        terminal yes;
}
`,
		"show running nat-policy": `"outbound-pat; index: 1" {
        nat-type ipv4;
        from trust;
        source [ 10.0.1.0/24 ];
        to untrust;
        to-interface  ;
        destination any;
        service 0:any/any/any;
        translate-to "src: 192.0.2.2 (dynamic-ip-and-port) (pool idx: 1)";
        terminal no;
}
`,
		"show admins all": `Admin           Type      Role             Profile          Auth-profile
--------------------------------------------------------------------------------
admin           local     superuser        -                -
oca             local     superreader      -                -
`,
		"show management-clients": `Client           PRV   Type    Session-start   Idle
--------------------------------------------------------------------------------
admin            yes   CLI     12/03 16:00:01  00:00:00s
`,
		"show system masterkey-properties": `    Master key expires at: 2027/06/01 00:00:00
    Reminder set at: 2027/05/01 00:00:00
    Master key encrypted using HSM: no
    Auto-renew master key: 0 hours
    Master key lifetime: 8760 hours
    Master key reminder: 720 hours
    AES-256-GCM encryption: yes
`,
		"show system logdb-quota": `Quotas:
                 system: 4.00%, 0.368 GB Expiration-period: 365 days
                 config: 4.00%, 0.368 GB Expiration-period: 365 days
                traffic: 32.00%, 2.943 GB Expiration-period: 90 days
                 threat: 12.80%, 1.177 GB Expiration-period: 90 days

Disk usage:
system: Logs and Indexes: 0.012 GB
config: Logs and Indexes: 0.002 GB
traffic: Logs and Indexes: 0.814 GB
threat: Logs and Indexes: 0.104 GB
`,
		"show system resources": `top - 16:00:01 up 212 days,  3:17,  1 user,  load average: 0.41, 0.38, 0.36
Tasks: 182 total,   1 running, 181 sleeping,   0 stopped,   0 zombie
%Cpu(s):  3.1 us,  1.0 sy,  0.0 ni, 95.7 id,  0.1 wa,  0.0 hi,  0.1 si,  0.0 st
MiB Mem :   8992.9 total,   1021.4 free,   4212.7 used,   3758.8 buff/cache
MiB Swap:   5961.0 total,   5960.7 free,      0.3 used.   3982.2 avail Mem

  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
 3987 root      20   0  964212 412340  48212 S   2.0   4.5 412:13.09 mgmtsrvr
 4298 root      20   0  733112 201004  31188 S   1.0   2.2 101:42.77 logrcvr
`,
		"show system disk-space": `Filesystem      Size  Used Avail Use% Mounted on
/dev/root       6.9G  4.9G  1.7G  75% /
none            4.4G   80K  4.4G   1% /dev
/dev/sda5        16G  5.1G  9.7G  35% /opt/pancfg
/dev/sda6       7.9G  3.0G  4.5G  41% /opt/panrepo
tmpfs           4.4G  512M  3.9G  12% /dev/shm
/dev/sda8        21G  1.0G   19G   6% /opt/panlogs
`,
		"show system environmentals": "Environmental information is not available on this platform (PA-VM).\n", //nolint:misspell // PAN-OS spells its command so
		"show interface all": `total configured hardware interfaces: 2

name                    id    speed/duplex/state            mac address
--------------------------------------------------------------------------------
ethernet1/1             16    10000/full/up                 00:50:56:a1:2c:01
ethernet1/2             17    10000/full/up                 00:50:56:a1:2c:02

aggregation groups: 0

total configured logical interfaces: 2

name                id    vsys zone             forwarding               tag    address
------------------- ----- ---- ---------------- ------------------------ ------ ------------------
ethernet1/1         16    1    untrust          vr:default               0      192.0.2.2/30
ethernet1/2         17    1    trust            vr:default               0      10.0.1.254/24
`,
		"show routing summary": `
VIRTUAL ROUTER: default (id 1)
  ==========
  Route Table Summary
    total routes:       5
    static routes:      1
    connect routes:     2
    local routes:       2
    ospf routes:        0
    bgp routes:         0
`,
		"show session info": `target-dp:                                       *.dp0
--------------------------------------------------------------------------------
Number of sessions supported:                    256000
Number of allocated sessions:                    412
Number of active TCP sessions:                   301
Number of active UDP sessions:                   109
Number of active ICMP sessions:                  2
Session table utilization:                       0%
Number of sessions created since bootup:         88213044
Packet rate:                                     1422/s
Throughput:                                      31187 kbps
`,
		"show jobs all": `Enqueued              Dequeued           ID                              Type                         Status Result Completed
------------------------------------------------------------------------------------------------------------------------------
2026/12/03 15:41:09   15:41:09           412                           Commit                          FIN     OK 15:41:31
2026/12/03 03:00:00   03:00:00           411                          Downld                          FIN     OK 03:00:42
`,
	}
}
