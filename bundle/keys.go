package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"
)

// LoadPrivateKey reads an unencrypted OpenSSH (or PEM) private key to sign bundles with.
// Ed25519 is recommended; RSA and ECDSA keys work too.
func LoadPrivateKey(path string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	s, err := ssh.ParsePrivateKey(b)
	var pm *ssh.PassphraseMissingError
	if errors.As(err, &pm) {
		return nil, fmt.Errorf("private key %q is encrypted with a passphrase, which kubeproof does not prompt for: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("parse private key %q: %w", path, err)
	}
	if err := checkKeyType(s.PublicKey()); err != nil {
		return nil, fmt.Errorf("private key %q: %w", path, err)
	}
	return s, nil
}

// checkKeyType accepts the key types the signature format supports.
func checkKeyType(pub ssh.PublicKey) error {
	switch pub.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoRSA, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		return nil
	}
	return fmt.Errorf("unsupported key type %q (use ed25519, rsa or ecdsa)", pub.Type())
}

// GenerateKey makes a fresh Ed25519 signing key, for a one-time key that is never stored.
func GenerateKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return ssh.NewSignerFromKey(priv)
}

// AuthorizedKey returns pub as one OpenSSH public key line ("ssh-ed25519 AAAA… comment\n"),
// the format of a .pub file and of --trusted-key.
func AuthorizedKey(pub ssh.PublicKey, comment string) []byte {
	line := bytes.TrimSuffix(ssh.MarshalAuthorizedKey(pub), []byte("\n"))
	if comment != "" {
		line = append(append(line, ' '), comment...)
	}
	return append(line, '\n')
}

// Fingerprint returns the OpenSSH SHA256 fingerprint of pub, "SHA256:…", as printed by
// `ssh-keygen -lf KEY.pub`.
func Fingerprint(pub ssh.PublicKey) string { return ssh.FingerprintSHA256(pub) }
