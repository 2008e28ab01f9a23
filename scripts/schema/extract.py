#!/usr/bin/env python3
"""Writes schema/openapi-v1.35.txt: the part of the Kubernetes v1.35 OpenAPI definitions
that svcplay decodes manifests against, in a small line format the Rust generator reads
(tests/schema_gen.rs).

The definitions come from the PyPI package kubernetes-validate 1.35.0, which ships the
JSON schemas its authors generate from the v1.35.0 release's OpenAPI (swagger) document,
one `_definitions.json` per Kubernetes version. Only the definitions reachable from the
kinds svcplay accepts are kept, with each field's JSON type, format and reference;
descriptions and patch directives are dropped.

Run it by hand when the Kubernetes version moves (it needs the network once):

    pip download --no-deps -d /tmp/kv kubernetes-validate==1.35.0
    python3 scripts/schema/extract.py /tmp/kv/kubernetes_validate-1.35.0-py3-none-any.whl
    SVCPLAY_BLESS=1 cargo test --test schema_gen

The checksums of the wheel and of the definitions file are written into the extract's
header; the script refuses a wheel with another checksum unless --any-wheel is given.
"""

import hashlib
import json
import sys
import zipfile
from pathlib import Path

VERSION = "1.35.0"
WHEEL_SHA256 = "768909f0cea1c7d77761c8fdea028c6aa553151dafeae099c453742ad3324b43"
MEMBER = f"kubernetes_validate/kubernetes-json-schema/v{VERSION}-local/_definitions.json"

# The kinds svcplay accepts, plus the kube-system kinds its terminal shows (DaemonSet,
# ConfigMap). KubeProxyConfiguration is kube-proxy's configuration, not an API object: it
# is not in the OpenAPI document (src/manifest/schema.rs writes it from kube-proxy's
# types.go); NodeRuntime is svcplay's own kind.
ROOTS = [
    ("v1", "Namespace", "io.k8s.api.core.v1.Namespace"),
    ("v1", "Node", "io.k8s.api.core.v1.Node"),
    ("v1", "Pod", "io.k8s.api.core.v1.Pod"),
    ("v1", "Service", "io.k8s.api.core.v1.Service"),
    ("v1", "Endpoints", "io.k8s.api.core.v1.Endpoints"),
    ("v1", "ConfigMap", "io.k8s.api.core.v1.ConfigMap"),
    ("apps/v1", "Deployment", "io.k8s.api.apps.v1.Deployment"),
    ("apps/v1", "ReplicaSet", "io.k8s.api.apps.v1.ReplicaSet"),
    ("apps/v1", "StatefulSet", "io.k8s.api.apps.v1.StatefulSet"),
    ("apps/v1", "DaemonSet", "io.k8s.api.apps.v1.DaemonSet"),
    ("discovery.k8s.io/v1", "EndpointSlice", "io.k8s.api.discovery.v1.EndpointSlice"),
    ("networking.k8s.io/v1", "ServiceCIDR", "io.k8s.api.networking.v1.ServiceCIDR"),
]

# Definitions whose Go types decode themselves (UnmarshalJSON): their JSON shape is not a
# struct's, and the generator maps each to its own decoding rule.
OPAQUE = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "int-or-string",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "micro-time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "fields-v1",
}


def json_type(prop):
    """The property's JSON type without the "null" the package adds to optional fields."""
    t = prop.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"]
        if len(t) != 1:
            raise SystemExit(f"unexpected type list {prop}")
        t = t[0]
    return t


def type_text(prop, refs):
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[1]
        refs.append(name)
        return "#" + name
    t = json_type(prop)
    if t == "array":
        return "[]" + type_text(prop["items"], refs)
    if t == "object":
        if "additionalProperties" in prop:
            return "map[string]" + type_text(prop["additionalProperties"], refs)
        if "properties" in prop:
            raise SystemExit(f"inline struct {prop}")
        return "object"
    if t in ("string", "integer", "number", "boolean"):
        fmt = prop.get("format")
        return f"{t}:{fmt}" if fmt else t
    raise SystemExit(f"unexpected property {prop}")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        raise SystemExit(__doc__)
    wheel = Path(args[0])
    wheel_sum = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if wheel_sum != WHEEL_SHA256 and "--any-wheel" not in sys.argv:
        raise SystemExit(f"{wheel}: sha256 {wheel_sum}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(MEMBER)
    defs = json.loads(raw)["$defs"]
    out_defs = {}
    pending = [d for _, _, d in ROOTS]
    while pending:
        name = pending.pop()
        if name in out_defs:
            continue
        if name in OPAQUE:
            out_defs[name] = OPAQUE[name]
            continue
        definition = defs[name]
        fields = []
        refs = []
        for field, prop in sorted(definition.get("properties", {}).items()):
            fields.append((field, type_text(prop, refs)))
        out_defs[name] = fields
        pending.extend(refs)
    root = Path(__file__).resolve().parents[2]
    lines = [
        f"# The Kubernetes v{VERSION} OpenAPI definitions svcplay decodes manifests against.",
        f"# Source: PyPI kubernetes-validate {VERSION}, wheel sha256 {wheel_sum},",
        f"#   member {MEMBER} sha256 {hashlib.sha256(raw).hexdigest()}",
        "#   (generated by that package from the release's OpenAPI document).",
        "# Written by scripts/schema/extract.py; read by tests/schema_gen.rs. Do not edit.",
        "# Line forms: `kind <apiVersion> <Kind> <definition>`; `def <definition>` then one",
        "# `  <field> <type>` per field; `opaque <definition> <rule>` for self-decoding types.",
        "# Types: string[:format], integer:<format>, number[:format], boolean, object (free-form),",
        "#   []<type>, map[string]<type>, #<definition>.",
    ]
    for api_version, kind, definition in ROOTS:
        lines.append(f"kind {api_version} {kind} {definition}")
    for name in sorted(out_defs):
        body = out_defs[name]
        if isinstance(body, str):
            lines.append(f"opaque {name} {body}")
            continue
        lines.append(f"def {name}")
        for field, text in body:
            lines.append(f"  {field} {text}")
    target = root / "schema" / f"openapi-v{VERSION.rsplit('.', 1)[0]}.txt"
    target.parent.mkdir(exist_ok=True)
    target.write_text("\n".join(lines) + "\n")
    print(f"{target}: {len(out_defs)} definitions")


if __name__ == "__main__":
    main()
