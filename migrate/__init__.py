"""wsgi2asgi: move a Flask app to FastAPI one route at a time."""

__version__ = "0.1.0"
