#!/usr/bin/env bash
# First boot of a freshly flashed card: grow the data partition to fill the card, create the
# data folder, point app/current at the version on the read-only root, initialise the
# database and print the admin's one-time password and the setup code on the console (HDMI)
# and the kiosk screen, where the installer reads them. Idempotent: every step checks first.
set -euo pipefail
export LINLI_HOME=/var/lib/linli
data_dev=$(findmnt -n -o SOURCE "$LINLI_HOME" || true)
if [ -n "$data_dev" ]; then
  disk="/dev/$(lsblk -no PKNAME "$data_dev")"
  part=$(cat "/sys/class/block/$(basename "$data_dev")/partition")
  # growpart's NOCHANGE (exit 1) means the partition already fills the card.
  if "$(dirname "$0")/grow-data.sh" "$disk" "$part"; then
    resize2fs "$data_dev" || true
  fi
fi
install -d -o linli -g linli -m 0750 "$LINLI_HOME" "$LINLI_HOME/app"
# The broker keeps its state here (etc/mosquitto/mosquitto.conf); it is in the linli group
# (image build), which lets it through the 0750 data folder and no further.
install -d -o mosquitto -g linli -m 0770 "$LINLI_HOME/mosquitto"
[ -e "$LINLI_HOME/mosquitto/passwd" ] || install -o mosquitto -g linli -m 0640 /dev/null "$LINLI_HOME/mosquitto/passwd"
# NetworkManager keeps its connection profiles here (etc/NetworkManager/conf.d/linli.conf):
# the root is read-only. Wi-Fi passwords are in them, so root only.
install -d -o root -g root -m 0700 "$LINLI_HOME/network" "$LINLI_HOME/network/connections"
[ -L "$LINLI_HOME/app/current" ] || ln -s /opt/linli "$LINLI_HOME/app/current"
runuser -u linli -- "$LINLI_HOME/app/current/venv/bin/linli" init | tee /dev/console "$LINLI_HOME/first-boot.txt"
chown linli:linli "$LINLI_HOME/first-boot.txt"; chmod 0600 "$LINLI_HOME/first-boot.txt"
