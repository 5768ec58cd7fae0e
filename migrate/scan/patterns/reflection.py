"""Reading objects by computed names and asking their type: `dir`, `getattr`,
`isinstance`, `inspect.getmembers`.

Apps that find their blueprints at run time (`discovery.py`) then pick them out
of each module:

    for name in dir(module):                      # Indico
        if isinstance(getattr(module, name), Blueprint): ...
    inspect.getmembers(module, is_blueprint)      # CKAN, with a predicate

- `dir(module)` is its names, sorted, with the submodules code imported (an
  import binds them on the package); `getattr(module, name)` the value or a
  submodule (imported then, as `module.name` is), `getattr(module, name,
  default)` the default for a submodule nobody imported; `inspect.getmembers
  (module, predicate)` the sorted `(name, value)` pairs a predicate function
  accepts. A member whose answer the scan cannot know (a value from outside
  the scanned code) is left out, with one `unresolved-member` finding at the
  call. Each marks the module `listed`: any of its names may have been read,
  which `incremental` must know.
- On a Flask object, `getattr(obj, name, default)` is what user code set on it
  (`bp.auto_register = False`, `setattr(bp, "auto_register", False)`), what
  the models know, or the default for a name that is not a Flask attribute
  (`FLASK_ATTRIBUTES`); after a `setattr` by a name the scan cannot know, it
  is unknown. On anything else (instances: a `@dataclass`, a `setattr` loop,
  a `__getattr__` add what the scan does not see) it is unknown.
- `isinstance(obj, cls)`: True or False when the scan knows the object's
  classes (literals, functions, modules, Flask objects, instances of scanned
  classes) and `cls` is a builtin or a class the patterns model; for a
  scanned `cls`, True for an instance of it or of a subclass, else unknown
  (a metaclass, a `Protocol` or an ABC's `register` can say yes).
"""

from __future__ import annotations

import sys
from typing import Any

from migrate.scan import ir, library
from migrate.scan.interp import MAX_DEPTH, MISSING, Interpreter, ModuleRT, truth
from migrate.scan.objects import AppObj, BlueprintObj, FlaskObj
from migrate.scan.values import (
    BuiltinFn,
    ClassV,
    DictV,
    ExternalV,
    FuncV,
    InstanceV,
    ModuleV,
    Site,
    Unknown,
    shown,
)

