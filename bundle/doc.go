// Package bundle reads and writes kubeproof evidence bundles: a zstd-compressed POSIX tar
// whose first member is manifest.json (every evidence member's path, size and sha256), whose
// second member is manifest.json.sig (an SSH signature over the exact manifest bytes, namespace
// FormatV1), followed by the evidence members in manifest order.
//
// docs/bundle-format.md is the normative description of the format; this package implements
// it. Writing: NewWriter, Add/AddJSON/Create, Finish. Reading: Open verifies the signature
// against trusted keys before any evidence is parsed, then streams members with Next, each
// checked against its declared size and sha256; Verify checks a whole bundle and collects
// every problem. The reader never writes to disk and enforces Limits so that a hostile
// bundle cannot exhaust memory.
package bundle

// FormatV1 names bundle format version 1. It is the manifest's "format" value and the SSH
// signature namespace.
const FormatV1 = "kubeproof.dev/bundle/v1"

// Names of the two fixed members.
const (
	// ManifestName is the first member of every bundle.
	ManifestName = "manifest.json"
	// SignatureName is the second member: the armored SSH signature of ManifestName.
	SignatureName = "manifest.json.sig"
)
