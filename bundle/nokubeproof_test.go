package bundle_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/forge"
)

// docScript returns the "verify without kubeproof" script of docs/bundle-format.md.
func docScript(t *testing.T) string {
	doc, err := os.ReadFile("../docs/bundle-format.md")
	if err != nil {
		t.Fatal(err)
	}
	_, s, ok := strings.Cut(string(doc), "<!-- verify-without-kubeproof:begin -->\n```sh\n")
	s, _, ok2 := strings.Cut(s, "```\n<!-- verify-without-kubeproof:end -->")
	if !ok || !ok2 {
		t.Fatal("docs/bundle-format.md: verify-without-kubeproof script markers not found")
	}
	return s
}

// TestVerifyWithoutKubeproof runs the documented procedure (tar, zstd, ssh-keygen, sed,
// sha256sum, diff) on a real bundle and on tampered ones.
func TestVerifyWithoutKubeproof(t *testing.T) {
	needTools(t, "bash", "tar", "zstd", "ssh-keygen", "sha256sum", "sed", "diff", "cut")
	script := docScript(t)
	s := forge.Key("nokubeproof")
	good := write(t, s, testMembers)
	pub := bundle.AuthorizedKey(s.PublicKey(), "collector")
	check := func(name string, b []byte, wantOK bool) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			bpath := writeFile(t, dir, "b.tar.zst", b)
			ppath := writeFile(t, dir, "b.tar.zst.pub", pub)
			work := filepath.Join(dir, "work")
			os.Mkdir(work, 0o755)
			out, err := runEnv(t, work, []string{"B=" + bpath, "PUB=" + ppath}, "bash", "-c", script)
			t.Logf("%s", out)
			if (err == nil) != wantOK {
				t.Fatalf("script exit: %v, want ok=%v", err, wantOK)
			}
			if wantOK && !strings.Contains(string(out), "OK: 4 members match") {
				t.Fatalf("no OK line")
			}
			if wantOK {
				// The sha256sum -c variant of step 4.
				out, err := runEnv(t, work, nil, "bash", "-c", "mkdir members && tar --zstd -xf "+bpath+" -C members && cd members && sha256sum -c ../expected.sha256")
				if err != nil {
					t.Fatalf("sha256sum -c: %v\n%s", err, out)
				}
			}
		})
	}
	check("good", good, true)
	e, _ := forge.Decode(good)
	for i := range e {
		f, _ := forge.Decode(good)
		f[i].Data[len(f[i].Data)/2] ^= 0x04
		check("flip-"+strings.ReplaceAll(e[i].Name(), "/", "_"), forge.Encode(f), false)
	}
	f, _ := forge.Decode(good)
	check("removed", forge.Encode(f[:len(f)-1]), false)
	check("added", forge.Encode(append(f, forge.Reg("node/extra", []byte("x")))), false)
	check("untrusted", write(t, forge.Key("other"), testMembers), false)
}
