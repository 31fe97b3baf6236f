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
say face_look "请看摄像头"
say face_turn_left "请慢慢向左转头，再转回来"
say face_turn_right "请慢慢向右转头，再转回来"
say face_nod "请慢慢点头，再看向摄像头"
say face_refused "未能识别，请使用密码、二维码或门禁卡"
echo "kiosk prompts written to $out"
