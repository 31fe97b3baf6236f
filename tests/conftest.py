"""Shared fixtures: a temporary LINLI_HOME, a real SQLite database, the services, the Flask
app and clients per role, gpiozero's MockFactory, a live server and real headless Chromium."""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import jinja2
import pytest

from appliance.config import load_config
from appliance.i18n import set_locale
from appliance.runtime import build_runtime
from tests import routing_cache

routing_cache.install()

PASSWORD = "correct-horse-1"
ROLES = ("admin", "volunteer", "district", "kiosk")
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def quick_password_hashes(request, monkeypatch):
    """Hash test passwords with few rounds: scrypt's ~0.1 s per account and per login was a
    third of the fast test set's time. Tests marked ``real_password_hashing`` keep the
    product's own method (and one checks that it is scrypt)."""
    if request.node.get_closest_marker("real_password_hashing"):
        return
    from werkzeug.security import generate_password_hash

    import appliance.services.accounts as accounts

    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"))


@pytest.fixture
def linli_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "linli"
    home.mkdir()
    monkeypatch.setenv("LINLI_HOME", str(home))
    return home


@pytest.fixture
def config(linli_home):
    return load_config(linli_home)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> Path:
    """One database file per session (per worker under xdist), made the way a new box makes
    it: a runtime built on an empty home runs every numbered migration and each feature's own
    seeding (its work-order categories). Migrating and seeding again for every test was about
    half of a runtime build. tests/test_fixture_shortcuts.py checks that a copy is the same
    as a box built from nothing, so the migrations still run from an empty file every session."""
    home = tmp_path_factory.mktemp("template") / "linli"
    home.mkdir()
    set_locale("zh_CN")
    rt = build_runtime(load_config(home), immediate_tasks=True, hardware=True)
    made = rt.config.db_path
    rt.close()
    template = home.parent / "template.db"
    # VACUUM INTO writes one self-contained file (nothing left in a -wal beside it).
    with closing(sqlite3.connect(made)) as conn:
        conn.execute("VACUUM INTO ?", (str(template),))
    return template


def copy_database_template(template: Path, db_path: Path) -> None:
    """Put a copy of the template where the box's database goes, unless the test already made
    a database there (then the runtime migrates that one as a box would)."""
    db_path = Path(db_path)
    if db_path.exists():
        return
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, db_path)


@pytest.fixture
def seeded_database(database_template):
    """``seeded_database(config.db_path)`` before ``build_runtime``: fixtures that build their
    own runtime start from the template instead of migrating (see ``database_template``)."""
    return lambda db_path: copy_database_template(database_template, db_path)


@pytest.fixture
def runtime(config, seeded_database):
    set_locale("zh_CN")
    seeded_database(config.db_path)
    rt = build_runtime(config, immediate_tasks=True, hardware=True)
    yield rt
    rt.close()


@pytest.fixture
def services(runtime):
    return runtime.services


@pytest.fixture
def credentials(services):
    return services.credentials


@pytest.fixture
def db(runtime):
    return runtime.db


@pytest.fixture
def pin_factory(runtime):
    """gpiozero's MockFactory, owned by the runtime (it closes it)."""
    return runtime.pin_factory


@pytest.fixture
def users(services):
    made = {}
    for role in ROLES:
        made[role] = services.accounts.create(role, role, PASSWORD, display_name=role.title())
    return made


class _TemplateCodeCache(jinja2.BytecodeCache):
    """Compiled Jinja templates kept in memory for the whole session. Each test makes its own
    app (its own Jinja environment), and compiling the same templates again was about a third
    of a page test's time. Jinja checks each entry against the template's source, so an edited
    template is compiled afresh."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session")
def template_code_cache():
    return _TemplateCodeCache()


@pytest.fixture
def app(config, services, template_code_cache):
    from web import create_app

    made = create_app(config, services, testing=True)
    made.jinja_env.bytecode_cache = template_code_cache
    return made


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def client_as(app, users):
    """client_as("volunteer") -> a test client logged in with that role."""

    def make(role: str):
        c = app.test_client()
        response = login(c, role)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app):
    """The app served by waitress, set up as ``linli run`` sets it up, on a free loopback port."""
    from web.serve import make_server

    server = make_server(app, "127.0.0.1", free_port(), threads=4, asyncore_loop_timeout=0.1,
                         max_upload_mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    # The loop ends when its map is empty: take the browser's keep-alive connections out too,
    # or the join below waits out its timeout (it used to cost 5 s per browser test). Sockets
    # are closed only after the loop has ended: closing them under its select() killed the
    # loop thread with "Bad file descriptor".
    dispatchers = list(server._map.values())
    for dispatcher in dispatchers:
        dispatcher.del_channel()
    thread.join(timeout=5)
    server.task_dispatcher.shutdown(timeout=2)
    server.close()
    for dispatcher in dispatchers:
        dispatcher.close()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (installs Debian's chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def phone_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 800}, is_mobile=True,
                                   has_touch=True)
    pg = context.new_page()
    yield pg
    context.close()


# Tests that drive a browser, a broker, a database server, the modem pty or the demo's replay
# are slow by nature; `python -m pytest -m "not slow"` leaves them out (make test runs all).
SLOW_FIXTURES = {"chromium", "page", "phone_page", "live_server", "mosquitto", "proxy", "postgres", "sim_modem",
                 "modem", "mjpeg_server"}
# Whole modules that are slow by nature (measured: together about two thirds of the rest):
# the CLI in subprocesses, real model inference over many frames, camera streams over
# sockets, USB round trips through the CLI, and property-based fuzzing.
SLOW_MODULES = {"tests/test_cli.py", "tests/participation/test_cli_open311.py", "tests/test_run.py", "tests/sync/test_usb.py",
                "tests/models/plates/test_plate_read.py", "tests/models/test_liveness.py",
                "tests/models/vehicles/test_vehicle_detect.py", "tests/hardware/test_camera_stream.py",
                "tests/web/test_fuzz.py", "tests/appliance/access/test_codes_properties.py",
                # Both plate readers over all 33 real photos (the fast set's slowest module after
                # the CLI round trips: about 20 s on the 2-core machine).
                "tests/models/plates/test_plate_real.py",
                # A real process per version, and each rollback waits out a 6 s health window.
                "tests/system/test_updates.py",
                # Hostile-input sweeps over every form (dozens of cases each) and reference
                # (the reference tallies on generated ballots are marked one by one): about 25 s together.
                "tests/participation/test_garbage.py", "tests/votes/test_fuzz_forms.py",
                "tests/system/test_fuzz_system.py",
                # Real UDP multicast and HTTP to simulated cameras that wait out discovery
                # timeouts, and a ringing modem the clock waits for: about 20 s of waiting.
                "tests/system/test_wizard_location_cameras.py", "tests/system/test_onvif_discovery.py",
                "tests/system/test_onvif_media.py", "tests/system/test_clock_modem_lock.py"}


def pytest_collection_modifyitems(config, items):
    root = Path(str(config.rootpath))
    for item in items:
        module = Path(str(item.path)).relative_to(root).as_posix()
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def pytest_report_header(config):
    return f"chromium: {shutil.which('chromium') or CHROMIUM}"
