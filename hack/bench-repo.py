#!/usr/bin/env python3
"""Generates a synthetic monorepo for hack/bench, fast, with `git fast-import`.

Layout: `projects/<name>/` with a valid, self-contained `build-config.yaml`
(no upstream: a Dockerfile in the folder), a Dockerfile, a README and source
files; about 10 files per project. History: `--commits` commits on `main`, each
touching a few files of one to three projects (now and then a root file or a
build-config.yaml). Feature branches `feature-<N>` fork from `main` a little
before its tip (so `main` moved on after the fork, as in a real pull request)
and touch exactly N projects, only source files (nothing an ignore glob or a
global trigger could match), so `git diff --name-only` names exactly the N
projects monoarch must select.

The repo is cached: a stamp in `.git/` holds the hash of this script and the
parameters; a second call with the same stamp reuses the repo as it is.

Usage: hack/bench-repo.py --out DIR --projects 2000 --commits 5000 --feature 1,50,500
Prints the repo's facts as one JSON line on stdout.
"""

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

FILES_PER_PROJECT = 10  # build-config.yaml, Dockerfile, README.md, 7 source files
SOURCE_FILES = ["src/main.py", "src/util.py", "src/config.json", "src/handlers.py",
                "src/models.py", "src/schema.sql", "src/version.txt"]
# Commits on main after the fork point of the feature branches.
MAIN_AFTER_FORK = 50
START_TIME = 1_700_000_000
AUTHOR = "Bench Generator <bench@example.invalid>"


def project_name(i: int) -> str:
    return f"svc-{i:04d}"


def build_config(i: int, rev: int) -> str:
    """A valid config using only the issue's keys; four shapes, by index."""
    shape = i % 4
    if shape == 0:
        return "dockerfile_path: Dockerfile\n"
    if shape == 1:
        return ("dockerfile_path: Dockerfile\n"
                "platforms:\n  - linux/amd64\n  - linux/arm64\n")
    if shape == 2:
        return ("dockerfile_path: Dockerfile\n"
                "context_path: .\n"
                "build_args:\n"
                f"  - VERSION=1.{rev}.{i}\n"
                "additional_tags:\n  - latest\n")
    return ("dockerfile_path: Dockerfile\n"
            "target: app\n"
            "platforms:\n  - linux/amd64\n")


def dockerfile(i: int) -> str:
    stage = " AS app" if i % 4 == 3 else ""
    return f"FROM scratch{stage}\nCOPY src/ /app/\nLABEL org.example.project={project_name(i)}\n"


def source(i: int, path: str, rev: int) -> str:
    name = project_name(i)
    body = "".join(f"# {name} {path} line {n} revision {rev}\n" for n in range(12))
    return f"{body}VALUE_{i}_{rev} = {rev * 7919 + i}\n"


class FastImport:
    """Writes a fast-import stream; commits carry their files inline."""

    def __init__(self, out):
        self.out = out
        self.mark = 0
        self.time = START_TIME

    def _data(self, text: str):
        raw = text.encode()
        self.out.write(b"data %d\n" % len(raw))
        self.out.write(raw)
        self.out.write(b"\n")

    def commit(self, ref: str, message: str, files: dict, parent=None) -> int:
        """files: path -> content (None deletes). Returns the commit's mark."""
        self.mark += 1
        self.time += 600
        w = self.out.write
        w(f"commit {ref}\nmark :{self.mark}\n".encode())
        w(f"author {AUTHOR} {self.time} +0000\n".encode())
        w(f"committer {AUTHOR} {self.time} +0000\n".encode())
        self._data(message)
        if parent is not None:
            w(f"from :{parent}\n".encode())
        for path, content in files.items():
            if content is None:
                w(f"D {path}\n".encode())
            else:
                w(f"M 100644 inline {path}\n".encode())
                self._data(content)
        w(b"\n")
        return self.mark


def initial_files(projects: int) -> dict:
    files = {
        "README.md": "# synthetic monorepo for monoarch benchmarks\n",
        "rebuild-weekly.txt": "# rebuilt every week\nsvc-0000\nsvc-0001\n",
    }
    for i in range(projects):
        base = f"projects/{project_name(i)}"
        files[f"{base}/build-config.yaml"] = build_config(i, 0)
        files[f"{base}/Dockerfile"] = dockerfile(i)
        files[f"{base}/README.md"] = f"# {project_name(i)}\n"
        for path in SOURCE_FILES:
            files[f"{base}/{path}"] = source(i, path, 0)
    return files


