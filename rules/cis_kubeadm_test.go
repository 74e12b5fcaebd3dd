package rules

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// kubeadmNode is a default kubeadm control plane node (v1.33/v1.34 kubeadm init, no extra
// configuration): the flags kubeadm writes into the static pod manifests, the kubelet
// config.yaml it writes, the defaults the analyzer adds (analyze/defaults), and the file
// modes and owners kubeadm creates. It pins the rule set's verdicts on that node; the list of
// failures is the one the scenario tests expect.
func kubeadmNode() (map[string]map[string]string, map[string]map[string]string, map[string]map[string]any) {
	flags := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cfg := map[string]map[string]string{
		"kube-apiserver": flags("advertise-address", "10.0.0.10", "allow-privileged", "true", "authorization-mode", "Node,RBAC",
			"client-ca-file", "/etc/kubernetes/pki/ca.crt", "enable-admission-plugins", "NodeRestriction", "enable-bootstrap-token-auth", "true",
			"etcd-cafile", "/etc/kubernetes/pki/etcd/ca.crt", "etcd-certfile", "/etc/kubernetes/pki/apiserver-etcd-client.crt",
			"etcd-keyfile", "/etc/kubernetes/pki/apiserver-etcd-client.key", "etcd-servers", "https://127.0.0.1:2379",
			"kubelet-client-certificate", "/etc/kubernetes/pki/apiserver-kubelet-client.crt", "kubelet-client-key", "/etc/kubernetes/pki/apiserver-kubelet-client.key",
			"kubelet-preferred-address-types", "InternalIP,ExternalIP,Hostname", "proxy-client-cert-file", "/etc/kubernetes/pki/front-proxy-client.crt",
			"proxy-client-key-file", "/etc/kubernetes/pki/front-proxy-client.key", "requestheader-allowed-names", "front-proxy-client",
			"requestheader-client-ca-file", "/etc/kubernetes/pki/front-proxy-ca.crt", "secure-port", "6443",
			"service-account-issuer", "https://kubernetes.default.svc.cluster.local", "service-account-key-file", "/etc/kubernetes/pki/sa.pub",
			"service-account-signing-key-file", "/etc/kubernetes/pki/sa.key", "service-cluster-ip-range", "10.96.0.0/12",
			"tls-cert-file", "/etc/kubernetes/pki/apiserver.crt", "tls-private-key-file", "/etc/kubernetes/pki/apiserver.key"),
		"kube-controller-manager": flags("authentication-kubeconfig", "/etc/kubernetes/controller-manager.conf", "authorization-kubeconfig", "/etc/kubernetes/controller-manager.conf",
			"bind-address", "127.0.0.1", "client-ca-file", "/etc/kubernetes/pki/ca.crt", "cluster-name", "kubernetes",
			"cluster-signing-cert-file", "/etc/kubernetes/pki/ca.crt", "cluster-signing-key-file", "/etc/kubernetes/pki/ca.key",
			"controllers", "*,bootstrapsigner,tokencleaner", "kubeconfig", "/etc/kubernetes/controller-manager.conf", "leader-elect", "true",
			"requestheader-client-ca-file", "/etc/kubernetes/pki/front-proxy-ca.crt", "root-ca-file", "/etc/kubernetes/pki/ca.crt",
			"service-account-private-key-file", "/etc/kubernetes/pki/sa.key", "use-service-account-credentials", "true"),
		"kube-scheduler": flags("authentication-kubeconfig", "/etc/kubernetes/scheduler.conf", "authorization-kubeconfig", "/etc/kubernetes/scheduler.conf",
			"bind-address", "127.0.0.1", "kubeconfig", "/etc/kubernetes/scheduler.conf", "leader-elect", "true"),
		"etcd": flags("advertise-client-urls", "https://10.0.0.10:2379", "cert-file", "/etc/kubernetes/pki/etcd/server.crt", "client-cert-auth", "true",
			"data-dir", "/var/lib/etcd", "key-file", "/etc/kubernetes/pki/etcd/server.key", "peer-cert-file", "/etc/kubernetes/pki/etcd/peer.crt",
			"peer-client-cert-auth", "true", "peer-key-file", "/etc/kubernetes/pki/etcd/peer.key", "peer-trusted-ca-file", "/etc/kubernetes/pki/etcd/ca.crt",
			"trusted-ca-file", "/etc/kubernetes/pki/etcd/ca.crt"),
		"kubelet": flags("config", "/var/lib/kubelet/config.yaml", "kubeconfig", "/etc/kubernetes/kubelet.conf",
			"bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.conf", "container-runtime-endpoint", "unix:///var/run/containerd/containerd.sock",
			"authentication.anonymous.enabled", "false", "authentication.webhook.enabled", "true", "authentication.x509.clientCAFile", "/etc/kubernetes/pki/ca.crt",
			"authorization.mode", "Webhook", "cgroupDriver", "systemd", "rotateCertificates", "true", "staticPodPath", "/etc/kubernetes/manifests",
			"streamingConnectionIdleTimeout", "0s", "healthzBindAddress", "127.0.0.1"),
		"kube-proxy": flags("config", "/var/lib/kube-proxy/config.conf", "metricsBindAddress", "", "mode", ""),
	}
	src := map[string]map[string]string{}
	for comp, m := range cfg {
		src[comp] = map[string]string{}
		for k := range m {
			src[comp][k] = "flag"
		}
	}
	for _, k := range []string{"authentication.anonymous.enabled", "authentication.webhook.enabled", "authentication.x509.clientCAFile",
		"authorization.mode", "cgroupDriver", "rotateCertificates", "staticPodPath", "streamingConnectionIdleTimeout", "healthzBindAddress"} {
		src["kubelet"][k] = "config-file"
	}
	src["kube-proxy"]["metricsBindAddress"], src["kube-proxy"]["mode"] = "config-file", "config-file"
	defaults := map[string][]string{ // analyze/defaults/*.yaml values kubeadm does not override
		"kube-apiserver":          {"anonymous-auth", "true", "profiling", "true", "service-account-lookup", "true", "request-timeout", "1m0s", "audit-log-maxage", "0", "audit-log-maxbackup", "0", "audit-log-maxsize", "0"},
		"kube-controller-manager": {"profiling", "true", "terminated-pod-gc-threshold", "12500", "feature-gates.RotateKubeletServerCertificate", "true"},
		"kube-scheduler":          {"profiling", "true"},
		"etcd":                    {"auto-tls", "false", "peer-auto-tls", "false"},
		"kubelet":                 {"readOnlyPort", "0", "eventRecordQPS", "50", "makeIPTablesUtilChains", "true", "serverTLSBootstrap", "false", "seccompDefault", "false", "podPidsLimit", "-1", "featureGates.RotateKubeletServerCertificate", "true"},
	}
	for comp, kv := range defaults {
		for i := 0; i < len(kv); i += 2 {
			cfg[comp][kv[i]], src[comp][kv[i]] = kv[i+1], "default"
		}
	}
	file := func(path string, mode int64, owner, typ string) map[string]any {
		return map[string]any{"path": path, "exists": true, "type": typ, "mode": mode, "owner": owner, "group": owner, "uid": int64(0), "gid": int64(0)}
	}
	files := map[string]map[string]any{
		"role:kube-apiserver.manifest":                     file("/etc/kubernetes/manifests/kube-apiserver.yaml", 0o600, "root", "file"),
		"role:kube-controller-manager.manifest":            file("/etc/kubernetes/manifests/kube-controller-manager.yaml", 0o600, "root", "file"),
		"role:kube-scheduler.manifest":                     file("/etc/kubernetes/manifests/kube-scheduler.yaml", 0o600, "root", "file"),
		"role:etcd.manifest":                               file("/etc/kubernetes/manifests/etcd.yaml", 0o600, "root", "file"),
		"setting:etcd:data-dir":                            file("/var/lib/etcd", 0o700, "root", "dir"),
		"role:admin.kubeconfig":                            file("/etc/kubernetes/admin.conf", 0o600, "root", "file"),
		"role:super-admin.kubeconfig":                      file("/etc/kubernetes/super-admin.conf", 0o600, "root", "file"),
		"setting:kube-scheduler:kubeconfig":                file("/etc/kubernetes/scheduler.conf", 0o600, "root", "file"),
		"setting:kube-controller-manager:kubeconfig":       file("/etc/kubernetes/controller-manager.conf", 0o600, "root", "file"),
		"role:pki.dir":                                     file("/etc/kubernetes/pki", 0o755, "root", "dir"),
		"role:pki.cert":                                    file("/etc/kubernetes/pki/apiserver.crt", 0o644, "root", "file"),
		"role:pki.key":                                     file("/etc/kubernetes/pki/apiserver.key", 0o600, "root", "file"),
		"role:kubelet.service":                             file("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", 0o644, "root", "file"),
		"setting:kubelet:kubeconfig":                       file("/etc/kubernetes/kubelet.conf", 0o600, "root", "file"),
		"setting:kubelet:authentication.x509.clientCAFile": file("/etc/kubernetes/pki/ca.crt", 0o644, "root", "file"),
		"setting:kubelet:config":                           file("/var/lib/kubelet/config.yaml", 0o644, "root", "file"),
		// no CNI plugin installed, kube-proxy's kubeconfig lives in its pod, no audit policy
		// or encryption configuration: those selectors find no file.
	}
	return cfg, src, files
}

