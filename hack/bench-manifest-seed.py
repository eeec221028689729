#!/usr/bin/env python3
"""Seeds the manifest benchmark: small real images on a registry, and a plan.

Usage: bench-manifest-seed.py HOST PROJECTS PLAN_OUT [LAYER_MIB] [PREFIX]
Pushes, per project x arch, a unique one-file layer (padded to LAYER_MIB MiB
when given), a config naming the platform and an OCI manifest under the arch
tag; writes plan.json (format 1). Projects are named PREFIX-NNN (`project`).
"""
import hashlib
import io
import json
import sys
import tarfile
import urllib.request

host, count, plan_out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
layer_mib = int(sys.argv[4]) if len(sys.argv) > 4 else 0
prefix = sys.argv[5] if len(sys.argv) > 5 else "project"
repo = "monoarch"
date, sha7 = "20261120", "abc1234"
commit = sha7 + "def5678abc1234def5678abc1234def56"
base = f"http://{host}/v2/{repo}"
ARCHES = [("amd64", "linux/amd64", "ubuntu-24.04"), ("arm64", "linux/arm64", "ubuntu-24.04-arm")]


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req) as resp:
        return resp


def push_blob(data):
    d = digest(data)
    resp = request("POST", f"{base}/blobs/uploads/")
    location = resp.headers["Location"]
    if location.startswith("/"):
        location = f"http://{host}{location}"
    sep = "&" if "?" in location else "?"
    request("PUT", f"{location}{sep}digest={d}", data, {"Content-Type": "application/octet-stream"})
    return d


def layer(text):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        payload = text.encode() + b"\0" * (layer_mib * 1024 * 1024)
        info = tarfile.TarInfo("marker.txt")
        info.size, info.mtime = len(payload), 0
        tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


projects = []
for i in range(count):
    name = f"{prefix}-{i:03d}"
    primary = f"{name}-{date}-{sha7}"
    jobs = []
    for arch, platform, runner in ARCHES:
        tag = f"{primary}-{arch}"
        lay = layer(f"{name}/{arch}")
        lay_d = push_blob(lay)
        os_, architecture = platform.split("/")
        config = json.dumps({"architecture": architecture, "os": os_,
                             "rootfs": {"type": "layers", "diff_ids": [lay_d]}}).encode()
        cfg_d = push_blob(config)
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_d, "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": lay_d, "size": len(lay)}],
        }).encode()
        request("PUT", f"{base}/manifests/{tag}", manifest,
                {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        jobs.append({"platform": platform, "arch": arch, "github_runner": runner,
                     "gitlab_tags": [], "tag": tag})
    projects.append({
        "name": name, "path": f"projects/{name}", "reasons": [{"rule": "all"}],
        "dockerfile": "Dockerfile", "context": ".", "build_args": [], "repository": repo,
        "tags": [primary, f"{name}-v1", f"{name}-latest"], "jobs": jobs,
    })

plan = {
    "format_version": 1, "generator": "hack/bench-manifest", "created": "2026-11-20T00:00:00Z",
    "date": date, "commit": commit, "sha7": sha7,
    "selection": {"trigger": "local", "mode": "all", "reason": "benchmark"},
    "registry": {"host": host, "naming": "single-repository"},
    "projects": projects, "removed": [],
}
with open(plan_out, "w") as f:
    json.dump(plan, f, indent=1)
