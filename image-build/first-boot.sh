#!/usr/bin/env bash
# First boot of a freshly flashed card: create the data folder on the data partition,
# initialise the database and print the admin's one-time password on the console (HDMI),
# where the installer reads it. Idempotent: `linli init` does nothing the second time.
set -euo pipefail
export LINLI_HOME=/var/lib/linli
install -d -o linli -g linli -m 0750 "$LINLI_HOME"
runuser -u linli -- /opt/linli/venv/bin/linli init | tee /dev/console
