"""The server's own settings: public URL, host names, the secret key, trusted proxies."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from adapters.slack import slack_settings
from bot.config import Config, ConfigError, secret_key


def _load(tmp_path: Path, toml: str = "", **env: str) -> Config:
    path = tmp_path / "offboard.toml"
    path.write_text(toml, encoding="utf-8")
    return Config.load({"OFFBOARD_CONFIG": str(path), "OFFBOARD_DATABASE": str(tmp_path / "x.db"), **env})


def test_local_by_default_with_loopback_names_only(tmp_path: Path) -> None:
    config = _load(tmp_path)
    assert not config.served and config.public_url is None
    assert config.allowed_hosts == frozenset({"127.0.0.1", "localhost", "::1"})


def test_a_public_url_makes_the_server_served_and_needs_a_token(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"OFFBOARD_PUBLIC_URL.*OFFBOARD_WEB_TOKEN"):
        _load(tmp_path, OFFBOARD_PUBLIC_URL="https://offboard.example.com/")
    config = _load(tmp_path, OFFBOARD_PUBLIC_URL="https://Offboard.Example.com/", OFFBOARD_WEB_TOKEN="s3cret")
    assert config.served and config.public_url == "https://Offboard.Example.com"
    assert "offboard.example.com" in config.allowed_hosts


def test_per_person_tokens_are_enough_to_serve(tmp_path: Path) -> None:
    person = '[web.people.karla]\ntoken_sha256 = "' + "a" * 64 + '"\n'
    config = _load(tmp_path, person, OFFBOARD_HOST="0.0.0.0")
    assert config.served and not config.local


@pytest.mark.parametrize("url", ["offboard.example.com", "ftp://x.example", "https://", "https://a b.ex"])
def test_a_public_url_must_be_http(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="OFFBOARD_PUBLIC_URL"):
        _load(tmp_path, OFFBOARD_PUBLIC_URL=url, OFFBOARD_WEB_TOKEN="s3cret")


def test_slacks_public_url_is_also_a_served_host_name(tmp_path: Path) -> None:
    config = _load(tmp_path, '[slack]\npublic_url = "https://bot.example.org"\n')
    assert "bot.example.org" in config.allowed_hosts
    assert not config.served, "Slack's links do not make the web workspace public"


def test_slack_links_fall_back_to_the_public_url(tmp_path: Path) -> None:
    slack = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    config = _load(tmp_path, '[slack]\ncases_channel = "C0CASES"\n', OFFBOARD_WEB_TOKEN="s3cret",
                   OFFBOARD_PUBLIC_URL="https://offboard.example.com", **slack)
    settings = slack_settings(config)
    assert settings is not None and settings.public_url == "https://offboard.example.com"


def test_trusted_proxies_are_addresses(tmp_path: Path) -> None:
    config = _load(tmp_path, OFFBOARD_TRUSTED_PROXIES="127.0.0.1, ::1")
    assert config.trusted_proxies == ("127.0.0.1", "::1")
    with pytest.raises(ConfigError, match="OFFBOARD_TRUSTED_PROXIES"):
        _load(tmp_path, OFFBOARD_TRUSTED_PROXIES="proxy.local")


def test_the_secret_key_from_the_environment_is_masked(tmp_path: Path) -> None:
    config = _load(tmp_path, OFFBOARD_SECRET_KEY="k" * 40)
    assert secret_key(config) == b"k" * 40 and "kkkk" not in repr(config)
    with pytest.raises(ConfigError, match="OFFBOARD_SECRET_KEY"):
        _load(tmp_path, OFFBOARD_SECRET_KEY="short")


def test_without_one_a_key_is_made_once_next_to_the_database(tmp_path: Path) -> None:
    config = _load(tmp_path)
    first = secret_key(config)
    path = tmp_path / "offboard.secret"
    assert len(first) >= 32 and path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_key(_load(tmp_path)) == first, "another process reads the same key"
