package node

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/evidence"
)

func TestKubeadmControlPlane(t *testing.T) {
	s, sum, pids := collectLayout(t, "kubeadm")
	if sum.Distribution != "kubeadm" || sum.NodeName != "cp-1" {
		t.Errorf("summary = %+v, want kubeadm node cp-1", sum)
	}
	ps := s.processes(t)

	api := findProc(ps, "kube-apiserver", evidence.SourceProc)
	if api == nil {
		t.Fatal("no running kube-apiserver found")
	}
	if api.PID != pids[0] || !strings.HasSuffix(api.Exe, "/kube-apiserver") {
		t.Errorf("kube-apiserver pid %d exe %q, want pid %d and an exe named kube-apiserver", api.PID, api.Exe, pids[0])
	}
	if v, _ := flagValue(api, "feature-gates"); v != "A=true,B=false" {
		t.Errorf("feature-gates = %q", v)
	}
	if v, _ := flagValue(api, "enable-bootstrap-token-auth"); v != "true" {
		t.Errorf("a boolean under a token-like name was withheld: %q", v)
	}

	kubelet := findProc(ps, "kubelet", evidence.SourceProc)
	if kubelet == nil {
		t.Fatal("no kubelet found")
	}
	if v, _ := flagValue(kubelet, "node-labels"); v != "topology.kubernetes.io/zone=zone a,tier=gold" {
		t.Errorf("--node-labels (space form, value with '=' and a space) = %q", v)
	}
	if v, _ := flagValue(kubelet, "v"); v != "2" {
		t.Errorf("--v = %q", v)
	}

	etcd := findProc(ps, "etcd", evidence.SourceProc)
	wantEnv := map[string]string{"ETCD_HEARTBEAT_INTERVAL": "100", "ETCD_ELECTION_TIMEOUT": "1000", "ETCD_INITIAL_CLUSTER_TOKEN": Redacted}
	if etcd == nil || !reflect.DeepEqual(etcd.Env, wantEnv) {
		t.Errorf("etcd env = %v, want only ETCD_* with the token withheld: %v", etcd, wantEnv)
	}
	if p := findProc(ps, "kube-apiserver", evidence.SourceProc); p.Env != nil {
		t.Errorf("environment read for a non-etcd process: %v", p.Env)
	}

	for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"} {
		p := findProc(ps, c, evidence.SourceStaticManifest)
		if p == nil || p.Manifest != "/etc/kubernetes/manifests/"+c+".yaml" || p.Container != c {
			t.Errorf("static manifest process for %s = %+v", c, p)
			continue
		}
		m := s.file(t, p.Manifest)
		if !hasRole(m, c+".manifest") {
			t.Errorf("%s roles %v lack %s.manifest", p.Manifest, m.Roles, c)
		}
	}
	smAPI := findProc(ps, "kube-apiserver", evidence.SourceStaticManifest)
	if v, _ := flagValue(smAPI, "anonymous-auth"); v != "false" {
		t.Errorf("static manifest kube-apiserver anonymous-auth = %q", v)
	}

	checkKubeadmFiles(t, s)
}

