"""Run a legacy WSGI (Flask) app inside FastAPI, route by route."""
