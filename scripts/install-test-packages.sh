#!/usr/bin/env bash
# Debian packages the e2e suite uses beyond the base machine: zsh and fish, whose
# completion scripts it checks (kubectl-work completion). Installed when missing
# and running as root, so a fresh CI machine runs those tests instead of skipping
# them; otherwise it says what is missing and the tests skip.
set -euo pipefail
missing=()
for tool in zsh fish; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-test-packages.sh: ${missing[*]} missing (apt-get install -y ${missing[*]}); their completion tests skip" >&2
  exit 0
fi
echo "install-test-packages.sh: installing ${missing[*]} (Debian packages)" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
