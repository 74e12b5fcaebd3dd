package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kubeproof/kubeproof/evidence"
)

// Identify reads the server version (/version) and the cluster identity (the UID of the
// kube-system namespace), which the bundle header needs before any member is written.
// An unreachable server is an error; a forbidden kube-system namespace is a gap (recorded
// when Collect runs) and an empty UID.
func (c *Collector) Identify(ctx context.Context) (evidence.ClusterInfo, error) {
	info := evidence.ClusterInfo{
		Host:        c.o.Config.Host,
		Context:     c.o.Context,
		CollectedAt: c.o.Now().UTC().Format(time.RFC3339),
	}
	v, err := c.disc.ServerVersion()
	if err != nil {
		return info, fmt.Errorf("cannot read /version from the API server at %q: %w", c.o.Config.Host, err)
	}
	info.ServerVersion = v.GitVersion
	uid, err := c.kubeSystemUID(ctx)
	if err != nil {
		c.res.Gaps = append(c.res.Gaps, gapFor("core/v1/namespaces/kube-system", err))
	}
	info.KubeSystemUID = uid
	c.res.Info = info
	return info, nil
}

func (c *Collector) kubeSystemUID(ctx context.Context) (string, error) {
	var raw []byte
	_, err := c.retry(ctx, func() (string, error) {
		var err error
		raw, err = c.getRaw(ctx, "/api/v1/namespaces/kube-system")
		return "", err
	})
	if err != nil {
		return "", err
	}
	var ns struct {
		Metadata struct {
			UID string `json:"uid"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &ns); err != nil {
		return "", fmt.Errorf("decode namespace kube-system: %w", err)
	}
	return ns.Metadata.UID, nil
}
