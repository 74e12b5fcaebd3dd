package analyze

import (
	"io"

	"github.com/kubeproof/kubeproof/evidence"
)

type (
	evidenceFile        = evidence.File
	evidenceFileV       = evidence.File
	evidenceGap         = evidence.Gap
	evidenceProcess     = evidence.Process
	evidenceClusterInfo = evidence.ClusterInfo
	ioWriter            = io.Writer
)
