// Package scenario holds kubeproof's end-to-end scenario tests (scenario_test.go and its
// siblings). They build kubeproof-collect and kubeproof once, then use them as an operator
// and an auditor would: real processes with a simulated host layout's command lines
// (internal/fakeproc) and a copy of that layout with its real file modes and owners are
// collected into signed bundles with one-time keys; a real kube-apiserver (make kube-up)
// is seeded and collected; the bundles are verified and analysed, and the assertions read
// report.json.
//
// The package has no non-test code beyond this comment.
package scenario
