"""The [company] table and the template folder, from the config file and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError
from bot.documents import Company


def _load(tmp_path: Path, toml: str, **env: str) -> Config:
    path = tmp_path / "offboard.toml"
    path.write_text(toml, encoding="utf-8")
    return Config.load({"OFFBOARD_CONFIG": str(path), **env})


def test_the_company_table_reads_multi_line_address_and_signature(tmp_path: Path) -> None:
    config = _load(tmp_path, '''
[offboard]
templates = "/srv/offboard/templates"

[company]
name = "Northwind IT Services"
address = """
100 Main Street
Springfield, IL 62701
"""
signature = ["Karla Palmer", "Service Manager"]
phone = "+1 555 010 0100"
email = "help@northwind.example"
paper = "Letter"
''')
    assert config.company == Company("Northwind IT Services", ("100 Main Street", "Springfield, IL 62701"),
                                     ("Karla Palmer", "Service Manager"), "+1 555 010 0100",
                                     "help@northwind.example", "Letter", configured=True)
    assert config.templates == Path("/srv/offboard/templates")


def test_without_a_company_table_the_name_is_a_visible_placeholder() -> None:
    config = Config.load({})
    assert not config.company.configured and config.company.name == "[Company name]"
    assert config.templates is None
    assert config.company.to_context()["signature_lines"] == ["[Company name]"]


def test_the_environment_names_the_template_folder(tmp_path: Path) -> None:
    config = _load(tmp_path, '[offboard]\ntemplates = "a"\n', OFFBOARD_TEMPLATES=str(tmp_path))
    assert config.templates == tmp_path


@pytest.mark.parametrize("table, problem", [
    ('paper = "A5"', "paper must be one of A4, Letter"),
    ("phone = 5550100", "phone must be text"),
    ('fax = "5550100"', "unknown setting"),
])
def test_a_bad_company_table_is_refused_by_name(tmp_path: Path, table: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=rf"\[company\] .*{problem}"):
        _load(tmp_path, f"[company]\n{table}\n")
