package node

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/evidence"
	"github.com/kubeproof/kubeproof/internal/fakeproc"
)

// TestTrickyArgv starts real processes whose argv holds the cases kube-bench gets wrong
// and reads them back through /proc.
func TestTrickyArgv(t *testing.T) {
	procs := []fakeproc.Proc{
		{Argv: []string{"etcd", "--peer-client-cert-auth=true", "--name", "node a", "--initial-cluster=a=https://10.0.0.1:2380,b=https://10.0.0.2:2380",
			"--listen-client-urls=https://127.0.0.1:2379", "--listen-client-urls=https://10.0.0.1:2379", "--debug"},
			Env: map[string]string{"ETCD_CLIENT_CERT_AUTH": "false", "AWS_SECRET_ACCESS_KEY": "PLANTED-env"}},
		// argv[0] rewritten: the executable's name still says etcd
		{Argv: []string{"/opt/bin/renamed", "--client-cert-auth"}, Exe: "etcd"},
		{Argv: []string{"/usr/local/bin/hyperkube", "kubelet", "--anonymous-auth=false", "--token=PLANTED-hyperkube"}, Exe: "hyperkube"},
		// lookalikes that are not components
		{Argv: []string{"etcdctl", "--endpoints=https://127.0.0.1:2379"}},
		{Argv: []string{"kube-apiserver-proxy", "--x=1"}},
	}
	pids := startProcs(t, procs)
	s := newSink()
	if _, err := Collect(context.Background(), Options{HostRoot: t.TempDir(), Now: fixedNow, PIDs: pids}, s); err != nil {
		t.Fatal(err)
	}
	ps := s.processes(t)
	if len(ps) != 3 {
		t.Fatalf("got %d processes, want 3 (etcd, renamed etcd, hyperkube kubelet): %+v", len(ps), ps)
	}
	e := ps[0]
	want := []evidence.Flag{
		{Name: "peer-client-cert-auth", Value: "true", HasValue: true},
		{Name: "name", Value: "node a", HasValue: true},
		{Name: "initial-cluster", Value: "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380", HasValue: true},
		{Name: "listen-client-urls", Value: "https://127.0.0.1:2379", HasValue: true},
		{Name: "listen-client-urls", Value: "https://10.0.0.1:2379", HasValue: true},
		{Name: "debug"},
	}
	if !reflect.DeepEqual(e.Flags, want) {
		t.Errorf("etcd flags\n got %+v\nwant %+v", e.Flags, want)
	}
	if _, ok := evidence.LastFlag(e.Flags, "client-cert-auth"); ok {
		t.Error("--peer-client-cert-auth was taken for --client-cert-auth")
	}
	if !reflect.DeepEqual(e.Env, map[string]string{"ETCD_CLIENT_CERT_AUTH": "false"}) {
		t.Errorf("etcd env = %v, want only ETCD_CLIENT_CERT_AUTH", e.Env)
	}
	if r := ps[1]; r.Component != "etcd" || r.Argv[0] != "/opt/bin/renamed" || filepath.Base(r.Exe) != "etcd" {
		t.Errorf("renamed etcd = %+v", r)
	}
	h := ps[2]
	if h.Component != "kubelet" || h.Binary != "hyperkube kubelet" {
		t.Errorf("hyperkube = %+v", h)
	}
	if v, _ := evidence.LastFlag(h.Flags, "token"); v != Redacted || strings.Contains(s.all(), "PLANTED") {
		t.Errorf("a planted secret reached the evidence: %s", s.all())
	}
	if len(h.Redactions) != 2 { // argv/3 and flags/1/value
		t.Errorf("hyperkube redactions = %+v", h.Redactions)
	}
}

// TestPlantedSecrets collects every layout (each plants private keys, kubeconfigs with
// tokens and client keys, encryption secrets, token files, secret env vars on processes,
// in units and env files, and URL passwords) and checks no planted string comes out.
func TestPlantedSecrets(t *testing.T) {
	for _, l := range []string{"kubeadm", "k3s", "rke2", "eks-worker"} {
		t.Run(l, func(t *testing.T) {
			s, _, _ := collectLayout(t, l)
			all := s.all()
			if i := strings.Index(all, "PLANTED"); i >= 0 {
				t.Errorf("planted secret in the evidence: …%s…", all[max(0, i-200):min(len(all), i+60)])
			}
			if !strings.Contains(all, Redacted) {
				t.Error("nothing was withheld: the layout's planted secrets were not seen")
			}
		})
	}
}

func TestKubelite(t *testing.T) {
	root := t.TempDir()
	args := filepath.Join(root, "var/snap/microk8s/4000/args")
	must(t, os.MkdirAll(args, 0o755))
	must(t, os.Symlink("4000", filepath.Join(root, "var/snap/microk8s/current")))
	write(t, filepath.Join(args, "kube-apiserver"), "# api\n--anonymous-auth=false\n--client-ca-file=${SNAP_DATA}/certs/ca.crt\n--token-auth-file=$SNAP_DATA/credentials/known_tokens.csv\n--kubelet-client-key ${SNAP_DATA}/certs/server.key\n")
	write(t, filepath.Join(args, "kubelet"), "--read-only-port=0\n--kubeconfig=${SNAP_DATA}/credentials/kubelet.config\n")
	pids := startProcs(t, []fakeproc.Proc{{Argv: []string{"/snap/microk8s/4000/kubelite",
		"--apiserver-args-file=/var/snap/microk8s/4000/args/kube-apiserver", "--kubelet-args-file=/var/snap/microk8s/4000/args/kubelet"}}})
	s := newSink()
	sum, err := Collect(context.Background(), Options{HostRoot: root, Now: fixedNow, PIDs: pids}, s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Distribution != "microk8s" || sum.Processes != 5 {
		t.Errorf("summary %+v: want microk8s, 5 components", sum)
	}
	ps := s.processes(t)
	api := findProc(ps, "kube-apiserver", evidence.SourceProc)
	if v, _ := flagValue(api, "client-ca-file"); v != "/var/snap/microk8s/4000/certs/ca.crt" || api.Binary != "kubelite" {
		t.Errorf("kubelite apiserver = %+v", api)
	}
	if f := s.file(t, "/var/snap/microk8s/4000/credentials/known_tokens.csv"); !hasRole(f, "kube-apiserver.flag:token-auth-file") {
		t.Errorf("token file roles %v", f.Roles)
	}
	if f := s.file(t, "/var/snap/microk8s/4000/args/kubelet"); f.Format != formatArgsFile || !hasRole(f, "kubelet.args-file") {
		t.Errorf("args file = %+v", f)
	}
	if f := s.file(t, "/var/snap/microk8s/current/args/kube-scheduler"); f.Exists {
		t.Errorf("absent default args file: %+v", f)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p, content string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(content), 0o644))
}
