"""The product's settings with SQLite's synchronous=FULL (each commit reaches the disk before it returns), for
`bench/vote_http.py --databases sqlite-full`: what durability against a power cut costs on SQLite."""

from atomgrad.settings import *  # noqa: F403

DATABASES["default"]["OPTIONS"]["init_command"] = (  # noqa: F405
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
)