def main_change(rng: random.Random, projects: int, n: int) -> dict:
    """The files one ordinary commit on main touches."""
    files = {}
    if n % 97 == 0:
        files["README.md"] = f"# synthetic monorepo for monoarch benchmarks\nrevision {n}\n"
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(projects)
        base = f"projects/{project_name(i)}"
        if n % 53 == 0:
            files[f"{base}/build-config.yaml"] = build_config(i, n)
        for path in rng.sample(SOURCE_FILES, rng.randint(1, 2)):
            files[f"{base}/{path}"] = source(i, path, n)
    return files


def feature_commits(rng: random.Random, projects: int, touched: int, fork_rev: int):
    """Splits `touched` distinct projects over a few commits; source files only."""
    chosen = sorted(rng.sample(range(projects), touched))
    commits = max(1, min(10, touched // 10))
    for c in range(commits):
        files = {}
        for i in chosen[c::commits]:
            base = f"projects/{project_name(i)}"
            rev = fork_rev + 100_000 + c
            files[f"{base}/src/main.py"] = source(i, "src/main.py", rev)
            if i % 3 == 0:
                files[f"{base}/src/feature.py"] = source(i, "src/feature.py", rev)
        yield f"feature: change {len(chosen[c::commits])} projects ({c + 1}/{commits})", files


def generate(out: Path, projects: int, commits: int, features: list, seed: int):
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    git = ["git", "-C", str(out)]
    proc = subprocess.Popen(git + ["fast-import", "--quiet", "--done"], stdin=subprocess.PIPE)
    fi = FastImport(proc.stdin)
    rng = random.Random(seed)
    head = fi.commit("refs/heads/main", "initial import", initial_files(projects))
    fork = head
    fork_at = max(1, commits - MAIN_AFTER_FORK)
    for n in range(1, commits):
        head = fi.commit("refs/heads/main", f"main change {n}", main_change(rng, projects, n), head)
        if n == fork_at:
            fork = head
    for touched in features:
        ref = f"refs/heads/feature-{touched}"
        parent = fork
        for message, files in feature_commits(rng, projects, touched, fork_at):
            parent = fi.commit(ref, message, files, parent)
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("hack/bench-repo.py: git fast-import failed")
    subprocess.run(git + ["reset", "-q", "--hard", "main"], check=True)


def facts(out: Path, features: list) -> dict:
    """Measures the repo with git itself and checks it is what was asked for."""
    def git(*args):
        return subprocess.run(["git", "-C", str(out), *args], check=True,
                              capture_output=True, text=True).stdout
    result = {
        "path": str(out),
        "files": len(git("ls-tree", "-r", "-z", "--name-only", "main").split("\0")) - 1,
        "commits_on_main": int(git("rev-list", "--count", "main")),
        "projects": len(git("ls-tree", "--name-only", "main", "projects/").split()),
        "features": {},
    }
    for touched in features:
        branch = f"feature-{touched}"
        base = git("merge-base", "main", branch).strip()
        names = git("diff", "--name-only", base, branch).split()
        changed = sorted({n.split("/")[1] for n in names if n.startswith("projects/")})
        if len(changed) != touched or len(changed) != len({n.split("/")[1] for n in names}):
            sys.exit(f"hack/bench-repo.py: {branch} touches {len(changed)} projects, expected {touched}")
        result["features"][branch] = {"projects": changed, "files": len(names)}
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--commits", type=int, default=5000)
    ap.add_argument("--feature", default="1,50,500",
                    help="comma-separated project counts, one branch feature-N each")
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    features = [int(x) for x in args.feature.split(",") if x]
    if any(n < 1 or n > args.projects for n in features):
        sys.exit(f"hack/bench-repo.py: --feature counts must be within 1..{args.projects}")

    params = {"projects": args.projects, "commits": args.commits,
              "features": features, "seed": args.seed,
              "generator": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}
    stamp = args.out / ".git" / "monoarch-bench-stamp"
    if not (stamp.is_file() and json.loads(stamp.read_text()) == params):
        if args.out.exists():
            shutil.rmtree(args.out)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        print(f"hack/bench-repo.py: generating {args.out} "
              f"({args.projects} projects, {args.commits} commits)", file=sys.stderr)
        generate(args.out, args.projects, args.commits, features, args.seed)
        result = facts(args.out, features)
        stamp.write_text(json.dumps(params))
    else:
        result = facts(args.out, features)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
