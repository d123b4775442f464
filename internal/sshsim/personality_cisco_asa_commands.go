package sshsim

// asaMore answers the rest of configs/commands/cisco_asa.txt; the "show running-config <x>"
// slices agree with asaRunningConfig.
func asaMore() map[string]string {
	return map[string]string{
		"show hostname": "asa-edge1\n",
		"show mode":     "Security context mode: single \n",
		"show firewall": "Firewall mode: Router\n",
		"show running-config ssh": `ssh stricthostkeycheck
ssh 10.0.0.0 255.255.255.0 management
ssh timeout 10
ssh version 2
ssh key-exchange group dh-group14-sha256
ssh cipher encryption high
ssh cipher integrity high
`,
		"show running-config http": `http server enable
http 10.0.0.0 255.255.255.0 management
`,
		"show running-config telnet": "telnet timeout 5\n",
		"show running-config banner": "banner motd # Authorized access only > violators will be prosecuted #\n",
		"show running-config ssl": `ssl server-version tlsv1.2
ssl cipher tlsv1.2 high
ssl dh-group group24
`,
		"show running-config username": `username admin password ***** pbkdf2 privilege 15
username oca password ***** pbkdf2 privilege 5
`,
		"show running-config aaa": `aaa authentication ssh console ISE LOCAL
aaa authentication enable console ISE LOCAL
aaa accounting command ISE
aaa authorization exec authentication-server
`,
		"show running-config aaa-server": `aaa-server ISE protocol tacacs+
aaa-server ISE (management) host 10.0.9.10
 key *****
`,
		"show running-config snmp-server": `snmp-server group OCA-RO v3 priv
snmp-server user oca-snmp OCA-RO v3 engineID 80000009fe5e1a0f21c3b2a1d0 encrypted auth sha256 ***** priv aes 128 *****
snmp-server host management 10.0.9.21 version 3 oca-snmp
snmp-server location DC1 Row 4 > Rack 12
no snmp-server contact
`,
		"show snmp-server group": `groupname: OCA-RO                           security model:v3 priv
readview : <no readview specified>          writeview: <no writeview specified>
notifyview: *<no notifyview specified>
row status: active
`,
		"show snmp-server user": `User name: oca-snmp
Engine ID: 80000009fe5e1a0f21c3b2a1d0
storage-type: nonvolatile        active
Authentication Protocol: SHA256
Privacy Protocol: AES128
Group name: OCA-RO
`,
		"show running-config logging": `logging enable
logging timestamp
logging buffered informational
logging trap informational
logging host management 10.0.9.20
`,
		"show ntp associations": `      address         ref clock     st  when  poll reach  delay  offset    disp
*~10.0.9.30        192.0.2.123       2    16  1024  377     1.4   -0.41     0.2
+~10.0.9.31        192.0.2.124       2   410  1024  377     1.5    0.23     0.3
 * master (synced), # master (unsynced), + selected, - candidate, ~ configured
`,
		"show running-config ntp": `ntp server 10.0.9.30 source management prefer
ntp server 10.0.9.31 source management
`,
		"show nameif": `Interface                Name                     Security
GigabitEthernet1/1       outside                    0
GigabitEthernet1/2       inside                   100
Management1/1            management               100
`,
		"show route summary": `IP routing table maximum-paths is 8
Route Source    Networks    Subnets     Replicates  Overhead    Memory (bytes)
connected       3           0           0           264         864
static          1           0           0           88          288
ospf 1          0           0           0           0           0
Total           4           0           0           352         1152
`,
		"show running-config access-list": `access-list OUTSIDE-IN extended permit tcp any object WEB01 eq https
access-list OUTSIDE-IN extended deny ip any any log
`,
		"show running-config crypto": `crypto ipsec security-association pmtu-aging infinite
crypto ca trustpoint _SmartCallHome_ServerCA
 no validation-usage
 crl configure
crypto ca trustpool policy
 auto-import
`,
		"show crypto ca certificates": `CA Certificate
  Status: Available
  Certificate Serial Number: 0509
  Certificate Usage: General Purpose
  Public Key Type: RSA (2048 bits)
  Signature Algorithm: SHA1 with RSA Encryption
  Issuer Name:
    cn=QuoVadis Root CA 2
    o=QuoVadis Limited
    c=BM
  Subject Name:
    cn=QuoVadis Root CA 2
    o=QuoVadis Limited
    c=BM
  Validity Date:
    start date: 18:27:00 UTC Nov 24 2006
    end   date: 18:23:33 UTC Nov 24 2031
  Storage: config
  Associated Trustpoints: _SmartCallHome_ServerCA
`,
	}
}
