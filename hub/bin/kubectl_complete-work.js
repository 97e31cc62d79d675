#!/usr/bin/env node
// kubectl (v1.26+) runs `kubectl_complete-work ARGS... WORD` to complete `kubectl work ARGS... WORD<TAB>`:
// it is `kubectl-work __complete ARGS... WORD` (hub/src/plugin/complete.ts).
process.argv.splice(2, 0, "__complete");
await import("../dist/kubectl-work.js");