func checkKubeadmFiles(t *testing.T, s *memSink) {
	caKey := s.file(t, "/etc/kubernetes/pki/ca.key")
	if !caKey.Exists || caKey.Mode != 0o600 || caKey.Content != nil || caKey.SHA256 != "" || len(caKey.Redactions) != 1 {
		t.Errorf("ca.key = %+v: want metadata only, mode 0600, one redaction", caKey)
	}
	if !hasRole(caKey, "pki.key") || !hasRole(caKey, "kube-controller-manager.flag:cluster-signing-key-file") {
		t.Errorf("ca.key roles = %v", caKey.Roles)
	}
	if os.Geteuid() == 0 {
		if caKey.Owner != "root" || caKey.Group != "root" {
			t.Errorf("ca.key owner %s:%s, want root:root", caKey.Owner, caKey.Group)
		}
		d := s.file(t, "/var/lib/etcd")
		if d.Type != evidence.TypeDir || d.Mode != 0o700 || d.UID != 998 || d.Owner != "etcd" || d.Group != "etcd" {
			t.Errorf("/var/lib/etcd = %+v: want dir 0700 etcd:etcd (names from the host root's passwd/group)", d)
		}
		if !hasRole(d, "etcd.flag:data-dir") || !hasRole(d, "etcd.data-dir") {
			t.Errorf("/var/lib/etcd roles = %v", d.Roles)
		}
	}

	ca := s.file(t, "/etc/kubernetes/pki/ca.crt")
	if ca.Format != formatPEM || ca.SHA256 == "" || !hasRole(ca, "kubelet.config-field:authentication.x509.clientCAFile") ||
		!hasRole(ca, "kube-apiserver.flag:client-ca-file") {
		t.Errorf("ca.crt = format %q sha %q roles %v", ca.Format, ca.SHA256, ca.Roles)
	}
	if !strings.Contains(mustJSON(ca.Content), `"subject":"CN=kubernetes"`) {
		t.Errorf("ca.crt summary: %s", mustJSON(ca.Content))
	}

	cfg := s.file(t, "/var/lib/kubelet/config.yaml")
	if cfg.Format != formatKubelet || !hasRole(cfg, "kubelet.config") || !hasRole(cfg, "kubelet.flag:config") {
		t.Errorf("kubelet config: format %q roles %v", cfg.Format, cfg.Roles)
	}
	dropin := s.file(t, "/etc/kubernetes/kubelet.conf.d/50-tls.conf")
	if !hasRole(dropin, "kubelet.dropin") || dropin.Format != formatKubelet {
		t.Errorf("drop-in: format %q roles %v", dropin.Format, dropin.Roles)
	}
	if _, ok := s.members[evidence.FileMember("/etc/kubernetes/kubelet.conf.d/README")]; ok {
		t.Error("a non-.conf file of --config-dir was taken as a drop-in")
	}
	// tlsCertFile in the drop-in is relative: relative to the drop-in's directory.
	crt := s.file(t, "/var/lib/kubelet/pki/kubelet.crt")
	if !hasRole(crt, "kubelet.config-field:tlsCertFile") {
		t.Errorf("relative tlsCertFile not resolved against the config's directory: roles %v", crt.Roles)
	}

	cur := s.file(t, "/var/lib/kubelet/pki/kubelet-client-current.pem")
	if cur.LinkTarget == "" || cur.Type != evidence.TypeFile || cur.SHA256 != "" || len(cur.Redactions) == 0 {
		t.Errorf("cert+key pem = %+v: want link target, its key block withheld, no sha256", cur)
	}

	enc := s.file(t, "/etc/kubernetes/enc/encryption-config.yaml")
	ej := mustJSON(enc.Content)
	if enc.Format != formatEncryption || !strings.Contains(ej, `"name":"key1"`) || !strings.Contains(ej, Redacted) || enc.SHA256 != "" {
		t.Errorf("encryption config: format %q content %s sha %q", enc.Format, ej, enc.SHA256)
	}
	tok := s.file(t, "/etc/kubernetes/tokens.csv")
	if tok.Content != nil || tok.SHA256 != "" || !hasRole(tok, "kube-apiserver.flag:token-auth-file") {
		t.Errorf("token file = %+v", tok)
	}

	admin := s.file(t, "/etc/kubernetes/admin.conf")
	aj := mustJSON(admin.Content)
	if admin.Format != formatKubeconfig || !hasRole(admin, "admin.kubeconfig") ||
		!strings.Contains(aj, `"client-key-data":"`+Redacted+`"`) || !strings.Contains(aj, "client-certificate-data") {
		t.Errorf("admin.conf: format %q roles %v content %s", admin.Format, admin.Roles, aj)
	}

	unit := s.file(t, "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf")
	uj := mustJSON(unit.Content)
	if unit.Format != formatSystemdUnit || !hasRole(unit, "kubelet.service") ||
		!strings.Contains(uj, "KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml") {
		t.Errorf("kubeadm drop-in: %s", uj)
	}
	env := s.file(t, "/var/lib/kubelet/kubeadm-flags.env")
	if env.Format != formatEnvFile || !hasRole(env, "kubelet.service.env") {
		t.Errorf("kubeadm-flags.env: format %q roles %v", env.Format, env.Roles)
	}
	audit := s.file(t, "/var/log/kubernetes/audit/audit.log")
	if audit.Exists || !hasRole(audit, "kube-apiserver.flag:audit-log-path") {
		t.Errorf("absent audit log = %+v", audit)
	}
	if h := s.host(t); h.OSRelease["ID"] != "ubuntu" || h.CollectedAt != "2025-06-01T12:00:00Z" || h.Kernel == "" || h.BootTime == "" {
		t.Errorf("host = %+v", h)
	}
}

