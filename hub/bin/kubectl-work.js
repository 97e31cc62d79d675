#!/usr/bin/env node
import "../dist/kubectl-work.js";
