// Command etcd wraps the etcd server from one pinned etcd release so the
// local control plane can build it from the Go module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