func mustJSON(v any) string {
	var b strings.Builder
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v)
	return strings.TrimSpace(b.String())
}

func TestK3sServer(t *testing.T) {
	s, sum, _ := collectLayout(t, "k3s")
	if sum.Distribution != "k3s" {
		t.Errorf("distribution %q, want k3s", sum.Distribution)
	}
	ps := s.processes(t)
	var comps []string
	for _, p := range ps {
		comps = append(comps, p.Component)
		if p.Binary != "k3s server" {
			t.Errorf("%s binary %q", p.Component, p.Binary)
		}
	}
	want := []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"}
	if !reflect.DeepEqual(comps, want) {
		t.Fatalf("components %v, want %v", comps, want)
	}
	api := findProc(ps, "kube-apiserver", evidence.SourceProc)
	// config.yaml first, then the unit's ExecStart (k3s hid its own argv).
	if v, _ := flagValue(api, "anonymous-auth"); v != "false" {
		t.Errorf("anonymous-auth from the unit = %q", v)
	}
	if v, _ := flagValue(api, "audit-policy-file"); v != "/var/lib/rancher/k3s/server/audit.yaml" {
		t.Errorf("audit-policy-file from config.yaml = %q", v)
	}
	if v, _ := flagValue(api, "oidc-client-secret"); v != Redacted {
		t.Errorf("oidc-client-secret = %q, want withheld", v)
	}
	cm := findProc(ps, "kube-controller-manager", evidence.SourceProc)
	if v, _ := flagValue(cm, "terminated-pod-gc-threshold"); v != "10" {
		t.Errorf("kube-controller-manager-arg+ from config.yaml.d = %q", v)
	}
	pol := s.file(t, "/var/lib/rancher/k3s/server/audit.yaml")
	if pol.Format != formatAuditPolicy || !hasRole(pol, "kube-apiserver.flag:audit-policy-file") {
		t.Errorf("audit policy: format %q roles %v", pol.Format, pol.Roles)
	}
	kcfg := s.file(t, "/var/lib/rancher/k3s/agent/etc/kubelet.yaml")
	if !hasRole(kcfg, "kubelet.config") && !hasRole(kcfg, "kubelet.flag:config") {
		t.Errorf("kubelet config via --kubelet-arg: roles %v", kcfg.Roles)
	}
	ca := s.file(t, "/var/lib/rancher/k3s/agent/client-ca.crt")
	if !hasRole(ca, "kubelet.config-field:authentication.x509.clientCAFile") {
		t.Errorf("client-ca.crt roles %v", ca.Roles)
	}
	if d := s.file(t, "/var/lib/rancher/k3s/server/db/etcd"); !hasRole(d, "etcd.data-dir") || d.Type != evidence.TypeDir {
		t.Errorf("k3s etcd dir = %+v", d)
	}
	envf := s.file(t, "/etc/systemd/system/k3s.service.env")
	if !strings.Contains(mustJSON(envf.Content), `"K3S_KUBECONFIG_MODE","value":"600"`) {
		t.Errorf("k3s env file: %s", mustJSON(envf.Content))
	}
}

