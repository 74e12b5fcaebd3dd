package bundle_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/bundle"
	"github.com/kubeproof/kubeproof/bundle/internal/forge"
)

// TestSSHKeygenVerifiesOurs: our manifest signature verifies with ssh-keygen -Y verify, and
// not with the wrong namespace or a changed manifest.
func TestSSHKeygenVerifiesOurs(t *testing.T) {
	needTools(t, "ssh-keygen")
	dir := t.TempDir()
	s := forge.Key("interop")
	e, err := forge.Decode(write(t, s, testMembers))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "manifest.json", e[0].Data)
	writeFile(t, dir, "manifest.json.sig", e[1].Data)
	writeFile(t, dir, "allowed_signers", append([]byte("collector "), bundle.AuthorizedKey(s.PublicKey(), "")...))
	verify := func(ns string, msg []byte) error {
		out, err := run(t, dir, msg, "ssh-keygen", "-Y", "verify", "-f", "allowed_signers", "-I", "collector", "-n", ns, "-s", "manifest.json.sig")
		t.Logf("ssh-keygen -n %s: %s", ns, out)
		return err
	}
	if err := verify(bundle.FormatV1, e[0].Data); err != nil {
		t.Fatalf("ssh-keygen rejects our signature: %v", err)
	}
	if verify("file", e[0].Data) == nil {
		t.Fatal("ssh-keygen accepted the signature in namespace file")
	}
	if verify(bundle.FormatV1, append(e[0].Data, ' ')) == nil {
		t.Fatal("ssh-keygen accepted a changed manifest")
	}
}

// TestWeVerifySSHKeygen: a manifest signed by ssh-keygen -Y sign (ed25519, ecdsa, rsa keys
// made by ssh-keygen) is accepted by Verify, and those private keys load with LoadPrivateKey.
func TestWeVerifySSHKeygen(t *testing.T) {
	needTools(t, "ssh-keygen")
	for _, kt := range [][]string{{"-t", "ed25519"}, {"-t", "ecdsa", "-b", "256"}, {"-t", "rsa", "-b", "2048"}} {
		t.Run(kt[1], func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "key")
			if out, err := run(t, dir, nil, "ssh-keygen", append(kt, "-N", "", "-C", "interop", "-f", key)...); err != nil {
				t.Fatalf("ssh-keygen: %v\n%s", err, out)
			}
			s, err := bundle.LoadPrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			e, err := forge.Decode(write(t, s, testMembers))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "manifest.json", e[0].Data)
			if out, err := run(t, dir, nil, "ssh-keygen", "-Y", "sign", "-f", key, "-n", bundle.FormatV1, "manifest.json"); err != nil {
				t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
			}
			sig, err := os.ReadFile(filepath.Join(dir, "manifest.json.sig"))
			if err != nil {
				t.Fatal(err)
			}
			e[1].Data = sig
			tk, err := bundle.LoadTrustedKeys(key + ".pub")
			if err != nil {
				t.Fatal(err)
			}
			rep := bundle.Verify(bytes.NewReader(forge.Encode(e)), bundle.Options{Trusted: tk})
			if !rep.OK() || !rep.Verified || rep.Signer != bundle.Fingerprint(s.PublicKey()) {
				t.Fatalf("ssh-keygen signature rejected: %v", rep.Problems)
			}
			fp, _ := run(t, dir, nil, "ssh-keygen", "-lf", key+".pub")
			if !strings.Contains(string(fp), rep.Signer) {
				t.Errorf("fingerprint %q not in ssh-keygen -lf output %q", rep.Signer, fp)
			}
		})
	}
}

func TestEncryptedKeyRefused(t *testing.T) {
	needTools(t, "ssh-keygen")
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if out, err := run(t, dir, nil, "ssh-keygen", "-t", "ed25519", "-N", "secret", "-f", key); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := bundle.LoadPrivateKey(key); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("LoadPrivateKey(encrypted) = %v", err)
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
