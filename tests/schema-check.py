#!/usr/bin/python3
"""Validates a JSON document (stdin) against a schema of the OCI runtime-spec.
Usage: schema-check.py SCHEMA_DIR SCHEMA_FILE < document.json"""
import json
import pathlib
import sys
import warnings

import jsonschema

# Newer jsonschema deprecates RefResolver; Debian 12's has no replacement.
warnings.filterwarnings("ignore", category=DeprecationWarning)

schema_dir = pathlib.Path(sys.argv[1]).resolve()
schema = json.loads((schema_dir / sys.argv[2]).read_text())
resolver = jsonschema.RefResolver(base_uri=schema_dir.as_uri() + "/", referrer=schema)
try:
    jsonschema.Draft4Validator(schema, resolver=resolver).validate(json.load(sys.stdin))
except jsonschema.ValidationError as e:
    print("invalid: %s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path)))
    sys.exit(1)
print("valid")