func TestRKE2Server(t *testing.T) {
	s, sum, _ := collectLayout(t, "rke2")
	if sum.Distribution != "rke2" {
		t.Errorf("distribution %q, want rke2", sum.Distribution)
	}
	ps := s.processes(t)
	kubelet := findProc(ps, "kubelet", evidence.SourceProc)
	if kubelet == nil {
		t.Fatal("rke2 kubelet not found")
	}
	const R = "/var/lib/rancher/rke2"
	drop := s.file(t, R+"/agent/etc/kubelet.conf.d/00-rke2-defaults.conf")
	if !hasRole(drop, "kubelet.dropin") {
		t.Errorf("rke2 drop-in roles %v", drop.Roles)
	}
	for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"} {
		if findProc(ps, c, evidence.SourceStaticManifest) == nil || findProc(ps, c, evidence.SourceProc) == nil {
			t.Errorf("%s: want both a static-manifest and a running process", c)
		}
	}
	m := s.file(t, R+"/agent/pod-manifests/kube-apiserver.yaml")
	if !hasRole(m, "kube-apiserver.manifest") || !hasRole(m, "wellknown:rke2:pod-manifests") && !strings.Contains(strings.Join(m.Roles, ","), "manifest") {
		t.Errorf("rke2 manifest roles %v", m.Roles)
	}
	dir := s.file(t, R+"/agent/pod-manifests")
	if !hasRole(dir, "kubelet.config-field:staticPodPath") {
		t.Errorf("staticPodPath from the drop-in: roles %v", dir.Roles)
	}
	etcdCfg := s.file(t, R+"/server/db/etcd/config")
	if !hasRole(etcdCfg, "etcd.flag:config-file") || etcdCfg.Format != formatYAML {
		t.Errorf("etcd config file: roles %v format %q", etcdCfg.Roles, etcdCfg.Format)
	}
	adm := s.file(t, "/etc/rancher/rke2/rke2-pss.yaml")
	if adm.Format != formatAdmission || !hasRole(adm, "kube-apiserver.flag:admission-control-config-file") {
		t.Errorf("admission config: format %q roles %v", adm.Format, adm.Roles)
	}
	etcd := findProc(ps, "etcd", evidence.SourceProc)
	if etcd.Env["ETCD_NAME"] != "rke2-1" {
		t.Errorf("etcd env %v", etcd.Env)
	}
}

func TestHostedWorker(t *testing.T) {
	s, sum, _ := collectLayout(t, "eks-worker")
	if sum.Distribution != "eks" || sum.Processes != 1 {
		t.Errorf("summary %+v: want eks with one process (the kubelet)", sum)
	}
	ps := s.processes(t)
	k := findProc(ps, "kubelet", evidence.SourceProc)
	if v, _ := flagValue(k, "config"); v != "/etc/kubernetes/kubelet/kubelet-config.json" {
		t.Errorf("--config (space form) = %q", v)
	}
	cfg := s.file(t, "/etc/kubernetes/kubelet/kubelet-config.json")
	if cfg.Format != formatKubelet || !hasRole(cfg, "kubelet.config") {
		t.Errorf("kubelet-config.json: format %q roles %v", cfg.Format, cfg.Roles)
	}
	ca := s.file(t, "/etc/kubernetes/pki/ca.crt")
	if !hasRole(ca, "kubelet.config-field:authentication.x509.clientCAFile") {
		t.Errorf("../pki/ca.crt relative to the config file: roles %v", ca.Roles)
	}
	kc := s.file(t, "/var/lib/kubelet/kubeconfig")
	j := mustJSON(kc.Content)
	if !strings.Contains(j, `"command":"aws"`) || !strings.Contains(j, `"name":"AWS_PROFILE"`) {
		t.Errorf("exec kubeconfig lost its structure: %s", j)
	}
}

// TestDeterministic: the same host and processes give byte-identical members and gaps.
func TestDeterministic(t *testing.T) {
	root, spec := layout(t, "kubeadm")
	pids := startProcs(t, spec.Processes)
	var runs []string
	for i := 0; i < 3; i++ {
		s := newSink()
		if _, err := Collect(context.Background(), Options{HostRoot: root, Now: fixedNow, PIDs: append(pids, 1<<30)}, s); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, strings.Join(s.order, "\n")+s.all())
	}
	if runs[0] != runs[1] || runs[1] != runs[2] {
		t.Error("two collections of the same node differ")
	}
}
