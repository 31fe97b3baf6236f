#!/usr/bin/env bash
# Pre-render the kiosk's spoken prompts with espeak-ng's Mandarin voice into an ignored
# folder (web/static/vendor/sounds). The kiosk plays them when present and stays silent
# otherwise, so a box without espeak-ng still works.
set -euo pipefail
out=${1:-web/static/vendor/sounds}
mkdir -p "$out"
if ! command -v espeak-ng >/dev/null; then
  echo "espeak-ng not found: the kiosk will not speak" >&2
  exit 0
fi
say() { espeak-ng -v cmn -s 150 -w "$out/$1.wav" "$2"; }
say granted "欢迎回家，门已打开"
say visitor "欢迎来访，门已打开"
say refused "无法通行，请联系志愿者"
say pin_wrong "密码错误，请重新输入"
say locked "错误次数过多，请稍后再试，或使用门禁卡、二维码"
say expired "通行码已过期"
say fire "火警，大门已打开，请有序疏散"
echo "kiosk prompts written to $out"
