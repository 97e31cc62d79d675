// Package kwok pins kwok (sigs.k8s.io/kwok: fake nodes and pod lifecycles
// for a real control plane) as a Go tool of this module, so the local control
// plane can build it from the Go module proxy:
//
//	go build -o kwok sigs.k8s.io/kwok/cmd/kwok
//
// It is built by scripts/build-go-binaries.sh; it is not part of the product.
package kwok