// kubeadmDefaultFailures is the list of recommendations that FAIL on a default kubeadm
// control plane node (node evidence only).
var kubeadmDefaultFailures = []string{
	// automated
	"1.1.12", "1.2.5", "1.2.15", "1.2.16", "1.2.17", "1.2.18", "1.2.19", "1.2.30", "1.3.2", "1.4.1", "4.1.1", "4.1.9",
	// manual recommendations that the evidence decides
	"1.2.1", "1.2.3", "1.2.9", "1.2.11", "1.2.27", "1.2.29", "3.2.1", "4.2.9", "4.2.12", "4.2.13", "4.2.14",
}

func TestCISKubeadmDefaultNode(t *testing.T) {
	set, err := LoadFS(os.DirFS("."), "cis", "rules/cis")
	if err != nil {
		t.Fatal(err)
	}
	cfg, src, files := kubeadmNode()
	fails, manual := nodeVerdicts(t, set, cfg, src, files)
	want := slices.Clone(kubeadmDefaultFailures)
	slices.SortFunc(want, CompareIDs)
	if !slices.Equal(fails, want) {
		t.Errorf("kubeadm default node fails\n got %s\nwant %s", strings.Join(fails, " "), strings.Join(want, " "))
	}
	t.Logf("MANUAL on the kubeadm default node: %s", strings.Join(manual, " "))
}

