"""The JSONL request file: what the recorder writes, verify reads back unchanged."""

from __future__ import annotations

import json

import pytest

from migrate.verify.traffic import (
    RecordedRequest,
    RequestFileError,
    dump_line,
    read_requests,
    write_requests,
)


def test_round_trip_keeps_every_field(tmp_path):
    requests = [
        RecordedRequest("GET", "/api/v1/books", "page=2", (("accept", "application/json"),)),
        RecordedRequest("POST", "/upload", "", (), b"\x89PNG\x00\xff", label="binary"),
        RecordedRequest("PUT", "/big", body=None, body_omitted="over the 10-byte limit"),
        RecordedRequest("PATCH", "/caf\u00e9", body="d\u00e9j\u00e0 vu".encode(), endpoint="x"),
    ]
    path = tmp_path / "requests.jsonl"
    assert write_requests(path, requests) == 4
    assert read_requests(path) == requests
    lines = path.read_text().splitlines()
    assert all(line.isascii() for line in lines)
    assert json.loads(lines[1])["body_base64"] == "iVBORwD/"
    assert json.loads(lines[2])["body"] is None


def test_line_is_one_json_object():
    line = dump_line(RecordedRequest("GET", "/x", headers=(("a", "1"),)))
    assert line.endswith("\n") and line.count("\n") == 1
    assert json.loads(line) == {"method": "GET", "path": "/x", "headers": [["a", "1"]], "body": ""}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"path": "/x"}', "bad or missing 'method'"),
        ('{"method": "GET", "path": "x"}', "'path' must be a string starting with '/'"),
        ('{"method": "GET", "path": "/", "headers": [["a"]]}', "bad header entry"),
        ('{"method": "GET", "path": "/", "body_base64": "!!"}', "not valid base64"),
        ("[1, 2]", "expected a JSON object"),
        ("{not json", "Expecting property name"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"method": "GET", "path": "/ok"}\n\n' + line + "\n")
    with pytest.raises(RequestFileError, match=rf"bad.jsonl:3: .*{message}"):
        read_requests(path)
