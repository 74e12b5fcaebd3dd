package cluster_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

func sa(name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// fault answers requests for path (optionally only those with a continue token) with an
// API status error, times times, after letting hitAfter matching requests through.
type fault struct {
	path         string
	withContinue bool
	status       int
	times        int
	hitAfter     int
	hang         bool // block until the request is cancelled instead of answering
	seen, fired  int
}

// faults is a fault-injecting transport in front of the real server.
type faults struct {
	mu    sync.Mutex
	rules []fault
}

func (f *faults) wrap(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			if resp, hang := f.match(r); hang {
				<-r.Context().Done()
				return nil, r.Context().Err()
			} else if resp != nil {
				return resp, nil
			}
			return rt.RoundTrip(r)
		})
	}
	return c
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (f *faults) match(r *http.Request) (*http.Response, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.rules {
		x := &f.rules[i]
		if r.URL.Path != x.path || (x.withContinue && r.URL.Query().Get("continue") == "") {
			continue
		}
		x.seen++
		if x.seen <= x.hitAfter || x.fired >= x.times {
			return nil, false
		}
		x.fired++
		if x.hang {
			return nil, true
		}
		return statusResponse(r, x.status), false
	}
	return nil, false
}

func statusResponse(r *http.Request, code int) *http.Response {
	reason := map[int]string{410: "Expired", 429: "TooManyRequests", 403: "Forbidden", 500: "InternalError", 503: "ServiceUnavailable"}[code]
	msg := fmt.Sprintf("injected %d for %s", code, r.URL.Path)
	if code == 403 {
		msg = "injected: forbidden: cannot list " + r.URL.Path
	}
	body := fmt.Sprintf(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%q,"reason":%q,"code":%d}`, msg, reason, code)
	h := http.Header{"Content-Type": {"application/json"}}
	if code == 429 {
		h.Set("Retry-After", "0")
	}
	return &http.Response{StatusCode: code, Status: fmt.Sprint(code), Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}