// TestCISKubeadmHardenedNode fixes every automated failure of the default node the way the
// remediation texts say; then no automated rule may fail.
func TestCISKubeadmHardenedNode(t *testing.T) {
	set, err := LoadFS(os.DirFS("."), "cis", "rules/cis")
	if err != nil {
		t.Fatal(err)
	}
	cfg, src, files := kubeadmNode()
	set1 := func(comp string, kv ...string) {
		for i := 0; i < len(kv); i += 2 {
			cfg[comp][kv[i]], src[comp][kv[i]] = kv[i+1], "flag"
		}
	}
	set1("kube-apiserver", "kubelet-certificate-authority", "/etc/kubernetes/pki/ca.crt", "profiling", "false",
		"audit-log-path", "/var/log/kubernetes/audit/audit.log", "audit-log-maxage", "30", "audit-log-maxbackup", "10",
		"audit-log-maxsize", "100", "service-account-extend-token-expiration", "false")
	set1("kube-controller-manager", "profiling", "false")
	set1("kube-scheduler", "profiling", "false")
	files["setting:etcd:data-dir"]["owner"], files["setting:etcd:data-dir"]["group"] = "etcd", "etcd"
	files["role:kubelet.service"]["mode"] = int64(0o600)
	files["setting:kubelet:config"]["mode"] = int64(0o600)
	fails, _ := nodeVerdicts(t, set, cfg, src, files)
	for _, id := range fails {
		if r, _ := set.Rule(id); r.Automated() {
			t.Errorf("automated rule %s fails on the hardened node", id)
		}
	}
}

func nodeVerdicts(t *testing.T, set *Set, cfg, src map[string]map[string]string, files map[string]map[string]any) (fails, manual []string) {
	t.Helper()
	for _, r := range set.Rules() {
		var verdicts []Verdict
		switch r.Scope {
		case ScopeComponent:
			verdicts = append(verdicts, r.Eval(&Input{Config: cfg[r.Component], Sources: src[r.Component]}, nil, true))
		case ScopeFile:
			for _, sel := range r.Files {
				k := "role:" + sel.Role
				if sel.Setting != "" {
					k = "setting:" + sel.Setting
				}
				if f, ok := files[k]; ok {
					verdicts = append(verdicts, r.Eval(&Input{File: f}, nil, true))
				}
			}
		}
		for _, v := range verdicts {
			if v.Status == "ERROR" {
				t.Errorf("%s: %v", r.ID, v.Err)
			}
			if v.Status == "FAIL" && !slices.Contains(fails, r.ID) {
				fails = append(fails, r.ID)
			}
			if v.Status == "MANUAL" && !slices.Contains(manual, r.ID) {
				manual = append(manual, r.ID)
			}
		}
	}
	slices.SortFunc(fails, CompareIDs)
	slices.SortFunc(manual, CompareIDs)
	return fails, manual
}
