"""`migrate verify`: parity between migrated FastAPI routes and the Flask routes they replace.

recorded (``adapters.recording``) or generated (``cases``) requests
    --replay (both sides in process, ``replay``)--> outcomes
    --compare (normalised status, headers, body, ``compare``)--> report (table / JSON)

Modules: ``traffic`` (the JSONL request file), ``target`` (the legacy app factory and
which native route replaces which endpoint), ``cases`` (requests from scan facts),
``replay``, ``compare``, ``report``. Nothing is imported here, so the runtime
(``adapters.shadow``) can use ``compare`` without loading the scanner.
"""
