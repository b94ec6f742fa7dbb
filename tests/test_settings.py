import json
import os
import subprocess
import sys


def settings_under(env: dict[str, str], *names: str) -> dict[str, object]:
    """Read settings in a fresh interpreter with the given environment."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "guanxi.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_a_site_served_over_https_gets_secure_cookies_and_hsts_on_demand() -> None:
    values = settings_under(
        {"SITE_URL": "https://crm.example.cn", "HSTS_SECONDS": "31536000", "DEBUG": "0"},
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "DEBUG",
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "DEBUG": False,
    }


def test_with_nothing_set_it_runs_embedded_in_chinese_on_shanghai_time() -> None:
    env = {"DATABASE_URL": "", "REDIS_URL": "", "TIME_ZONE": "", "LANGUAGE_CODE": ""}
    values = settings_under(env, "DATABASES", "HUEY", "TIME_ZONE", "LANGUAGE_CODE", "DEBUG")
    assert "sqlite3" in str(values["DATABASES"])
    assert "journal_mode=WAL" in str(values["DATABASES"])
    assert "SqliteHuey" in str(values["HUEY"])
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["LANGUAGE_CODE"] == "zh-hans"
    assert values["DEBUG"] is False


def test_redis_url_switches_queue_and_cache_to_redis() -> None:
    values = settings_under({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "HUEY", "CACHES")
    assert "RedisHuey" in str(values["HUEY"])
    assert "RedisCache" in str(values["CACHES"])


def test_the_site_url_follows_the_address_the_server_binds() -> None:
    env = {"SITE_URL": "", "ALLOWED_HOSTS": "", "CSRF_TRUSTED_ORIGINS": ""}
    values = settings_under({**env, "BIND": "192.168.1.20:8106"}, "SITE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
    assert values["SITE_URL"] == "http://192.168.1.20:8106"
    assert "192.168.1.20" in values["ALLOWED_HOSTS"]  # type: ignore[operator]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["http://192.168.1.20:8106"]
    # every interface: this machine reaches it as 127.0.0.1
    assert settings_under({**env, "BIND": "0.0.0.0:8106"}, "SITE_URL") == {"SITE_URL": "http://127.0.0.1:8106"}


def test_without_a_mail_server_e_mail_is_written_to_files_under_var(tmp_path: object) -> None:
    names = ("EMAIL_BACKEND", "EMAIL_FILE_PATH")
    local = settings_under({"EMAIL_BACKEND": "", "EMAIL_HOST": "", "GUANXI_VAR_DIR": str(tmp_path)}, *names)
    assert local == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": f"{tmp_path}/mail",
    }
    sent = settings_under({"EMAIL_BACKEND": "", "EMAIL_HOST": "smtp.example.cn"}, "EMAIL_BACKEND")
    assert sent == {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