# Every public attribute of `flask.Flask` and `flask.Blueprint`, classes and
# instances (Flask 3.1; `tests/scan/test_reflection.py` checks the installed one)
_FLASK_NAMES = """
    aborter aborter_class add_app_template_filter add_app_template_global
    add_app_template_test add_template_filter add_template_global add_template_test
    add_url_rule after_app_request after_request after_request_funcs app_context
    app_context_processor app_ctx_globals_class app_errorhandler app_template_filter
    app_template_global app_template_test app_url_defaults app_url_value_preprocessor
    async_to_sync auto_find_instance_path before_app_request before_request
    before_request_funcs blueprints cli cli_group config config_class context_processor
    create_global_jinja_loader create_jinja_environment create_url_adapter debug
    default_config deferred_functions delete dispatch_request do_teardown_appcontext
    do_teardown_request endpoint ensure_sync error_handler_spec errorhandler extensions
    finalize_request full_dispatch_request get get_send_file_max_age handle_exception
    handle_http_exception handle_url_build_error handle_user_exception has_static_folder
    import_name inject_url_defaults instance_path iter_blueprints jinja_env jinja_environment
    jinja_loader jinja_options json json_provider_class log_exception logger make_aborter
    make_config make_default_options_response make_response make_setup_state
    make_shell_context name open_instance_resource open_resource patch
    permanent_session_lifetime post preprocess_request process_response put
    raise_routing_exception record record_once redirect register register_blueprint
    register_error_handler request_class request_context response_class root_path route run
    secret_key select_jinja_autoescape send_static_file session_interface
    shell_context_processor shell_context_processors should_ignore_error static_folder
    static_url_path subdomain subdomain_matching teardown_app_request teardown_appcontext
    teardown_appcontext_funcs teardown_request teardown_request_funcs
    template_context_processors template_filter template_folder template_global template_test
    test_cli_runner test_cli_runner_class test_client test_client_class test_request_context
    testing trap_http_exception update_template_context url_build_error_handlers
    url_default_functions url_defaults url_for url_map url_map_class url_prefix url_rule_class
    url_value_preprocessor url_value_preprocessors url_values_defaults view_functions wsgi_app
"""
FLASK_ATTRIBUTES = frozenset(_FLASK_NAMES.split())
_BUILTIN_KINDS = {
    str: "builtins.str",
    int: "builtins.int",
    float: "builtins.float",
    bool: "builtins.bool",
    bytes: "builtins.bytes",
    list: "builtins.list",
    tuple: "builtins.tuple",
    type(None): "builtins.NoneType",
}
_MODEL_KINDS = {
    DictV: "builtins.dict",
    FuncV: "types.FunctionType",
    ModuleV: "types.ModuleType",
    ClassV: "builtins.type",
}
# classes whose instances the scan can tell apart: builtins and what the patterns model
_KNOWN_BUILTINS = frozenset(
    {
        *_BUILTIN_KINDS.values(),
        "builtins.dict",
        "builtins.set",
        "builtins.type",
        "builtins.object",
        "types.ModuleType",
        "types.FunctionType",
    }
)
_ANY = "\0any"  # in `FlaskObj.extra`: `setattr` by a name the scan cannot know
_NO_INSTANCES = frozenset({"flask", "werkzeug", *sys.stdlib_module_names})


def namespace(interp: Interpreter, rt: ModuleRT, mark: bool = True) -> dict[str, Any]:
    """A module's names as `dir()` shows them: its globals, and its submodules that
    code imported (an import binds a submodule on its package). Marks it `listed`
    (`mark=False`: the caller marks it)."""
    if mark:
        rt.listed = True
    names = dict(rt.env.vars)
    for sub in interp.submodules.get(rt.name, ()):
        child = sub.name.rpartition(".")[2]
        if child not in names and _imported(sub):
            names[child] = ModuleV(sub)
    return names


def _imported(rt: ModuleRT) -> bool:
    """Some code imported it (not only the link running every module) and it ran."""
    return rt.reached and rt.state != "new"


