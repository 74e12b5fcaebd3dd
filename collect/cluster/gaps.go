package cluster

import (
	"context"
	"errors"
	"net"

	"github.com/kubeproof/kubeproof/evidence"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// gapFor classifies err (usually an API status error) into a gap for item, keeping the
// HTTP status and the server's message.
func gapFor(item string, err error) evidence.Gap {
	g := evidence.Gap{Item: item, Kind: evidence.GapError, Reason: err.Error()}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		g.HTTPStatus = int(st.Status().Code)
	}
	var ne net.Error
	switch {
	case apierrors.IsForbidden(err):
		g.Kind = evidence.GapForbidden
	case apierrors.IsUnauthorized(err):
		g.Kind = evidence.GapPermissionDenied
	case apierrors.IsNotFound(err):
		g.Kind = evidence.GapNotFound
	case errors.Is(err, context.DeadlineExceeded), apierrors.IsTimeout(err), apierrors.IsServerTimeout(err),
		errors.As(err, &ne) && ne.Timeout():
		g.Kind = evidence.GapTimeout
	}
	return g
}
