package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kubeproof/kubeproof/evidence"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// gvr is the target's group/version/resource for the metadata client.
func (t target) gvr() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: t.group, Version: t.version, Resource: t.resource}
}

// getNamed reads the named objects of t (the component ConfigMaps in kube-system) into one
// member. A name that does not exist is a not-found gap; other names are still read. The
// UIDs written are added to seen, so that a later list of the resource skips them.
func (c *Collector) getNamed(ctx context.Context, s Sink, t target, r *evidence.Resource, seen map[string]bool) error {
	p := newPage(t, seen)
	complete := true
	for _, name := range t.names {
		item := fmt.Sprintf("%s/%s/%s", t.item(), t.namespace, name)
		raw, err := c.getOne(ctx, t, name)
		if err == nil {
			err = p.add(raw)
		}
		if err != nil {
			var se sinkError
			if errors.As(err, &se) || ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return err
			}
			complete = complete && apierrors.IsNotFound(err)
			c.gap(s, gapFor(item, err))
		}
	}
	if err := c.commit(s, t, r, p); err != nil {
		return err
	}
	c.o.Progress.Page(t.item(), r.Count)
	r.Complete = complete
	return nil
}

func (c *Collector) getOne(ctx context.Context, t target, name string) ([]byte, error) {
	path := fmt.Sprintf("/api/%s/namespaces/%s/%s/%s", t.version, t.namespace, t.resource, name)
	if t.group != "" {
		path = fmt.Sprintf("/apis/%s/%s/namespaces/%s/%s/%s", t.group, t.version, t.namespace, t.resource, name)
	}
	var raw []byte
	_, err := c.retry(ctx, func() (string, error) {
		var err error
		raw, err = c.getRaw(ctx, path)
		return "", err
	})
	return raw, err
}

// maxObjectSize bounds a single GET response.
const maxObjectSize = 64 << 20

// getRaw GETs path as JSON. It uses Stream, whose errors carry the server's Status.
func (c *Collector) getRaw(ctx context.Context, path string) ([]byte, error) {
	body, err := c.rest.Get().AbsPath(path).SetHeader("Accept", "application/json").MaxRetries(0).Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	raw, err := io.ReadAll(io.LimitReader(body, maxObjectSize+1))
	if err == nil && len(raw) > maxObjectSize {
		err = fmt.Errorf("%s: response larger than %d bytes", path, maxObjectSize)
	}
	return raw, err
}

// named reports whether namespace/name is one of the objects t reads by name.
func (t target) named(namespace, name string) bool {
	if t.mode != modeMetaNamed || namespace != t.namespace {
		return false
	}
	for _, n := range t.names {
		if n == name {
			return true
		}
	}
	return false
}

// getAndList reads the named objects of t in full, then lists the rest metadata only, so a
// named object is never written twice nor as metadata in place of a failed GET. The
// resource is complete only when both the named reads and the whole list succeeded.
func (c *Collector) getAndList(ctx context.Context, s Sink, t target, r *evidence.Resource) error {
	seen := map[string]bool{}
	if err := c.getNamed(ctx, s, t, r, seen); err != nil {
		return err
	}
	named := r.Complete
	r.Complete = false
	if err := c.listMeta(ctx, s, t, r, seen); err != nil {
		return err
	}
	r.Complete = r.Complete && named
	return nil
}
