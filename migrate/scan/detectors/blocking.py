"""Calls that would stall the event loop if the view became `async def`:
sync HTTP clients (`requests`, `httpx.get`/`httpx.Client`, `urllib`,
`http.client`, `httplib2`), `time.sleep`, database drivers (`sqlite3`,
`psycopg2`, `pymysql`, `redis`, `pymongo`), SQLAlchemy (`db.session.*`,
`Model.query.*`), file I/O (`open`, `pathlib.Path(...).read_text()`),
`subprocess`, `os.system`, `socket`, `smtplib` and `boto3`.

FastAPI side: keep the route a plain `def` (FastAPI runs it in its thread
pool), or move to the async library named in the fact's `advice`.

    r = requests.get(url, timeout=5)       # requests.get, library 'requests'
    user = User.query.get_or_404(user_id)  # query.get_or_404, library 'flask_sqlalchemy'
"""

from __future__ import annotations

import libcst as cst

from migrate.scan.detectors import Context, Detector
from migrate.scan.detectors.flask_context import Names

ADVICE = {  # category -> (what it is, what to do)
    "http": (
        "HTTP call",
        "keep the route `def` (FastAPI runs it in the thread pool) or use httpx.AsyncClient",
    ),
    "sleep": ("sleep", "asyncio.sleep in an `async def` route, or keep `def`"),
    "db": (
        "database call",
        "keep `def`, or an async driver (asyncpg/aiosqlite/SQLAlchemy AsyncSession)",
    ),
    "redis": ("Redis client", "keep `def`, or redis.asyncio"),
    "mongo": ("MongoDB client", "keep `def`, or Motor (async MongoDB driver)"),
    "file": ("file I/O", "keep `def`, or anyio/aiofiles"),
    "process": ("subprocess", "keep `def`, or asyncio.create_subprocess_exec / anyio.run_process"),
    "socket": ("socket I/O", "keep `def`, or asyncio streams (asyncio.open_connection)"),
    "smtp": ("SMTP", "keep `def`, or aiosmtplib / BackgroundTasks"),
    "aws": ("AWS client", "keep `def`, or aioboto3 / run_in_threadpool"),
}
_TABLE = (  # module (the fact's library), category, its blocking functions
    ("requests", "http", "get post put patch delete head options request Session session"),
    ("httpx", "http", "get post put patch delete head options request stream Client"),
    ("urllib.request", "http", "urlopen urlretrieve"),
    ("urllib3", "http", "PoolManager request"),
    ("http.client", "http", "HTTPConnection HTTPSConnection"),
    ("httplib2", "http", "Http"),
    ("time", "sleep", "sleep"),
    ("sqlite3", "db", "connect"),
    ("psycopg2", "db", "connect"),
    ("psycopg", "db", "connect"),
    ("pymysql", "db", "connect"),
    ("MySQLdb", "db", "connect"),
    ("mysql.connector", "db", "connect"),
    ("redis", "redis", "Redis StrictRedis from_url Redis.from_url StrictRedis.from_url"),
    ("pymongo", "mongo", "MongoClient"),
    ("io", "file", "open"),
    ("codecs", "file", "open"),
    ("subprocess", "process", "run call check_call check_output Popen getoutput getstatusoutput"),
    ("os", "process", "system popen"),
    ("socket", "socket", "socket create_connection getaddrinfo gethostbyname"),
    ("smtplib", "smtp", "SMTP SMTP_SSL LMTP"),
    ("boto3", "aws", "client resource Session"),
)
CALLS = {f"{mod}.{f}": (mod, category) for mod, category, fs in _TABLE for f in fs.split()}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PATHS = _words("pathlib.Path pathlib.PosixPath pathlib.WindowsPath")
PATH_PURE = _words("joinpath with_name with_suffix resolve absolute expanduser")
PATH_IO = _words(
    "read_text write_text read_bytes write_bytes open touch unlink mkdir rmdir rename replace"
    " iterdir glob rglob stat exists is_file is_dir"
)
SESSION_OPS = _words(
    "query add add_all commit execute scalar scalars get delete flush merge refresh rollback"
)
QUERY_OPS = _words(
    "filter filter_by get all first one one_or_none scalar count get_or_404 first_or_404"
    " one_or_404 paginate order_by limit offset join outerjoin options with_entities distinct"
    " group_by exists delete update"
)
DB_404 = frozenset({"get_or_404", "first_or_404", "one_or_404"})  # Flask-SQLAlchemy 3: db.X


def _chain(node: cst.BaseExpression) -> list[str] | None:
    """`db.session.add` -> ["db", "session", "add"]; None unless names only."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    return [node.value, *reversed(parts)] if isinstance(node, cst.Name) else None


class Blocking(Detector):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.names = Names(ctx)
        self.paths: dict[str, set[str]] = {}  # function -> local names bound to a Path

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.names.enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.names.leave()

    def _emit(self, name: str, node: cst.Call, library: str, category: str) -> None:
        what, advice = ADVICE[category]
        detail = f"{what}: {self.ctx.code(node, 50)}"
        self.ctx.emit("blocking", name, detail, library=library, advice=advice)

    def _is_path(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in PATH_PURE:
                return self._is_path(func.value)
            return self.names.resolve(func) in PATHS
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return self._is_path(node.left)
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            return self._is_path(node.value)
        return isinstance(node, cst.Name) and node.value in self.paths.get(self.ctx.function, ())

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.ctx.functions and self._is_path(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.paths.setdefault(self.ctx.function, set()).add(target.target.value)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.functions:
            return  # module level runs at import, not per request
        func = node.func
        dotted = self.names.resolve(func)
        if dotted in CALLS:
            self._emit(dotted, node, *CALLS[dotted])
        elif self.names.builtin(func) == "open":
            self._emit("open", node, "builtins", "file")
        elif (
            isinstance(func, cst.Attribute)
            and func.attr.value in PATH_IO
            and self._is_path(func.value)
        ):
            self._emit(f"pathlib.Path.{func.attr.value}", node, "pathlib", "file")
        if dotted is None or not dotted.startswith("flask."):
            self._sqlalchemy(node)

    def _sqlalchemy(self, node: cst.Call) -> None:
        parts = _chain(node.func)
        if parts is None or len(parts) < 2:
            return
        owner, method = parts[-2], parts[-1]
        positional = sum(1 for a in node.args if a.keyword is None)
        if len(parts) > 2 and owner == "session" and method in SESSION_OPS:
            # `session.get(url)` is a requests session; SQLAlchemy's takes (Model, id).
            if method != "get" or positional >= 2:
                self._emit(f"session.{method}", node, "sqlalchemy", "db")
        elif owner == "query" and method in QUERY_OPS:
            self._emit(f"query.{method}", node, "flask_sqlalchemy", "db")
        elif method in DB_404 or (parts == ["db", "paginate"]):
            self._emit(f"db.{method}", node, "flask_sqlalchemy", "db")
