"""The domain: pure functions and values, no I/O. The fold of changes into zones over time (timeline),
the storage grid of cells and its quadtree (cells), dissolving pieces into zones (dissolve), geometry
normalisation (geometry), instants and intervals (times), moving a shared front (frontedit), plain-language
descriptions (describe), the citation rule (citations) and the error tree (errors).

May import: the standard library, shapely, numpy and orjson, and nothing else of the app. Never FastAPI,
Starlette, SQLAlchemy, GeoAlchemy2 or psycopg: importing the fold must not load the web framework or the
database driver (tests/unit/test_architecture.py).
"""
