package node

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestRedactArgv(t *testing.T) {
	cases := []struct{ in, want []string }{
		{[]string{"k3s", "server", "--token=s3cret", "--agent-token", "s3cret2", "--token-auth-file=/etc/t.csv"},
			[]string{"k3s", "server", "--token=" + Redacted, "--agent-token", Redacted, "--token-auth-file=/etc/t.csv"}},
		{[]string{"x", "--datastore-endpoint=postgres://u:pw@db:5432/k3s"},
			[]string{"x", "--datastore-endpoint=postgres://u:" + Redacted + "@db:5432/k3s"}},
		{[]string{"x", "--kube-apiserver-arg=oidc-client-secret=abc", "--kube-apiserver-arg=audit-log-maxage=30"},
			[]string{"x", "--kube-apiserver-arg=oidc-client-secret=" + Redacted, "--kube-apiserver-arg=audit-log-maxage=30"}},
		{[]string{"x", "--enable-bootstrap-token-auth=true", "--password", "false"},
			[]string{"x", "--enable-bootstrap-token-auth=true", "--password", "false"}},
	}
	for _, c := range cases {
		got, red := redactArgv(c.in, "/argv")
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("redactArgv(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
		if changed := !reflect.DeepEqual(c.in, c.want); changed != (len(red) > 0) {
			t.Errorf("redactArgv(%q): redactions %v", c.in, red)
		}
	}
}

func TestParseConfigRedactsKubeconfig(t *testing.T) {
	in := `apiVersion: v1
kind: Config
users:
- name: a
  user:
    token: tok-1
    password: pw-1
    username: admin
    client-key-data: key-1
    tokenFile: /var/run/token
- name: b
  user:
    auth-provider:
      name: oidc
      config: {idp-issuer-url: "https://issuer", refresh-token: rt-1}
- name: c
  user:
    exec: {command: aws, args: [--secret-key=sk-1, token], env: [{name: PROFILE, value: pv-1}]}
`
	format, content, red, err := parseConfig([]byte(in))
	if err != nil || format != formatKubeconfig {
		t.Fatalf("parseConfig: %q %v", format, err)
	}
	b, _ := json.Marshal(content)
	out := string(b)
	for _, secret := range []string{"tok-1", "pw-1", "key-1", "rt-1", "https://issuer", "sk-1", "pv-1"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q kept: %s", secret, out)
		}
	}
	for _, kept := range []string{`"username":"admin"`, `"tokenFile":"/var/run/token"`, `"name":"oidc"`, `"command":"aws"`, `"name":"PROFILE"`, `"client-key-data"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("%s lost: %s", kept, out)
		}
	}
	if len(red.out) != 7 {
		t.Errorf("redactions = %+v, want 7", red.out)
	}
}

func TestParseUnitAndEnvFile(t *testing.T) {
	unit := "[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--node-ip=1.2.3.4 --token=t1\" \"HTTP_PROXY=http://u:p@proxy\"\nEnvironmentFile=-/etc/default/kubelet\nExecStart=/usr/bin/kubelet \\\n  --password=p2\n"
	content, envFiles, red := parseUnit([]byte(unit))
	b, _ := json.Marshal(content)
	for _, s := range []string{"t1", "u:p", "p2"} {
		if strings.Contains(string(b), s) {
			t.Errorf("%q kept in unit: %s", s, b)
		}
	}
	if !strings.Contains(string(b), "--node-ip=1.2.3.4") || !reflect.DeepEqual(envFiles, []string{"/etc/default/kubelet"}) || len(red.out) != 3 {
		t.Errorf("unit = %s env files %v redactions %+v", b, envFiles, red.out)
	}
	vars, red := parseEnvFile([]byte("export KUBELET_EXTRA_ARGS='--v=2'\nAWS_SECRET=x1\nK3S_TOKEN=x2\n# c\n"))
	want := []envVar{{"KUBELET_EXTRA_ARGS", "--v=2"}, {"AWS_SECRET", Redacted}, {"K3S_TOKEN", Redacted}}
	if !reflect.DeepEqual(vars, want) || len(red.out) != 2 {
		t.Errorf("env file = %+v (%+v)", vars, red.out)
	}
}

func TestCatalog(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.WellKnown) < 40 || len(c.Flags["kube-apiserver"]) < 20 {
		t.Errorf("catalog looks truncated: %d well-known paths, %d apiserver flags", len(c.WellKnown), len(c.Flags["kube-apiserver"]))
	}
	if _, err := parseCatalog([]byte("wellknown:\n- {distro: x, name: y, path: rel/path, kind: nope, source: s}\n")); err == nil ||
		!strings.Contains(err.Error(), "not clean and absolute") || !strings.Contains(err.Error(), `unknown kind "nope"`) {
		t.Errorf("bad catalog accepted or unclear: %v", err)
	}
	for _, k := range []string{"token-auth-file", "tls-private-key-file", "etcd-keyfile"} {
		if r, _ := c.flagRef("kube-apiserver", k); r.Kind != kindSecret && r.Kind != kindKey {
			t.Errorf("kube-apiserver --%s is kind %q: its content would be read", k, r.Kind)
		}
	}
}

// FuzzParsers: no parser panics on hostile file content, and a value planted under a
// secret key never survives config parsing.
func FuzzParsers(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Config\nusers: [{name: a, user: {token: x}}]\n"))
	f.Add([]byte("[Service]\nEnvironment=\"A=b c\" D=e\nExecStart=/bin/x \\\n --token=y\n"))
	f.Add([]byte("KEY='v' \nexport B=\"c d\"\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("---\n---\na: [1, {b: 2}]\n---\n{\"kind\":\"EncryptionConfiguration\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _, _ = parseConfig(data)
		parseUnit(data)
		parseEnvFile(data)
		parseArgsFile(data)
		parsePEM(data, &redactor{})
		redactArgv(strings.Split(string(data), "\n"), "")
		doc := append([]byte("token: PLANTEDSECRET\n"), data...)
		if _, c, _, err := parseConfig(doc); err == nil {
			if b, _ := json.Marshal(c); strings.Contains(string(b), "PLANTEDSECRET") {
				t.Fatalf("secret kept: %s", b)
			}
		}
	})
}
