package bundle

// Limits bound what a reader accepts, so that a hostile bundle cannot exhaust memory or time.
// A zero field means "use the default" (DefaultLimits).
type Limits struct {
	MaxMembers      int    // evidence members in one bundle
	MaxManifestSize int64  // bytes of manifest.json
	MaxMemberSize   int64  // bytes of one evidence member
	MaxTotalSize    int64  // bytes of all evidence members together
	MaxZstdWindow   uint64 // zstd window size (decoder history) in bytes
	MaxJSONDepth    int    // nesting of arrays and objects in DecodeJSON and the manifest
}

// Default limit values (docs/bundle-format.md, "Limits").
const (
	DefaultMaxMembers      = 100_000
	DefaultMaxManifestSize = 32 << 20
	DefaultMaxMemberSize   = 256 << 20
	DefaultMaxTotalSize    = 8 << 30
	DefaultMaxZstdWindow   = 32 << 20
	DefaultMaxJSONDepth    = 128
)

// Fixed limits that are part of the format rather than tunable.
const (
	maxSignatureSize = 16 << 10 // bytes of manifest.json.sig
	maxPathLen       = 1024     // bytes of a member path
	maxTrailingZeros = 10240    // zero bytes allowed after the tar end-of-archive marker
	maxProblems      = 1000     // problems kept by Verify; the rest are counted
)

// DefaultLimits returns the limits used when Options.Limits is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxMembers:      DefaultMaxMembers,
		MaxManifestSize: DefaultMaxManifestSize,
		MaxMemberSize:   DefaultMaxMemberSize,
		MaxTotalSize:    DefaultMaxTotalSize,
		MaxZstdWindow:   DefaultMaxZstdWindow,
		MaxJSONDepth:    DefaultMaxJSONDepth,
	}
}

// withDefaults fills each zero field of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMembers <= 0 {
		l.MaxMembers = d.MaxMembers
	}
	if l.MaxManifestSize <= 0 {
		l.MaxManifestSize = d.MaxManifestSize
	}
	if l.MaxMemberSize <= 0 {
		l.MaxMemberSize = d.MaxMemberSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxZstdWindow == 0 {
		l.MaxZstdWindow = d.MaxZstdWindow
	}
	if l.MaxJSONDepth <= 0 {
		l.MaxJSONDepth = d.MaxJSONDepth
	}
	return l
}
