"""Real-world benchmark: static scan vs. runtime ``app.url_map`` on real Flask apps.

Not part of the test suite (it needs the network). Run it with the project's
interpreter::

    .venv/bin/python bench/realworld.py --workdir /tmp/realworld [--only NAME ...]
        [--details details.json] [--no-install]

For every entry of ``MANIFEST`` it makes a virtualenv under ``WORKDIR/venvs``,
installs the pinned requirements there (from PyPI), imports the app in that
venv's interpreter to dump its runtime url_map, scans the installed package
sources statically with ``migrate.scan.scan_paths`` (never importing them), and
prints recall and precision. Triples are ``(rule, methods - {HEAD, OPTIONS},
endpoint)``, as in ``tests/oracle.py``.

The scan may find several apps; the one whose routes overlap the runtime map
the most is compared (``static_app`` in the manifest forces one). The "all"
columns compare every static route regardless of app.

Manifest keys:
    name          short id
    requirements  pip requirement strings (pinned)
    scan          paths to scan, relative to the venv's site-packages
    spec          "module:attr", "module:factory()" or "module:attr.attr"
    env           extra environment variables for the runtime import
    wrapper       optional source of a module ``rw_<name>`` put on sys.path for
                  the runtime import (and scanned too), for libraries that
                  need a few lines of user code to make an app
    prelude       optional code run in the child before importing ``spec``
    static_app    optional: which ``Route.app`` to compare
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from migrate.scan import scan_paths  # noqa: E402

AUTOMATIC = {"HEAD", "OPTIONS"}
MARKER = "@@realworld@@"

MANIFEST: list[dict[str, Any]] = [
    {
        "name": "rq-dashboard",
        "requirements": ["rq-dashboard==0.9.0", "six==1.17.0"],
        "scan": ["rq_dashboard"],
        "spec": "rq_dashboard.app:create_app()",
        "env": {},
    },
    {
        "name": "flask-monitoringdashboard",
        "requirements": ["Flask-MonitoringDashboard==5.1.0"],
        "scan": ["flask_monitoringdashboard"],
        "wrapper": (
            "from flask import Flask\n"
            "import flask_monitoringdashboard as dashboard\n"
            "app = Flask(__name__)\n"
            "@app.route('/')\n"
            "def index():\n"
            "    return 'hi'\n"
            "dashboard.bind(app)\n"
        ),
        "spec": "rw_flask_monitoringdashboard:app",
        "env": {},
    },
    {
        "name": "lektor-admin",
        "requirements": ["Lektor==3.3.14"],
        "scan": ["lektor"],
        "wrapper": (
            "import os\n"
            "from lektor.admin.webui import WebUI\n"
            "from lektor.environment import Environment\n"
            "from lektor.project import Project\n"
            "root = os.path.join(os.path.dirname(__file__), 'site')\n"
            "os.makedirs(os.path.join(root, 'content'), exist_ok=True)\n"
            "with open(os.path.join(root, 'site.lektorproject'), 'w') as f:\n"
            "    f.write('[project]\\nname = x\\n')\n"
            "env = Environment(Project.from_path(root), load_plugins=False)\n"
            "app = WebUI(env, output_path=os.path.join(root, 'out'))\n"
        ),
        "spec": "rw_lektor_admin:app",
        "env": {},
    },
    {
        "name": "flasgger",
        "requirements": ["flasgger==0.9.7.1"],
        "scan": ["flasgger"],
        "wrapper": (
            "from flask import Flask\n"
            "from flasgger import Swagger\n"
            "app = Flask(__name__)\n"
            "@app.route('/colors/<palette>/')\n"
            "def colors(palette):\n"
            "    '''Example\n    ---\n    parameters: []\n    '''\n"
            "    return palette\n"
            "swagger = Swagger(app)\n"
        ),
        "spec": "rw_flasgger:app",
        "env": {},
    },
    {
        "name": "calibre-web",
        "requirements": [
            "calibreweb==0.6.27",
            # optional extras, so that the oauth blueprint is really there at runtime
            "Flask-Dance==7.1.0",
            "SQLAlchemy-Utils==0.42.0",
            "jsonschema==4.25.1",
        ],
        "scan": ["calibreweb"],
        # calibre-web registers its blueprints in cps.main.main(), which then
        # starts the server and exits: stub the server and swallow the exit.
        "wrapper": (
            "import os, sys, calibreweb\n"
            "sys.path.insert(0, os.path.dirname(calibreweb.__file__))\n"
            "settings = os.path.join(os.getcwd(), 'settings')\n"
            "os.makedirs(settings, exist_ok=True)\n"
            "sys.argv = ['cps', '-p', os.path.join(settings, 'app.db')]\n"
            "import cps\n"
            "cps.web_server.start = lambda: True\n"
            "from cps import main as cps_main\n"
            "try:\n"
            "    cps_main.main()\n"
            "except SystemExit:\n"
            "    pass\n"
            "app = cps.app\n"
        ),
        "spec": "rw_calibre_web:app",
        "env": {},
    },
    {
        "name": "changedetection.io",
        "requirements": ["changedetection.io==0.60.10"],
        "scan": ["changedetectionio"],
        # what changedetectionio.main() does before serving
        "wrapper": (
            "import os\n"
            "from changedetectionio import store, __version__\n"
            "from changedetectionio.flask_app import changedetection_app\n"
            "path = os.path.join(os.getcwd(), 'datastore')\n"
            "os.makedirs(path, exist_ok=True)\n"
            "cfg = {'datastore_path': path, 'batch_mode': False,\n"
            "       'recheck_watches': None, 'recheck_repeat_count': None}\n"
            "ds = store.ChangeDetectionStore(datastore_path=path, version_tag=__version__,\n"
            "                                include_default_watches=False)\n"
            "app = changedetection_app(cfg, ds)\n"
        ),
        "spec": "rw_changedetection_io:app",
        "env": {},
    },
    {
        "name": "dash",
        "requirements": ["dash==4.4.1"],
        "scan": ["dash"],
        "wrapper": (
            "import dash\n"
            "from dash import html\n"
            "app = dash.Dash(__name__)\n"
            "app.layout = html.Div('hi')\n"
            "server = app.server\n"
        ),
        "spec": "rw_dash:server",
        "env": {},
    },
    {
        "name": "flask-appbuilder",
        "requirements": ["flask-appbuilder==5.3.0"],
        "scan": ["flask_appbuilder"],
        "wrapper": (
            "from flask import Flask\n"
            "from flask_appbuilder import AppBuilder, ModelView\n"
            "from flask_appbuilder.models.sqla.base import SQLA\n"
            "from flask_appbuilder.models.sqla.interface import SQLAInterface\n"
            "from flask_appbuilder import Model\n"
            "from sqlalchemy import Column, Integer, String\n"
            "app = Flask(__name__)\n"
            "app.config.update(SECRET_KEY='x', SQLALCHEMY_DATABASE_URI='sqlite://',\n"
            "                  WTF_CSRF_ENABLED=False)\n"
            "db = SQLA(app)\n"
            "class Contact(Model):\n"
            "    __tablename__ = 'contact'\n"
            "    id = Column(Integer, primary_key=True)\n"
            "    name = Column(String(50))\n"
            "class ContactModelView(ModelView):\n"
            "    datamodel = SQLAInterface(Contact)\n"
            "with app.app_context():\n"
            "    appbuilder = AppBuilder(app, db.session)\n"
            "    appbuilder.add_view(ContactModelView, 'Contacts')\n"
        ),
        "spec": "rw_flask_appbuilder:app",
        "env": {},
    },
    {
        "name": "flask-admin",
        "requirements": ["flask-admin==2.2.1", "flask-sqlalchemy==3.1.1"],
        "scan": ["flask_admin"],
        "wrapper": (
            "from flask import Flask\n"
            "from flask_admin import Admin, BaseView, expose\n"
            "from flask_admin.contrib.sqla import ModelView\n"
            "from flask_sqlalchemy import SQLAlchemy\n"
            "app = Flask(__name__)\n"
            "app.config.update(SECRET_KEY='x', SQLALCHEMY_DATABASE_URI='sqlite://')\n"
            "db = SQLAlchemy(app)\n"
            "class User(db.Model):\n"
            "    id = db.Column(db.Integer, primary_key=True)\n"
            "    name = db.Column(db.String(50))\n"
            "class Hello(BaseView):\n"
            "    @expose('/')\n"
            "    def index(self):\n"
            "        return 'hi'\n"
            "    @expose('/other/', methods=('GET', 'POST'))\n"
            "    def other(self):\n"
            "        return 'x'\n"
            "admin = Admin(app, name='demo')\n"
            "with app.app_context():\n"
            "    admin.add_view(ModelView(User, db.session))\n"
            "admin.add_view(Hello(name='Hello'))\n"
        ),
        "spec": "rw_flask_admin:app",
        "env": {},
    },
    {
        "name": "mlflow-server",
        "requirements": [
            "mlflow-skinny==3.17.2",
            "flask==3.1.3",
            "sqlalchemy==2.1.9",
            "alembic==1.20.1",
        ],
        "scan": ["mlflow/server"],
        "spec": "mlflow.server:app",
        "env": {},
    },
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def venv_python(workdir: Path, name: str) -> Path:
    return workdir / "venvs" / name / "bin" / "python"


def site_packages(py: Path) -> Path:
    out = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def ensure_installed(workdir: Path, entry: dict[str, Any], install: bool) -> Path:
    name = entry["name"]
    venv = workdir / "venvs" / name
    py = venv_python(workdir, name)
    stamp = venv / ".realworld-requirements"
    want = "\n".join(entry["requirements"])
    if stamp.exists() and stamp.read_text() == want:
        return py
    if not install:
        raise RuntimeError(f"{name}: not installed in {venv} (run without --no-install)")
    log(f"[{name}] installing {' '.join(entry['requirements'])}")
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", *entry["requirements"]],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stamp.write_text(want)
    return py


_CHILD = r"""
import importlib, json, sys
marker, spec, prelude = sys.argv[1], sys.argv[2], sys.argv[3]
if prelude:
    exec(compile(prelude, "<prelude>", "exec"), {})
