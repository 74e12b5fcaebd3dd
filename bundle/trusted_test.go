package bundle_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/forge"
)

func TestTrustedKeysFormats(t *testing.T) {
	s := forge.Key("trusted")
	pub := strings.TrimSpace(string(bundle.AuthorizedKey(s.PublicKey(), "me@host")))
	other := strings.TrimSpace(string(bundle.AuthorizedKey(forge.Key("x").PublicKey(), "")))
	b := write(t, s, testMembers)
	cases := []struct {
		name, file string
		ok         bool
	}{
		{"pub", pub + "\n", true},
		{"pub-no-comment", strings.TrimSuffix(pub, " me@host"), true},
		{"several", "# keys\n\n" + other + "\n" + pub + "\n", true},
		{"allowed", "me@host " + pub, true},
		{"allowed-principals-list", `a@b,"c d@e" ` + pub, true},
		{"allowed-ns", `me@host namespaces="kubeproof.dev/bundle/v1" ` + pub, true},
		{"allowed-ns-glob", `me@host namespaces="git,kubeproof.dev/*" ` + pub, true},
		{"allowed-ns-other", `me@host namespaces="git,file" ` + pub, false},
		{"other-key", other, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk, err := bundle.ParseTrustedKeys(c.name, []byte(c.file))
			if err != nil {
				t.Fatal(err)
			}
			rep := bundle.Verify(bytes.NewReader(b), bundle.Options{Trusted: tk})
			if rep.OK() != c.ok {
				t.Fatalf("ok=%v want %v: %v", rep.OK(), c.ok, rep.Problems)
			}
			if !c.ok && !errors.Is(rep.Problems[0], bundle.ErrUntrustedKey) {
				t.Fatalf("problem %v does not wrap ErrUntrustedKey", rep.Problems[0])
			}
		})
	}
}

func TestTrustedKeysErrors(t *testing.T) {
	pub := strings.TrimSpace(string(bundle.AuthorizedKey(forge.Key("e").PublicKey(), "")))
	for name, file := range map[string]string{
		"empty":          "# nothing\n",
		"garbage":        "hello world\n",
		"bad-base64":     "ssh-ed25519 !!!! c\n",
		"type-mismatch":  strings.Replace(pub, "ssh-ed25519", "ssh-rsa", 1),
		"cert-authority": "me@host cert-authority " + pub,
		"valid-after":    `me@host valid-after="20200101" ` + pub,
	} {
		if _, err := bundle.ParseTrustedKeys(name, []byte(file)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), name) && name != "empty" {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	if _, err := bundle.LoadTrustedKeys("/nonexistent/key.pub"); err == nil {
		t.Error("missing file accepted")
	}
}
