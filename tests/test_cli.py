"""The `linli` console script, run as a user would run it (a separate process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import row, write_xlsx

LINLI = [sys.executable, "-m", "appliance"]


def linli(home: Path, *args, stdin: str | None = None, lang: str = "zh_CN.UTF-8"):
    env = {**os.environ, "LINLI_HOME": str(home), "LANG": lang, "LC_ALL": ""}
    env.pop("LINLI_LANG", None)
    return subprocess.run(LINLI + list(args), input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_init_prints_a_one_time_admin_password_that_works(tmp_path):
    home = tmp_path / "box"
    result = linli(home, "init")
    assert result.returncode == 0, result.stderr
    assert "一次性密码" in result.stdout
    password = result.stdout.split("一次性密码：")[1].split()[0]
    assert (home / "linli.db").exists() and (home / "secret_key").stat().st_mode & 0o077 == 0
    again = linli(home, "init")
    assert again.returncode == 0 and "一次性密码" not in again.stdout

    from appliance.config import load_config
    from appliance.runtime import build_runtime

    rt = build_runtime(load_config(home), hardware=False)
    try:
        assert rt.services.accounts.authenticate("admin", password).role == "admin"
    finally:
        rt.close()


def test_init_demo_builds_a_believable_community(tmp_path):
    result = linli(tmp_path / "box", "init", "--demo")
    assert result.returncode == 0, result.stderr
    assert "演示社区" in result.stdout
    residents = int(result.stdout.split("栋楼，")[1].split("套房屋，")[1].split("位住户")[0])
    assert 190 <= residents <= 210
    export = tmp_path / "all.csv"
    assert linli(tmp_path / "box", "residents", "export", str(export)).returncode == 0
    lines = export.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == residents + 1 and any("京" in line for line in lines)
    again = linli(tmp_path / "box", "init", "--demo")  # running it twice adds nobody
    assert f"{residents} 位住户" in again.stdout

    from appliance.config import load_config
    from appliance.runtime import build_runtime

    rt = build_runtime(load_config(tmp_path / "box"), hardware=False)
    try:  # the fire-lane ladder has somebody to text in the demo
        name, phone = rt.services.firelane.settings.duty()
        assert name and phone.startswith("1") and len(phone) == 11
    finally:
        rt.close()


def test_import_dry_run_then_real_import(tmp_path):
    home = tmp_path / "box"
    linli(home, "init")
    from appliance.config import load_config
    from appliance.runtime import build_runtime

    rt = build_runtime(load_config(home), hardware=False)
    rt.services.registry.save_building({"name": "1号楼"}, "t")
    rt.close()
    bad = write_xlsx(tmp_path / "bad.xlsx", [row(name="张三"), row(name="李四", phone="999")])
    result = linli(home, "residents", "import", str(bad), "--dry-run")
    assert result.returncode == 1
    assert "第 3 行，电话" in result.stderr and "999" in result.stderr
    good = write_xlsx(tmp_path / "good.xlsx", [row(name="张三"), row(name="李四", unit="1单元102")])
    result = linli(home, "residents", "import", str(good), "--dry-run")
    assert result.returncode == 0 and "试运行" in result.stdout
    assert linli(home, "residents", "export", str(tmp_path / "e.csv")).stdout.startswith("已把 0 位住户")
    result = linli(home, "residents", "import", str(good))
    assert result.returncode == 0 and "新增 2" in result.stdout
    assert linli(home, "residents", "import", str(tmp_path / "missing.xlsx")).returncode == 2


def test_user_add_reads_the_password_from_stdin(tmp_path):
    home = tmp_path / "box"
    result = linli(home, "user", "add", "xiaowang", "--role", "volunteer", "--password-stdin", stdin="s3cret-pass\n")
    assert result.returncode == 0 and "xiaowang" in result.stdout
    short = linli(home, "user", "add", "laoli", "--role", "volunteer", "--password-stdin", stdin="123\n")
    assert short.returncode == 2 and "至少" in short.stderr
    dup = linli(home, "user", "add", "xiaowang", "--role", "admin", "--password-stdin", stdin="another-pass\n")
    assert dup.returncode == 2 and "已被使用" in dup.stderr


@pytest.mark.parametrize("plate,code,text", [
    ("京A12345", 0, "普通车牌"), ("粤BD12345", 0, "小型新能源"), ("沪A12345D", 0, "大型新能源"),
    ("京A1234警", 0, "警车"), ("粤Z1234港", 0, "粤港"), ("使123456", 0, "人工核对"),
    ("京I12345", 1, "I 或 O"), ("XA12345", 1, "省份"), ("京A123", 1, "7 位"),
])
def test_plate_check_exit_codes_and_reasons(tmp_path, plate, code, text):
    result = linli(tmp_path / "box", "plate", "check", plate)
    assert result.returncode == code and text in result.stdout, result.stdout


def test_english_output_when_asked(tmp_path):
    result = linli(tmp_path / "box", "plate", "check", "京I12345", lang="en_US.UTF-8")
    assert result.returncode == 1 and "I or O" in result.stdout


def test_check_config_names_each_bad_key_and_selfcheck_reports_safe_mode(tmp_path):
    home = tmp_path / "box"
    home.mkdir()
    (home / "config.toml").write_text('[web]\nport = "eighty"\nbogus = 1\n[nosuch]\n', encoding="utf-8")
    result = linli(home, "check-config")
    assert result.returncode == 1
    assert "web.port" in result.stdout and "web.bogus" in result.stdout and "nosuch" in result.stdout
    result = linli(home, "selfcheck")
    assert result.returncode == 1 and "✖ 有问题  设置文件" in result.stdout and "安全模式" in result.stdout
    (home / "config.toml").write_text("[web]\nport = 8081\n", encoding="utf-8")
    assert linli(home, "check-config").returncode == 0
    explain = linli(home, "check-config", "--explain")
    assert "web.port = 8080" in explain.stdout


def test_user_passwd_sets_a_new_password_and_is_audited(tmp_path):
    home = tmp_path / "box"
    password = linli(home, "init").stdout.split("一次性密码：")[1].split()[0]
    assert linli(home, "user", "passwd", "admin").returncode == 2  # never on the command line
    short = linli(home, "user", "passwd", "admin", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "至少" in short.stderr
    nobody = linli(home, "user", "passwd", "nobody", "--password-stdin", stdin="long-enough-1\n")
    assert nobody.returncode == 2 and "nobody" in nobody.stderr
    done = linli(home, "user", "passwd", "admin", "--password-stdin", stdin="long-enough-1\n")
    assert done.returncode == 0, done.stderr

    from appliance.config import load_config
    from appliance.db.models import AuditLog
    from appliance.errors import PermissionDenied
    from appliance.runtime import build_runtime

    rt = build_runtime(load_config(home), hardware=False)
    try:
        assert rt.services.accounts.authenticate("admin", "long-enough-1").role == "admin"
        with pytest.raises(PermissionDenied):
            rt.services.accounts.authenticate("admin", password)
        assert AuditLog.select().where(AuditLog.actor == "cli", AuditLog.action == "password").count() == 1
    finally:
        rt.close()
