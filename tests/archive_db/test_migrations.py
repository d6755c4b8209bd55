"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from archive_db.engine import make_engine
from archive_db.migrations import (
    alembic_config,
    current_revision,
    head_revision,
    include_name,
    upgrade_archive,
)
from archive_db.models import Base


def test_empty_file_upgraded_to_head_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "archive.sqlite"))
    upgrade_archive(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        assert compare_metadata(context, Base.metadata) == []
        assert set(Base.metadata.tables) <= set(inspect(connection).get_table_names())
    engine.dispose()


def test_upgrading_a_current_archive_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    upgrade_archive(str(path))
    engine = make_engine(str(path))
    with engine.connect() as connection:
        before = connection.exec_driver_sql("SELECT sql FROM sqlite_master ORDER BY name").all()
    upgrade_archive(engine)
    with engine.connect() as connection:
        after = connection.exec_driver_sql("SELECT sql FROM sqlite_master ORDER BY name").all()
        assert current_revision(connection) == head_revision()
    assert after == before
    engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "archive.sqlite"))
    upgrade_archive(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    with engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).scalars()
        assert list(names) == ["alembic_version"]
    upgrade_archive(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        views = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name"
        ).scalars()
        assert list(views) == ["article_latest", "article_summary"]
    engine.dispose()


def test_migration_files_are_date_prefixed() -> None:
    versions = Path(alembic_config().get_main_option("script_location") or "") / "versions"
    scripts = sorted(p.name for p in versions.glob("*.py") if p.name != "__init__.py")
    assert scripts
    for name in scripts:
        year, month, day = name.split("_")[:3]
        assert (len(year), len(month), len(day)) == (4, 2, 2), name
        assert (year + month + day).isdigit(), name
