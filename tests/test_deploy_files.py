"""The deploy files cannot drift from the app: units verify, jobs name real commands, every setting is documented."""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from config import Config
from deploy import loopback

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
ENV_EXAMPLE = DEPLOY / ".env.example"
PRODUCTION_CODE_DIR = "/srv/sellernav"
# The periodic jobs production needs (README): each must have a unit and a timer.
REQUIRED_JOBS = {"send-outbox", "purge-deleted", "anonymise-logs", "check-links", "backup"}
HOST_SYSTEM_UNITS = (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system"))


def unit_settings(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for every setting line of a systemd unit or drop-in, in order."""
    settings, section = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.append((section, key.strip(), value.strip()))
    return settings


def setting(path: Path, key: str) -> list[str]:
    """Every value of ``key`` in a unit file."""
    return [value for _, name, value in unit_settings(path) if name == key]


def unit_files() -> list[Path]:
    return sorted(p for p in SYSTEMD.iterdir() if p.suffix in (".service", ".timer"))


def job_names() -> set[str]:
    """Job names from the sellernav-<job>.service files (the web app is sellernav.service)."""
    return {p.stem.removeprefix("sellernav-") for p in SYSTEMD.glob("sellernav-*.service")}


def exec_commands() -> list[tuple[Path, list[str]]]:
    """(unit, argv) of every Exec* line in the units and drop-ins."""
    found = []
    for path in sorted(SYSTEMD.rglob("*")):
        if path.is_file() and path.suffix in (".service", ".timer", ".conf"):
            for _, key, value in unit_settings(path):
                if key.startswith("Exec"):
                    found.append((path, shlex.split(value.lstrip("-@:+!"))))
    return found


def require_systemd_analyze() -> str:
    """systemd-analyze's path, or a failed test that says how to install it (never a skip)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: run `apt-get install -y systemd` (it is only run, never booted)")
    return analyze


def installed_root(root: Path) -> Path:
    """A scratch root laid out as the server will be: our units and drop-ins as installed, systemd's own units,
    and a stand-in for each program the units run (verify checks that they exist and are executable)."""
    host_units = next((p for p in HOST_SYSTEM_UNITS if (p / "sysinit.target").exists()), None)
    if host_units is None:
        pytest.fail("systemd's own units are missing: run `apt-get install -y systemd`")
    shutil.copytree(SYSTEMD, root / "etc/systemd/system", symlinks=True)
    shutil.copytree(host_units, root / "usr/lib/systemd/system", symlinks=True)
    for _, argv in exec_commands():
        stand_in = root / argv[0].lstrip("/")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
    return root


def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = require_systemd_analyze()
    root = installed_root(tmp_path)
    names = [p.name for p in unit_files()]
    result = subprocess.run(
        [analyze, "verify", "--man=no", f"--root={root}", *names], capture_output=True, text=True, check=False
    )
    # Unknown keys and bad values are only warnings for systemd, so any output at all is a failure here.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_the_sandbox_keeps_systemds_exposure_score_low(tmp_path):
    analyze = require_systemd_analyze()
    root = installed_root(tmp_path)
    services = [p.name for p in unit_files() if p.suffix == ".service"]
    # --threshold is in tenths: 25 fails any unit whose exposure is above 2.5 of 10 ("OK" is below 4.9).
    result = subprocess.run(
        [analyze, "security", "--offline=true", f"--root={root}", "--threshold=25", "--no-pager", *services],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_the_drop_in_gives_the_app_and_every_job_the_same_user_environment_and_sandbox():
    app_drop_in = SYSTEMD / "sellernav.service.d" / "sandbox.conf"
    jobs_drop_in = SYSTEMD / "sellernav-.service.d" / "sandbox.conf"
    assert jobs_drop_in.resolve() == app_drop_in.resolve()
    assert setting(app_drop_in, "User") == ["sellernav"]
    assert setting(app_drop_in, "EnvironmentFile") == ["/etc/sellernav/env"]
    assert setting(app_drop_in, "ProtectSystem") == ["strict"]
    assert setting(app_drop_in, "NoNewPrivileges") == ["yes"]


def test_uploads_and_backups_from_the_env_example_are_writable_under_the_sandbox():
    sandbox = SYSTEMD / "sellernav.service.d" / "sandbox.conf"
    writable = [Path(path) for value in setting(sandbox, "ReadWritePaths") for path in value.split()]
    env = env_example_values(active_only=True)
    for key in ("UPLOAD_DIR", "BACKUP_DIR"):
        assert any(Path(env[key]).is_relative_to(directory) for directory in writable), key


def test_the_app_unit_runs_gunicorn_with_the_deploy_config_and_reloads_on_hup():
    service = SYSTEMD / "sellernav.service"
    argv = shlex.split(setting(service, "ExecStart")[0])
    assert argv[0] == f"{PRODUCTION_CODE_DIR}/.venv/bin/gunicorn"
    config_file = argv[argv.index("-c") + 1]
    assert (ROOT / config_file).is_file(), f"{config_file} is not in the repository"
    assert argv[-1] == "app:create_app()"
    assert setting(service, "ExecReload") == ["/bin/kill -s HUP $MAINPID"]
    assert setting(service, "Restart") == ["on-failure"]
    assert setting(SYSTEMD / "sellernav.service.d" / "sandbox.conf", "WorkingDirectory") == [PRODUCTION_CODE_DIR]


def test_every_required_job_has_a_oneshot_service_and_a_persistent_timer():
    assert job_names() >= REQUIRED_JOBS, "a required job lost its unit"
    for job in job_names():
        service, timer = SYSTEMD / f"sellernav-{job}.service", SYSTEMD / f"sellernav-{job}.timer"
        assert setting(service, "Type") == ["oneshot"], service.name
        assert timer.exists(), f"{service.name} has no timer"
        assert setting(timer, "Persistent") == ["true"], timer.name
        assert setting(timer, "OnCalendar"), timer.name
        assert setting(timer, "WantedBy") == ["timers.target"], timer.name
    assert {p.stem for p in SYSTEMD.glob("*.timer")} == {f"sellernav-{job}" for job in job_names()}


def test_every_flask_command_a_unit_runs_exists_with_its_options(app):
    context = click.Context(app.cli)
    flask_commands = [(unit, argv) for unit, argv in exec_commands() if Path(argv[0]).name == "flask"]
    assert len(flask_commands) == len(job_names())
    for unit, argv in flask_commands:
        command, words = app.cli, argv[1:]
        while isinstance(command, click.Group) and words and not words[0].startswith("-"):
            found = command.get_command(context, words[0])
            assert found is not None, f"{unit.name}: `flask {' '.join(argv[1:])}`: no command {words[0]!r}"
            command, words = found, words[1:]
        assert not isinstance(command, click.Group), f"{unit.name}: `flask {' '.join(argv[1:])}` names a group"
        options = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
        for word in words:
            if word.startswith("-"):
                assert word.partition("=")[0] in options, f"{unit.name}: {command.name} has no option {word}"


def config_environment_names() -> set[str]:
    """Every environment variable config.Config (and ProductionConfig) reads, found in config.py's source."""
    tree = ast.parse((ROOT / "config.py").read_text(encoding="utf-8"))
    # Module functions that read the environment with their first argument as the name (e.g. _bool).
    readers = {
        node.name for node in tree.body
        if isinstance(node, ast.FunctionDef) and "os.environ" in ast.unparse(node)
    }  # fmt: skip
    names = set()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name == "TestConfig":  # TestConfig: the suite's own knobs
            continue
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
                function = ast.unparse(call.func)
                if function in {"os.environ.get", "os.getenv", *readers}:
                    names.add(call.args[0].value)
            elif isinstance(call, ast.Subscript) and ast.unparse(call.value) == "os.environ":
                names.add(ast.literal_eval(call.slice))
    return names


def gunicorn_environment_names() -> set[str]:
    """Every GUNICORN_* variable deploy/gunicorn.conf.py reads."""
    return set(re.findall(r'"(GUNICORN_[A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")))


def env_example_values(active_only: bool = False) -> dict[str, str]:
    """Settings in deploy/.env.example: set lines, and (unless ``active_only``) commented-out defaults."""
    pattern = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = pattern.match(line)
        if match and not (active_only and match.group(1)):
            values[match.group(2)] = match.group(3).strip().strip('"')
    return values


def test_config_reads_a_sensible_number_of_settings():
    # Guards the parser above: if it stopped finding names, the drift tests below would pass vacuously.
    names = config_environment_names()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "RATELIMIT_ENABLED", "SELLERNAV_ENV"} <= names
    assert len(names) > 50


def test_env_example_lists_every_setting_the_app_and_gunicorn_read():
    missing = (config_environment_names() | gunicorn_environment_names()) - set(env_example_values())
    assert not missing, f"add these to deploy/.env.example: {sorted(missing)}"


def test_env_example_names_no_setting_that_nothing_reads():
    unknown = set(env_example_values()) - config_environment_names() - gunicorn_environment_names()
    assert not unknown, f"deploy/.env.example sets what config.py never reads: {sorted(unknown)}"


# What an operator must fill in (marked CHANGE ME) before the example starts; dummy values never called here.
OPERATOR_SECRETS = {
    "SECRET_KEY": "s" * 48,
    "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-example",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "example-secret",
    "SMS_ALIYUN_SIGN_NAME": "SellerNav",
    "SMS_ALIYUN_TEMPLATE_CODE": "SMS_000000",
}


def test_env_example_with_its_secrets_filled_in_starts_a_production_app(tmp_path):
    env = {key: value for key, value in env_example_values(active_only=True).items() if value}
    env |= OPERATOR_SECRETS | {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    probe = "from app import create_app; app = create_app(); print(app.config['ENV_NAME'], app.config['LOG_FORMAT'])"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["production", "json"]


def test_env_example_without_a_secret_key_is_refused(tmp_path):
    env = env_example_values(active_only=True) | OPERATOR_SECRETS | {"SECRET_KEY": ""}
    env |= {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "from app import create_app; create_app()"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_nginx_body_limit_matches_the_apps_max_content_length():
    match = re.search(r"client_max_body_size (\d+)m;", (DEPLOY / "nginx.conf").read_text(encoding="utf-8"))
    assert match, "deploy/nginx.conf sets no client_max_body_size in megabytes"
    nginx_bytes = int(match.group(1)) * 1024 * 1024
    assert nginx_bytes == Config.MAX_CONTENT_LENGTH == int(env_example_values()["MAX_CONTENT_LENGTH"])


def test_rendered_nginx_config_passes_nginx_t(tmp_path):
    nginx = require_nginx_or_fail()
    config = loopback.render_nginx(
        tmp_path, http_port=loopback.free_port(), https_port=loopback.free_port(),
        upstream_port=loopback.free_port(), app_root=ROOT, uploads_dir=tmp_path / "uploads",
    )  # fmt: skip
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warn" not in result.stderr, result.stderr


def test_render_refuses_a_site_file_that_serves_the_uploads_directory(tmp_path, monkeypatch):
    site = tmp_path / "site.conf"
    site.write_text(
        loopback.NGINX_SITE.read_text(encoding="utf-8")
        + "server { location /uploads/ { alias /srv/sellernav-data/uploads/; } }\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(loopback, "NGINX_SITE", site)
    with pytest.raises(loopback.DeployError, match="serves the uploads directory"):
        loopback.render_nginx(
            tmp_path, http_port=1, https_port=2, upstream_port=3, app_root=ROOT, uploads_dir=tmp_path / "uploads"
        )


def test_render_fails_loudly_when_a_production_value_it_replaces_has_changed(tmp_path, monkeypatch):
    site = tmp_path / "site.conf"
    site.write_text(
        loopback.NGINX_SITE.read_text(encoding="utf-8").replace("server 127.0.0.1:8000;", "server 127.0.0.1:9000;"),
        encoding="utf-8",
    )
    monkeypatch.setattr(loopback, "NGINX_SITE", site)
    with pytest.raises(loopback.DeployError, match=r"no longer contains 'server 127.0.0.1:8000;'"):
        loopback.render_nginx(
            tmp_path, http_port=1, https_port=2, upstream_port=3, app_root=ROOT, uploads_dir=tmp_path / "uploads"
        )


def require_nginx_or_fail() -> str:
    """nginx's path, or a failed test that says how to install it (never a skip)."""
    try:
        return loopback.require_nginx()
    except loopback.DeployError as error:
        pytest.fail(str(error))


def test_a_missing_nginx_is_reported_with_the_command_that_installs_it(monkeypatch):
    monkeypatch.setattr(loopback.shutil, "which", lambda name: None)
    monkeypatch.setattr(loopback.os, "access", lambda path, mode: False)
    with pytest.raises(loopback.DeployError, match=r"apt-get install -y nginx"):
        loopback.require_nginx()