module_name, _, target = spec.partition(":")
obj = importlib.import_module(module_name)
call = target.endswith("()")
for part in target[:-2 if call else None].split("."):
    obj = getattr(obj, part)
app = obj() if call else obj
url_map = getattr(app, "url_map", None)
if url_map is None:
    raise SystemExit(f"{spec} is {type(app).__name__}, not a Flask app")
rules = [[r.rule, sorted(r.methods or ()), r.endpoint] for r in url_map.iter_rules()]
sys.stdout.write("\n" + marker + json.dumps(rules) + "\n")
sys.stdout.flush()
import os
os._exit(0)  # apps that start background threads must not keep the child alive
"""


def triple(rule: str, methods: Any, endpoint: str) -> tuple[str, tuple[str, ...], str]:
    return (rule, tuple(sorted(set(methods) - AUTOMATIC)), endpoint)


def wrapper_dir(workdir: Path, entry: dict[str, Any]) -> Path | None:
    if not entry.get("wrapper"):
        return None
    d = workdir / "wrappers" / entry["name"]
    d.mkdir(parents=True, exist_ok=True)
    mod = "rw_" + entry["name"].replace("-", "_").replace(".", "_")
    (d / f"{mod}.py").write_text(entry["wrapper"])
    return d


def runtime_map(py: Path, workdir: Path, entry: dict[str, Any]) -> set[tuple]:
    run_dir = workdir / "run" / entry["name"]
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["HOME"] = str(run_dir)
    paths = [str(run_dir)]
    wdir = wrapper_dir(workdir, entry)
    if wdir:
        paths.insert(0, str(wdir))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(entry.get("env", {}))
    proc = subprocess.run(
        [str(py), "-c", _CHILD, MARKER, entry["spec"], entry.get("prelude", "")],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 or MARKER not in proc.stdout:
        raise RuntimeError(
            f"{entry['name']}: runtime import failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    rules = json.loads(proc.stdout.rsplit(MARKER, 1)[1])
    return {triple(*r) for r in rules}


def static_map(py: Path, workdir: Path, entry: dict[str, Any]) -> tuple[Any, float]:
    sp = site_packages(py)
    paths = [sp / p for p in entry["scan"]]
    wdir = wrapper_dir(workdir, entry)
    if wdir:
        paths.append(wdir)
    t0 = time.perf_counter()
    inv = scan_paths(paths)
    return inv, time.perf_counter() - t0


def pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:5.1f}%" if den else "   n/a"


def evaluate(workdir: Path, entry: dict[str, Any], install: bool) -> dict[str, Any]:
    py = ensure_installed(workdir, entry, install)
    runtime = runtime_map(py, workdir, entry)
    inv, secs = static_map(py, workdir, entry)
    by_app: dict[str, set[tuple]] = {}
    for r in inv.routes:
        by_app.setdefault(r.app, set()).add(triple(r.rule, r.methods, r.endpoint))
    if entry.get("static_app"):
        app = entry["static_app"]
    elif by_app:
        app = max(by_app, key=lambda a: (len(by_app[a] & runtime), -len(by_app[a])))
    else:
        app = None
    static = by_app.get(app, set())
    every = set().union(*by_app.values()) if by_app else set()
    hit = static & runtime
    return {
        "name": entry["name"],
        "app": app,
        "apps": {a: len(v) for a, v in by_app.items()},
        "runtime": len(runtime),
        "static": len(static),
        "static_all": len(every),
        "hit": len(hit),
        "hit_all": len(every & runtime),
        "seconds": secs,
        "missed": sorted(runtime - static),
        "extra": sorted(static - runtime),
        "extra_all": sorted(every - runtime),
        "findings": [
            {"code": f.code, "message": f.message, "file": f.file, "line": f.line}
            for f in inv.findings
        ],
        "errors": [{"file": e.file, "line": e.line, "reason": e.reason} for e in inv.errors],
        "routes": [
            {
                "rule": r.rule,
                "methods": list(r.methods),
                "endpoint": r.endpoint,
                "app": r.app,
                "source": [r.source.file, r.source.line] if r.source else None,
            }
            for r in inv.routes
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "realworld")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--details", type=Path, help="write misses/extras/findings as JSON here")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    entries = [e for e in MANIFEST if not args.only or e["name"] in args.only]
    results = []
    for entry in entries:
        try:
            results.append(evaluate(args.workdir.resolve(), entry, not args.no_install))
        except Exception as exc:  # keep going: one broken app must not hide the rest
            log(f"[{entry['name']}] FAILED: {exc}")
            results.append({"name": entry["name"], "error": str(exc)})
    header = (
        f"{'app':28} {'runtime':>7} {'static':>6} {'recall':>7} {'precis':>7}"
        f" {'st.all':>6} {'rec.all':>7} {'pre.all':>7} {'scan s':>7}"
    )
    print(header)
    print("-" * len(header))
    tot = {"runtime": 0, "static": 0, "hit": 0}
    for r in results:
        if "error" in r:
            print(f"{r['name']:28} ERROR")
            continue
        for k in tot:
            tot[k] += r[k]
        print(
            f"{r['name']:28} {r['runtime']:7d} {r['static']:6d} {pct(r['hit'], r['runtime']):>7}"
            f" {pct(r['hit'], r['static']):>7} {r['static_all']:6d}"
            f" {pct(r['hit_all'], r['runtime']):>7} {pct(r['hit_all'], r['static_all']):>7}"
            f" {r['seconds']:7.2f}"
        )
    print("-" * len(header))
    print(
        f"{'TOTAL (micro)':28} {tot['runtime']:7d} {tot['static']:6d}"
        f" {pct(tot['hit'], tot['runtime']):>7} {pct(tot['hit'], tot['static']):>7}"
    )
    if args.details:
        args.details.write_text(json.dumps(results, indent=1, default=list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