@library.constructor("builtins.dir")
def dir_(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    if len(args) == 1 and isinstance(args[0], ModuleV):
        return sorted(namespace(interp, args[0].rt))
    return Unknown("dir() of a value other than a module", site.file, site.line)


@library.constructor("builtins.getattr")
def getattr_(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    if len(args) not in (2, 3) or not isinstance(args[1], str):
        return Unknown("getattr by a runtime name", site.file, site.line)
    obj, name = args[0], args[1]
    default = args[2] if len(args) == 3 else MISSING
    if isinstance(obj, ModuleV):
        if default is MISSING:
            obj.rt.listed = True
            return interp.module_attr(obj.rt, name)  # imports a submodule, as `a.b` does here
        # with a default, a submodule nobody imported is missing, as in CPython
        return namespace(interp, obj.rt).get(name, default)
    if not isinstance(obj, FlaskObj):
        # instances and classes: a class decorator (`@dataclass`), `setattr` or
        # `__getattr__` may add what the scan does not see
        return Unknown(f"getattr of {shown(obj)}", site.file, site.line)
    value = interp.getattr(obj, name)
    if default is MISSING or not isinstance(value, Unknown) or _ANY in obj.extra:
        return value
    if not name.startswith("_") and name not in FLASK_ATTRIBUTES:
        return default
    return value


@library.constructor("builtins.setattr")
def setattr_(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    if isinstance(args[0] if args else None, ModuleV):
        # a name written by a name code computed: no file need spell it, so a
        # statement added to that module may clobber it (`incremental`)
        args[0].rt.listed = True
    if len(args) == 3 and isinstance(args[1], str):
        interp.set_attr(args[0], args[1], args[2], site)
    elif args and isinstance(args[0], FlaskObj):
        args[0].extra[_ANY] = True  # some attribute, by a name the scan cannot know
    return None


@library.constructor("builtins.isinstance")
def isinstance_(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    if len(args) != 2:
        return Unknown("isinstance() with other than two arguments", site.file, site.line)
    answer = instance_of(interp, args[0], args[1])
    if answer is None:
        return Unknown(f"isinstance of {shown(args[0])}", site.file, site.line)
    return answer


def instance_of(interp: Interpreter, obj: Any, info: Any) -> bool | None:
    """Whether `isinstance(obj, info)` holds; None when the scan cannot know."""
    if isinstance(info, tuple):
        answers = [instance_of(interp, obj, one) for one in info]
        return True if True in answers else (False if all(a is False for a in answers) else None)
    if isinstance(info, ClassV):
        # never False: the lowered class does not show a metaclass, a Protocol's
        # structural check or an ABC's registered subclasses
        own = obj.cls if isinstance(obj, InstanceV | FlaskObj) else None
        return True if isinstance(own, ClassV) and _subclass(own, info) else None
    if isinstance(info, ExternalV):
        qualname = library.canonical(info.qualname)
        modelled = qualname in _known_classes()
        if (
            modelled
            and isinstance(obj, ExternalV)
            and library.canonical(obj.qualname).split(".", 1)[0] in _NO_INSTANCES
        ):
            # what an app imports from Flask, werkzeug or the standard library
            # (functions, classes, proxies, constants): none is an app or a blueprint
            return False
        kinds, closed = _kinds(interp, obj)
        if qualname in kinds:
            return True
        if closed and (modelled or qualname in _KNOWN_BUILTINS):
            return False
    return None


def _known_classes() -> set[str]:
    return {"flask.Flask", "flask.Blueprint", *library.ANCESTORS, *library.ANCESTORS.values()}


def _kinds(interp: Interpreter, obj: Any) -> tuple[set[str], bool]:
    """The classes `obj` is known to be an instance of, and whether that is all of them
    among the classes the scan knows."""
    for kind, name in _BUILTIN_KINDS.items():
        if type(obj) is kind:
            extra = {"builtins.int"} if kind is bool else set()
            return {name, *extra, "builtins.object"}, True
    for kind, name in _MODEL_KINDS.items():
        if isinstance(obj, kind):
            return {name, "builtins.object"}, True
    if isinstance(obj, AppObj | BlueprintObj):
        base = "flask.Flask" if isinstance(obj, AppObj) else "flask.Blueprint"
        kinds = {*library.lineage(base), "builtins.object"}
        if obj.cls is None:
            return kinds, True
        return kinds | set(interp.external_ancestors(obj.cls)), _closed(interp, obj.cls)
    if isinstance(obj, InstanceV):
        return {*interp.external_ancestors(obj.cls), "builtins.object"}, _closed(interp, obj.cls)
    return set(), False


def _closed(interp: Interpreter, cls: Any) -> bool:
    """A scanned class whose bases are all scanned classes, `object`, or classes the
    patterns model: its classes are all known."""
    if not isinstance(cls, ClassV):
        return False
    known = {"builtins.object", *_known_classes()}
    stack, seen = [cls], 0
    while stack and seen < 64:
        seen += 1
        for base in stack.pop().bases:
            if isinstance(base, ClassV):
                stack.append(base)
            elif not (isinstance(base, ExternalV) and library.canonical(base.qualname) in known):
                return False
    return not stack


def _subclass(cls: ClassV, info: ClassV, depth: int = 0) -> bool:
    if cls is info:
        return True
    return depth < 16 and any(
        isinstance(base, ClassV) and _subclass(base, info, depth + 1) for base in cls.bases
    )


@library.constructor("inspect.getmembers")
def getmembers(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], site: Site, cls: ClassV | None
) -> Any:
    obj = args[0] if args else kwargs.get("object")
    predicate = args[1] if len(args) > 1 else kwargs.get("predicate")
    if not isinstance(obj, ModuleV):
        return Unknown("inspect.getmembers of a value other than a module", site.file, site.line)
    if not isinstance(predicate, FuncV | BuiltinFn | type(None)):
        # a class would be constructed, a library function is not followed
        return Unknown("inspect.getmembers with a predicate the scan cannot follow")
    rt = obj.rt
    out: list[Any] = []
    # sifted: at every step, a constant here would be dropped without a call
    sifted = rejects_constants(interp, predicate)
    for name, value in sorted(namespace(interp, rt, mark=False).items()):
        if predicate is not None:
            if type(value) in CONSTANT_TYPES and sifted:
                continue  # no instance of a Flask class: False, and nothing runs (no memo)
            answer = truth(interp.call(predicate, [value], {}, site))
            sifted = sifted and rejects_constants(interp, predicate)  # the call may rebind
            if answer is None:
                interp.finding(
                    "unresolved-member",
                    f"inspect.getmembers(..., {shown(predicate)}) leaves out members whose "
                    f"answer the scan cannot know (first: `{name}` of `{rt.name}`, "
                    f"{shown(value)})",
                    site.file,
                    site.line,
                )
            if not answer:
                continue
        out.append((name, value))
    if sifted:
        rt.sifted = True
    else:
        rt.listed = True
    return out


# constants `instance_of` tells apart from every class the patterns model
CONSTANT_TYPES = (str, int, float, bool, bytes, type(None))


def rejects_constants(interp: Interpreter, predicate: Any) -> bool:
    """Whether `predicate(v)`, called here, is False for every constant `v` (of
    `CONSTANT_TYPES`), running nothing but `isinstance`: a plain function whose body
    is `return isinstance(p, C)` or `return isinstance(p, C) and ...`, where `p` is
    its one parameter, `isinstance` the builtin and `C` a name bound to a class the
    patterns model, not a builtin one (CKAN's `is_blueprint`). Then a constant
    added to a module it sifts changes nothing (`incremental`, `Record.sifted`)."""
    if not isinstance(predicate, FuncV) or predicate.origin is not None:
        return False
    if predicate.owner is not None or predicate.self_obj is not None:
        return False  # a method's frame binds `__class__` and `__self__` too
    fdef = predicate.fdef
    params = fdef.params
    if fdef.decorators or fdef.is_async or len(params) != 1 or params[0].kind != "normal":
        return False
    if id(fdef) in interp.stack or len(interp.stack) + 1 >= MAX_DEPTH:
        return False  # the call would answer "too deep" (unknown)
    body = fdef.body
    if body and isinstance(body[0], ir.ExprStmt) and isinstance(body[0].value, ir.Const):
        body = body[1:]  # a docstring
    if len(body) != 1 or not isinstance(body[0], ir.Return):
        return False
    test = body[0].value
    if isinstance(test, ir.BoolOp) and test.op == "and":
        test = test.left
    if not (
        isinstance(test, ir.Call)
        and test.func == ir.Name("isinstance")
        and not test.kwargs
        and len(test.args) == 2
        and test.args[0] == ir.Name(params[0].name)
        and isinstance(test.args[1], ir.Name)
    ):
        return False
    scope = predicate.closure if predicate.closure is not None else predicate.module.env
    names = ("isinstance", test.args[1].id)
    if params[0].name in names or scope.lookup("isinstance") is not MISSING:
        return False  # a local or global `isinstance` is not the builtin
    cls = scope.lookup(names[1])
    if not isinstance(cls, ExternalV):
        return False
    qualname = library.canonical(cls.qualname)
    return qualname in _known_classes() and qualname not in _KNOWN_BUILTINS
