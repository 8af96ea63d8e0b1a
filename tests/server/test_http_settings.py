"""Unsafe HTTP settings are refused at start-up: a non-loopback bind without a token (unless
--insecure), an empty token; the token can come from the environment or a file instead of the
command line (where every local user can read it in the process list)."""

from __future__ import annotations

import pytest

from server.cli import main as tract_cli
from server.main import parse_args


def refused(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit:
        parse_args(argv)
    assert exit.value.code == 2
    return capsys.readouterr().err


@pytest.fixture(autouse=True)
def no_token_in_env(monkeypatch):
    monkeypatch.delenv("TRACT_MCP_TOKEN", raising=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "tract.example.org"])
def test_a_network_bind_without_a_token_is_refused(host, capsys):
    err = refused(["--transport", "http", "--host", host], capsys)
    assert f"--host {host} serves other machines" in err and "--insecure" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_token(host):
    assert parse_args(["--transport", "sse", "--host", host]).token is None


def test_insecure_allows_a_network_bind_without_a_token():
    assert parse_args(["--transport", "http", "--host", "0.0.0.0", "--insecure"]).token is None


def test_stdio_ignores_the_host(capsys):
    assert parse_args(["--host", "0.0.0.0"]).transport == "stdio"


def test_an_empty_token_is_refused_rather_than_turning_auth_off(monkeypatch, capsys):
    assert "--token is empty" in refused(["--transport", "http", "--token", ""], capsys)
    assert "--token is empty" in refused(["--transport", "http", "--token", "  "], capsys)
    monkeypatch.setenv("TRACT_MCP_TOKEN", "")
    assert "TRACT_MCP_TOKEN is set but empty" in refused(["--transport", "http"], capsys)


def test_a_token_on_the_command_line_still_works_with_a_warning(capsys):
    assert parse_args(["--transport", "http", "--host", "0.0.0.0", "--token", "t0k"]).token == "t0k"
    assert "visible to other local users" in capsys.readouterr().err


def test_the_token_comes_from_the_environment_or_a_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TRACT_MCP_TOKEN", "from-env")
    assert parse_args(["--transport", "http", "--host", "0.0.0.0"]).token == "from-env"
    secret = tmp_path / "token"
    secret.write_text("from-file\n")
    assert parse_args(["--transport", "http", "--token-file", str(secret)]).token == "from-file"
    secret.write_text("\n")
    assert "is empty" in refused(["--transport", "http", "--token-file", str(secret)], capsys)
    assert "cannot read" in refused(["--transport", "http", "--token-file", str(tmp_path / "nope")], capsys)


def test_tract_serve_applies_the_same_checks(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        tract_cli(["--db", str(tmp_path / "t.db"), "serve", "--transport", "http", "--host", "0.0.0.0"])
    assert exit.value.code == 2 and "serves other machines" in capsys.readouterr().err


@pytest.mark.parametrize("text, size", [("5M", 5 << 20), ("512K", 512 << 10), ("1048576", 1 << 20),
                                        ("1.5MiB", 3 << 19)])
def test_sizes_read_with_units(text, size):
    assert parse_args(["--max-request-bytes", text]).max_request_bytes == size


def test_limits_default_and_come_from_the_environment(monkeypatch, capsys):
    args = parse_args([])
    assert (args.max_request_bytes, args.max_content_bytes) == (5 << 20, 1 << 20)
    monkeypatch.setenv("TRACT_MCP_MAX_CONTENT_BYTES", "64K")
    assert parse_args([]).max_content_bytes == 64 << 10
    assert "not a size" in refused(["--max-content-bytes", "lots"], capsys)
    assert "must be positive" in refused(["--max-content-bytes", "0"], capsys)
