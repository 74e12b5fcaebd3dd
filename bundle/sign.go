package bundle

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// signManifest returns the armored SSHSIG signature of manifest (sha512, namespace FormatV1).
func signManifest(manifest []byte, s ssh.Signer) ([]byte, error) {
	if err := checkKeyType(s.PublicKey()); err != nil {
		return nil, err
	}
	sig, err := sshsig.Sign(bytes.NewReader(manifest), s, sshsig.HashSHA512, FormatV1)
	if err != nil {
		return nil, fmt.Errorf("sign manifest: %w", err)
	}
	return sshsig.Armor(sig), nil
}

// ErrUntrustedKey is wrapped by the VerifyError of a signature by a key that is not trusted
// (or not trusted for namespace FormatV1).
var ErrUntrustedKey = errors.New("untrusted key")

// errNamespace marks a signature made for another purpose.
var errNamespace = errors.New("signature namespace")

// parseSignature unarmors sig and returns it with its key's fingerprint.
func parseSignature(sig []byte) (*sshsig.Signature, error) {
	s, err := sshsig.Unarmor(sig)
	if err != nil {
		return nil, err
	}
	if err := checkKeyType(s.PublicKey); err != nil {
		return nil, err
	}
	return s, nil
}

// verifySignature checks s over manifest against t and returns the verifying key entry.
func verifySignature(manifest []byte, s *sshsig.Signature, t *TrustedKeys) (trustedKey, error) {
	if s.Namespace != FormatV1 {
		return trustedKey{}, fmt.Errorf("%w is %q, want %q", errNamespace, s.Namespace, FormatV1)
	}
	fp := Fingerprint(s.PublicKey)
	var restricted string
	for _, k := range t.keys {
		if !bytes.Equal(k.pub.Marshal(), s.PublicKey.Marshal()) {
			continue
		}
		if !k.allows(FormatV1) {
			restricted = k.source
			continue
		}
		if err := sshsig.Verify(bytes.NewReader(manifest), s, k.pub, s.HashAlgorithm, FormatV1); err != nil {
			return trustedKey{}, fmt.Errorf("signature by %s does not verify (manifest.json was changed after signing, or its signature damaged): %w", fp, err)
		}
		return k, nil
	}
	if restricted != "" {
		return trustedKey{}, fmt.Errorf("%w %s: %s does not allow namespace %q", ErrUntrustedKey, fp, restricted, FormatV1)
	}
	return trustedKey{}, fmt.Errorf("%w: signed by %s, which is not among the trusted keys", ErrUntrustedKey, fp)
}
