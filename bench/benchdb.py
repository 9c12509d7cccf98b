"""What every benchmark needs from PostgreSQL before Django starts: its own database."""

from __future__ import annotations


def ensure_database(url: str) -> None:
    """Create the database named by DATABASE_URL if it does not exist yet."""
    import psycopg2
    from dj_database_url import parse

    config = parse(url)
    admin = psycopg2.connect(dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"],
                             password=config["PASSWORD"] or None)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()
