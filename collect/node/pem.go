package node

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
)

// certSummary is what a bundle keeps of a certificate: facts a reviewer checks, never the
// key. Times are RFC 3339 UTC.
type certSummary struct {
	Subject            string   `json:"subject"`
	Issuer             string   `json:"issuer"`
	Serial             string   `json:"serial"`
	NotBefore          string   `json:"not_before"`
	NotAfter           string   `json:"not_after"`
	IsCA               bool     `json:"is_ca"`
	DNSNames           []string `json:"dns_names,omitempty"`
	IPAddresses        []string `json:"ip_addresses,omitempty"`
	KeyUsage           []string `json:"key_usage,omitempty"`
	ExtKeyUsage        []string `json:"ext_key_usage,omitempty"`
	PublicKeyAlgorithm string   `json:"public_key_algorithm"`
	PublicKeyBits      int      `json:"public_key_bits,omitempty"`
	SignatureAlgorithm string   `json:"signature_algorithm"`
	SHA256             string   `json:"sha256"`
}

// pemBlock is one block of a PEM file as kept in a bundle.
type pemBlock struct {
	Type        string       `json:"type"`
	Certificate *certSummary `json:"certificate,omitempty"`
	Algorithm   string       `json:"algorithm,omitempty"` // PUBLIC KEY blocks
	Bits        int          `json:"bits,omitempty"`
	Withheld    bool         `json:"withheld,omitempty"` // private key blocks
	Error       string       `json:"error,omitempty"`
}

// parsePEM summarises every PEM block: certificates and public keys are described, private
// key blocks are withheld (named only). ok is false when data holds no PEM block.
func parsePEM(data []byte, r *redactor) ([]pemBlock, bool) {
	var out []pemBlock
	rest := data
	for i := 0; ; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		out = append(out, summariseBlock(b, i, r))
	}
	return out, len(out) > 0
}

func summariseBlock(b *pem.Block, i int, r *redactor) pemBlock {
	pb := pemBlock{Type: b.Type}
	switch {
	case strings.Contains(b.Type, "PRIVATE KEY"):
		pb.Withheld = true
		r.add(fmt.Sprintf("/%d", i), reasonPrivateKey)
	case b.Type == "CERTIFICATE":
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			pb.Error = err.Error()
			break
		}
		pb.Certificate = summariseCert(c)
	case b.Type == "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			pb.Error = err.Error()
			break
		}
		pb.Algorithm, pb.Bits = keyInfo(k)
	}
	return pb
}

func summariseCert(c *x509.Certificate) *certSummary {
	sum := sha256.Sum256(c.Raw)
	s := &certSummary{
		Subject:            c.Subject.String(),
		Issuer:             c.Issuer.String(),
		Serial:             c.SerialNumber.Text(16),
		NotBefore:          c.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:           c.NotAfter.UTC().Format(time.RFC3339),
		IsCA:               c.IsCA,
		DNSNames:           c.DNSNames,
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		SHA256:             hex.EncodeToString(sum[:]),
	}
	for _, ip := range c.IPAddresses {
		s.IPAddresses = append(s.IPAddresses, ip.String())
	}
	s.PublicKeyAlgorithm, s.PublicKeyBits = keyInfo(c.PublicKey)
	s.KeyUsage = keyUsages(c.KeyUsage)
	for _, u := range c.ExtKeyUsage {
		s.ExtKeyUsage = append(s.ExtKeyUsage, extKeyUsageName(u))
	}
	return s
}

func keyInfo(k any) (string, int) {
	switch t := k.(type) {
	case *rsa.PublicKey:
		return "RSA", t.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", t.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return fmt.Sprintf("%T", k), 0
}

var keyUsageNames = []string{"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment",
	"keyAgreement", "certSign", "crlSign", "encipherOnly", "decipherOnly"}

func keyUsages(u x509.KeyUsage) []string {
	var out []string
	for i, n := range keyUsageNames {
		if u&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func extKeyUsageName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageServerAuth:
		return "serverAuth"
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageAny:
		return "any"
	}
	return fmt.Sprintf("oid-%d", u)
}
