package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kubeproof/kubeproof/evidence"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxRestarts bounds how often a list is started afresh after its continue token expired.
const maxRestarts = 3

// page accumulates one LIST page as JSON lines, so that only whole pages become members.
// Memory is bounded by the page size.
type page struct {
	buf  bytes.Buffer
	uids []string
	seen map[string]bool // UIDs committed by earlier pages; skipped after a fresh re-list
	n    int
	// redacted counts the env values replaced on this page (see RedactedValue)
	redacted int
	t        target
}

func newPage(t target, seen map[string]bool) *page {
	return &page{t: t, seen: seen}
}

// add sanitizes one object and appends it as a line, unless an earlier page already held it.
func (p *page) add(raw []byte) error {
	start := p.buf.Len()
	uid, redacted, err := writeSanitized(&p.buf, raw, p.t.apiVersion(), p.t.kind)
	if err != nil {
		p.buf.Truncate(start)
		return fmt.Errorf("object %d of the page: %w", p.n+1, err)
	}
	if uid != "" && p.seen[uid] {
		p.buf.Truncate(start)
		return nil
	}
	p.buf.WriteByte('\n')
	p.uids = append(p.uids, uid)
	p.n++
	p.redacted += redacted
	return nil
}

// fetched is one LIST response: its continue token and a way to add its objects to a page.
type fetched struct {
	cont string
	fill func(p *page) error
	err  error
}

// fetchFunc requests the page after continue token cont (retried by the caller).
type fetchFunc func(ctx context.Context, cont string) (fetched, error)

// paginate lists page by page. While one page is sanitized and written, the next one is
// already being requested (its continue token is known once the response is parsed), so
// the server's work overlaps ours; at most two pages are in memory. Failed requests are
// retried; when the continue token expires (410) the list starts afresh, skipping objects
// already written. Each non-empty page becomes one member.
// Objects whose UID is in seen (written before) are skipped.
func (c *Collector) paginate(ctx context.Context, s Sink, t target, r *evidence.Resource, seen map[string]bool, fetch fetchFunc) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops a prefetch still in flight when we return early
	get := func(cont string) fetched {
		var f fetched
		_, err := c.retry(ctx, func() (string, error) {
			var err error
			f, err = fetch(ctx, cont)
			return "", err
		})
		f.err = err
		return f
	}
	cont, restarts := "", 0
	cur := get("")
	for {
		if expired(cur.err) && cont != "" && restarts < maxRestarts {
			cont, restarts = "", restarts+1
			cur = get("")
			continue
		}
		if cur.err != nil {
			return cur.err
		}
		var next chan fetched
		if cur.cont != "" {
			next = make(chan fetched, 1)
			go func(tok string) { next <- get(tok) }(cur.cont)
		}
		p := newPage(t, seen)
		if err := cur.fill(p); err != nil {
			return err
		}
		if err := c.commit(s, t, r, p); err != nil {
			return err
		}
		c.o.Progress.Page(t.item(), r.Count)
		if next == nil {
			r.Complete = true
			return nil
		}
		cont = cur.cont
		cur = <-next
	}
}

// commit writes a non-empty page as the resource's next member.
func (c *Collector) commit(s Sink, t target, r *evidence.Resource, p *page) error {
	if p.n == 0 {
		return nil
	}
	path := t.member(len(r.Members) + 1)
	w, err := s.Create(path)
	if err != nil {
		return sinkError{fmt.Errorf("create member %q: %w", path, err)}
	}
	if _, err := w.Write(p.buf.Bytes()); err != nil {
		w.Close()
		return sinkError{fmt.Errorf("write member %q: %w", path, err)}
	}
	if err := w.Close(); err != nil {
		return sinkError{fmt.Errorf("close member %q: %w", path, err)}
	}
	for _, u := range p.uids {
		if u != "" {
			p.seen[u] = true
		}
	}
	r.Members = append(r.Members, path)
	r.Count += p.n
	r.Redacted += p.redacted
	return nil
}

func expired(err error) bool {
	return err != nil && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err))
}

// retry runs fn until it succeeds, fails with a non-retryable error, the retries are used
// up or ctx ends. Delays double from Backoff up to 8×; a server's Retry-After is honoured.
func (c *Collector) retry(ctx context.Context, fn func() (string, error)) (string, error) {
	delay := c.o.Backoff
	for attempt := 0; ; attempt++ {
		next, err := fn()
		if err == nil || attempt >= c.o.Retries || !retryable(err) || ctx.Err() != nil {
			return next, err
		}
		d := delay
		if s, ok := apierrors.SuggestsClientDelay(err); ok && time.Duration(s)*time.Second > d {
			d = min(time.Duration(s)*time.Second, 30*time.Second)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w (while retrying after: %v)", ctx.Err(), err)
		case <-time.After(d):
		}
		if delay < 8*c.o.Backoff {
			delay *= 2
		}
	}
}

// retryable: throttling, server errors and timeouts from the server, and transport
// failures (resets, truncated bodies); never client errors such as 403/404/410.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		code := st.Status().Code
		return code == 429 || code >= 500 || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
	}
	var se sinkError
	return !errors.As(err, &se)
}

// listRaw lists t as raw JSON pages.
func (c *Collector) listRaw(ctx context.Context, s Sink, t target, r *evidence.Resource) error {
	return c.paginate(ctx, s, t, r, map[string]bool{}, func(ctx context.Context, cont string) (fetched, error) {
		req := c.rest.Get().AbsPath(t.path()).
			Param("limit", strconv.FormatInt(c.o.PageSize, 10)).
			SetHeader("Accept", "application/json").MaxRetries(0)
		if cont != "" {
			req = req.Param("continue", cont)
		}
		body, err := req.Stream(ctx)
		if err != nil {
			return fetched{}, err
		}
		defer body.Close()
		l, err := readList(body)
		if err != nil {
			return fetched{}, err
		}
		return fetched{cont: l.cont, fill: func(p *page) error { return eachElement(l.items, p.add) }}, nil
	})
}

// listMeta lists t through the metadata client (PartialObjectMetadataList): the server
// sends only object metadata, so Secret data never reaches the collector. Objects whose
// UID is in seen, and the named objects of a modeMetaNamed target, are skipped.
func (c *Collector) listMeta(ctx context.Context, s Sink, t target, r *evidence.Resource, seen map[string]bool) error {
	ri := c.meta.Resource(t.gvr())
	return c.paginate(ctx, s, t, r, seen, func(ctx context.Context, cont string) (fetched, error) {
		l, err := ri.List(ctx, metav1.ListOptions{Limit: c.o.PageSize, Continue: cont})
		if err != nil {
			return fetched{}, err
		}
		return fetched{cont: l.Continue, fill: func(p *page) error {
			for i := range l.Items {
				if t.named(l.Items[i].Namespace, l.Items[i].Name) {
					continue // read in full by getNamed, or recorded there as a gap
				}
				raw, err := metaJSON(&l.Items[i].ObjectMeta, t.mode == modeNames)
				if err == nil {
					err = p.add(raw)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}}, nil
	})
}
