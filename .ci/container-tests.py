#!/usr/bin/env python3
"""Container-level tests: the action image run the way the runners run it.

Starts a private Docker engine (its own data and exec roots and socket, vfs
storage, no iptables, no bridge), makes a Debian bookworm base with
debootstrap (no Docker Hub needed), builds the action image from the
project's Dockerfile (target `prebuilt`, with the binary `cargo test`
already built), builds an app image to scan, then:

- runs the image as GitHub runs a Docker container action: every input as
  INPUT_<NAME> with action.yml's default, /github/workspace owned by uid
  1001, HOME=/github/home, the file-command files mounted, the daemon
  socket mounted, GITHUB_API_URL at a stub API on loopback;
- runs the same image as a non-root user, and with an input that cannot be
  read;
- runs the GitLab template's jobs as the docker executor would: the
  template's variables and script inside the image, CI_* variables, a stub
  API; `.scangate` with its defaults scans $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
  from a real registry (Debian's docker-registry with htpasswd auth, on
  loopback) with CI_REGISTRY_USER/CI_REGISTRY_PASSWORD;

and asserts on what the stubs received and on the files and outputs left
behind. The vulnerability database comes from a stub OSV mirror serving one
advisory written here (test data, not product code).

Usage: container-tests.py BINARY WORKDIR
Exits non-zero on any failure; it never skips: a missing tool is a failure.
"""

import base64
import gzip
import http.server
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
TOKEN = "ghs_container_T0KEN_never_printed_42"
GL_TOKEN = "glpat-container-T0KEN-never-printed"
RUNNER_UID = 1001
# The GitLab registry's job credentials, as htpasswd users of the test
# registry.
REGISTRY_USER = "gitlab-ci-token"
REGISTRY_PASSWORD = "glcbt-registry-PASSW0RD-never-printed"
BASE = "scangate-test/bookworm:base"
ACTION = "scangate-test/action:ci"
APP = "app:test"
# The advisory the stub mirror serves: every bash of Debian 12 (the app
# image has it) is affected, CRITICAL.
ADVISORY = {
    "id": "CVE-2099-0001",
    "modified": "2024-01-01T00:00:00Z",
    "published": "2024-01-01T00:00:00Z",
    "summary": "bash: container-test advisory",
    "severity": [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
    ],
    "affected": [
        {
            "package": {"ecosystem": "Debian:12", "name": "bash"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}
            ],
        }
    ],
}

failures = []


def check(condition, what):
    """Records a failed assertion (all are reported, then the run fails)."""
    print(("  ok   " if condition else "  FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(cmd, **kw):
    """Runs a command, failing loudly (with its output) when it fails."""
    kw.setdefault("check", True)
    try:
        return subprocess.run(cmd, text=True, capture_output=True, **kw)
    except subprocess.CalledProcessError as e:
        sys.stderr.write(f"command failed ({e.returncode}): {' '.join(map(str, cmd))}\n")
        sys.stderr.write(e.stdout + e.stderr)
        raise


class Stub(http.server.BaseHTTPRequestHandler):
    """The GitHub and GitLab APIs and an OSV mirror, on loopback; every
    request is recorded."""

    requests = []
    osv_zip = b""

    def log_message(self, *args):
        pass

    def _reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        Stub.requests.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        return body

    def do_GET(self):
        self._record()
        path = self.path.split("?")[0]
        if path == "/osv/Debian/all.zip":
            return self._reply(200, Stub.osv_zip, "application/zip")
        if path.endswith("/code-scanning/sarifs/up-1"):
            return self._reply(200, {"processing_status": "complete", "errors": None})
        if path.endswith("/issues/7/comments") or path.endswith("/merge_requests/3/notes"):
            return self._reply(200, [])
        return self._reply(404, {"message": "Not Found"})

    def do_POST(self):
        self._record()
        path = self.path.split("?")[0]
        if path.endswith("/code-scanning/sarifs"):
            return self._reply(202, {"id": "up-1", "url": "x"})
        if path.endswith("/issues/7/comments") or path.endswith("/merge_requests/3/notes"):
            return self._reply(201, {"id": 11})
        return self._reply(404, {"message": "Not Found"})


def start_stub():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(ADVISORY["id"] + ".json", json.dumps(ADVISORY))
    Stub.osv_zip = buf.getvalue()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class Dockerd:
    """A private Docker engine, stopped (and its directories removed) on exit."""

    def __init__(self, root):
        self.root = root
        self.sock = root / "docker.sock"
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{self.sock}", DOCKER_BUILDKIT="0")
        self.log = open(root / "dockerd.log", "w")
        self.proc = subprocess.Popen(
            [
                "dockerd",
                "--storage-driver", "vfs",
                "--iptables=false", "--ip6tables=false", "--bridge=none",
                "--data-root", str(root / "data"),
                "--exec-root", str(root / "exec"),
                "--pidfile", str(root / "docker.pid"),
                "-H", f"unix://{self.sock}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            if subprocess.run(["docker", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"dockerd did not start; see {root / 'dockerd.log'}:\n"
                           + (root / "dockerd.log").read_text()[-3000:])

    def docker(self, *args, **kw):
        return run(["docker", *args], env=self.env, **kw)

    def stop(self):
        if self.proc.poll() is None:
            # Containers first, then the engine, by its own process id.
            subprocess.run(["docker", "rm", "-f", *self.docker("ps", "-aq").stdout.split()],
                           env=self.env, capture_output=True)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def unmount_below(root):
    """Unmounts what dockerd left mounted under `root` (its network
    namespace file), deepest first, so the directory can be removed."""
    with open("/proc/self/mounts") as f:
        points = [line.split()[1] for line in f]
    for point in sorted((p for p in points if p.startswith(str(root) + "/")), reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)


class Registry:
    """Debian's docker-registry (distribution v2) on a free loopback port,
    with htpasswd auth, stopped by its own process id."""

    def __init__(self, root):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.host = f"127.0.0.1:{s.getsockname()[1]}"
        root.mkdir(parents=True, exist_ok=True)
        htpasswd = root / "htpasswd"
        htpasswd.write_text(run(["htpasswd", "-Bbn", REGISTRY_USER, REGISTRY_PASSWORD]).stdout)
        config = root / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
            f"http:\n  addr: {self.host}\n"
            f"auth:\n  htpasswd:\n    realm: scangate-test\n    path: {htpasswd}\n"
        )
        self.proc = subprocess.Popen(["docker-registry", "serve", str(config)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(self.host.split(":"), timeout=1).close()
                return
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("docker-registry did not start")
                time.sleep(0.1)

    def push_archive(self, archive, repo_tag):
        run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false",
             f"--dest-creds={REGISTRY_USER}:{REGISTRY_PASSWORD}",
             f"docker-archive:{archive}", f"docker://{self.host}/{repo_tag}"])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def bookworm_tarball(cache):
    """A minbase Debian bookworm root filesystem as a tarball, kept in
    `cache` between runs (debootstrap takes a minute)."""
    tarball = cache / "bookworm-minbase.tar"
    if tarball.exists():
        return tarball
    rootfs = cache / "bookworm-rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    mirror = os.environ.get("SCANGATE_DEBIAN_MIRROR", "http://deb.debian.org/debian")
    print(f"== debootstrap --variant=minbase bookworm ({mirror})", flush=True)
    run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs), mirror])
    partial = tarball.with_suffix(".partial")
    run(["tar", "-C", str(rootfs), "-cf", str(partial), "."])
    partial.rename(tarball)
    shutil.rmtree(rootfs)
    return tarball


def action_inputs():
    """action.yml's inputs and their defaults, as the runner passes them."""
    meta = YAML(typ="safe").load((REPO / "action.yml").read_text())
    return {name: str(spec.get("default", "")) for name, spec in meta["inputs"].items()}


def github_run(dockerd, ws_root, name, with_inputs, user=None, extra_env=None):
    """Runs the action image as the runner runs a Docker container action;
    returns (exit code, stdout+stderr, outputs dict, summary text)."""
    base = ws_root / name
    workspace, home, commands, workflow = (base / d for d in ("workspace", "home", "file_commands", "workflow"))
    for d in (workspace, home, commands, workflow):
        d.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / ".ci" / "container-fixture" / "Dockerfile", workspace / "Dockerfile")
    shutil.copytree(REPO / ".ci" / "container-fixture" / "k8s", workspace / "k8s", dirs_exist_ok=True)
    if (ws_root / "app.tar").exists():
        shutil.copy(ws_root / "app.tar", workspace / "app.tar")
    (workflow / "event.json").write_text(json.dumps({
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": "a" * 40, "repo": {"full_name": "o/r"}},
            "base": {"ref": "main", "repo": {"full_name": "o/r"}},
        },
    }))
    (commands / "set_output").write_text("")
    (commands / "step_summary").write_text("")
    for path in [base, *base.rglob("*")]:
        os.chown(path, RUNNER_UID, RUNNER_UID)
    inputs = action_inputs()
    inputs["github-token"] = TOKEN  # the runner substitutes ${{ github.token }}
    inputs.update(with_inputs)
    env = {f"INPUT_{k.upper()}": v for k, v in inputs.items()}
    env.update({
        "HOME": "/github/home",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_OUTPUT": "/github/file_commands/set_output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_REPOSITORY_OWNER": "o",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_SHA": "b" * 40,
        "GITHUB_REF": "refs/pull/7/merge",
        "GITHUB_API_URL": STUB_URL,
        "GITHUB_SERVER_URL": "https://github.com",
        "SCANGATE_DB_URL": f"{STUB_URL}/osv",
        "SCANGATE_PUBLISH_BACKOFF": "10ms",
    })
    env.update(extra_env or {})
    args = ["run", "--rm", "--network", "host", "--workdir", "/github/workspace",
            "-v", f"{workspace}:/github/workspace",
            "-v", f"{home}:/github/home",
            "-v", f"{commands}:/github/file_commands",
            "-v", f"{workflow}:/github/workflow",
            "-v", f"{dockerd.sock}:/var/run/docker.sock"]
    if user:
        args += ["--user", user]
    for k, v in env.items():
        args += ["-e", f"{k}={v}"]
    args.append(ACTION)
    p = dockerd.docker(*args, check=False)
    outputs = parse_outputs((commands / "set_output").read_text())
    return p.returncode, p.stdout + p.stderr, outputs, (commands / "step_summary").read_text(), workspace, home


def parse_outputs(text):
    """GITHUB_OUTPUT: `name=value` lines and `name<<DELIM` blocks."""
    out, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delim = line.split("<<", 1)
            i += 1
            value = []
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def no_token(text, token):
    """The token appears only in GitHub's ::add-mask:: command."""
    return all(line.startswith("::add-mask::") for line in text.splitlines() if token in line)


def sent(method, suffix):
    return [r for r in Stub.requests if r["method"] == method and r["path"].split("?")[0].endswith(suffix)]


def test_github(dockerd, ws_root):
    print("== GitHub: image-ref from the daemon, repository config, PR comment, SARIF", flush=True)
    Stub.requests.clear()
    code, log, outputs, summary, workspace, _ = github_run(dockerd, ws_root, "gh-image", {
        "image-ref": APP,
        "scanners": "vuln,config",
        "fail-on": "HIGH",
        "dockerfile": "Dockerfile",
    })
    check(code == 1, f"the gate failed the step with exit code 1 (got {code})")
    check(outputs.get("exit-code") == "1", f"exit-code output is 1 ({outputs.get('exit-code')})")
    check(outputs.get("gate") == "failed", "gate output is failed")
    check(outputs.get("sarif") == "scangate.sarif", f"sarif output is relative ({outputs.get('sarif')!r})")
    check(int(outputs.get("critical", "0")) >= 1, "the critical finding is counted")
    check("scangate" in summary and "CVE-2099-0001" in summary, "job summary names the finding")
    sarif_file = workspace / "scangate.sarif"
    check(sarif_file.exists() and sarif_file.stat().st_uid == RUNNER_UID,
          "scangate.sarif is in the workspace, owned by the runner's user")
    cache = workspace / ".cache"
    owners = {p.stat().st_uid for p in [cache, *cache.rglob("*")]} if cache.exists() else set()
    check(owners == {RUNNER_UID}, f"the database cache belongs to the runner's user ({owners})")
    uploads = sent("POST", "/repos/o/r/code-scanning/sarifs")
    check(len(uploads) == 1, f"one SARIF upload ({len(uploads)})")
    if uploads:
        body = uploads[0]["body"]
        sarif = json.loads(gzip.decompress(base64.b64decode(body["sarif"])))
        runs = {r["automationDetails"]["id"]: r for r in sarif["runs"]}
        check(set(runs) == {"scangate/image/", "scangate/config/"}, f"image and config runs ({sorted(runs)})")
        image_run = runs.get("scangate/image/", {"results": []})
        bash = [r for r in image_run["results"] if r["ruleId"] == "CVE-2099-0001"]
        check(bool(bash), "the image run has the bash advisory (found through the daemon)")
        if bash:
            loc = bash[0]["locations"][0]["physicalLocation"]
            check(loc["artifactLocation"]["uri"] == "Dockerfile", "the finding is on the Dockerfile")
        config_run = runs.get("scangate/config/", {"results": []})
        paths = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in config_run["results"]}
        check("k8s/deployment.yaml" in paths, f"the config run has the manifest's findings ({sorted(paths)})")
        check(image_run.get("tool", {}).get("driver", {}).get("informationUri", "").startswith("https://"),
              "SARIF carries informationUri")
        check(body.get("ref") == "refs/pull/7/merge" and body.get("commit_sha") == "b" * 40,
              "upload names the PR's merge ref and commit")
    comments = sent("POST", "/repos/o/r/issues/7/comments")
    check(len(comments) == 1, f"one PR comment created ({len(comments)})")
    if comments:
        text = comments[0]["body"]["body"]
        check("### Repository config" in text, "the comment has a repository-config section")
    auth = {r["headers"].get("Authorization", r["headers"].get("authorization", "")) for r in Stub.requests
            if r["path"].startswith("/repos/")}
    check(all(TOKEN in a for a in auth) and auth, "the API saw the github-token input")
    check(no_token(log, TOKEN), "the token appears in no output but ::add-mask::")


def test_github_non_root(dockerd, ws_root):
    print("== GitHub: as a non-root user, cache under HOME", flush=True)
    code, log, outputs, _, workspace, home = github_run(dockerd, ws_root, "gh-nonroot", {
        "input": "app.tar",
        "cache-dir": "",
        "upload-sarif": "false",
        "pr-comment": "false",
    }, user=f"{RUNNER_UID}:{RUNNER_UID}")
    check(code == 0, f"exit code 0 without a gate (got {code})\n{log[-2000:]}")
    check(outputs.get("exit-code") == "0", "exit-code output is 0")
    check((home / ".cache" / "scangate").is_dir(), "the cache is under HOME")
    check(not (workspace / ".cache").exists(), "nothing cached in the workspace without cache-dir")


def test_github_failure(dockerd, ws_root):
    print("== GitHub: an unreadable input still leaves outputs and a summary", flush=True)
    code, log, outputs, summary, _, _ = github_run(dockerd, ws_root, "gh-missing", {
        "input": "missing.tar",
        "upload-sarif": "false",
        "pr-comment": "false",
    })
    check(code == 3, f"exit code 3 (got {code})")
    check(outputs.get("exit-code") == "3" and outputs.get("gate") == "error",
          f"exit-code 3 and gate error in the outputs ({outputs})")
    check("missing.tar" in summary, "the summary says what failed")
    errors = [l for l in log.splitlines() if l.startswith("error:")]
    check(len(errors) == 1 and "missing.tar" in errors[0], f"one error line naming the file ({errors})")


def gitlab_job(name):
    """A template job with its `extends` resolved (variables merged)."""
    template = YAML(typ="safe").load((REPO / ".gitlab-ci-template.yml").read_text())
    job = template[name]
    parent = template[job["extends"]] if "extends" in job else {}
    merged = dict(parent, **job)
    merged["variables"] = dict(parent.get("variables", {}), **job.get("variables", {}))
    return merged


def expand(value, env):
    for k, v in env.items():
        value = value.replace("${" + k + "}", v).replace("$" + k, v)
    return value


def gitlab_run(dockerd, ws_root, name, job_name, user_vars, predefined_vars=None):
    """Runs a template job as the docker executor would, with the CI_*
    variables GitLab predefines (`predefined_vars` replaces some); returns
    (exit code, log, project dir)."""
    project = ws_root / name
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / ".ci" / "container-fixture" / "Dockerfile", project / "Dockerfile")
    shutil.copytree(REPO / ".ci" / "container-fixture" / "k8s", project / "k8s", dirs_exist_ok=True)
    shutil.copy(ws_root / "app.tar", project / "app.tar")
    job = gitlab_job(job_name)
    predefined = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": "/builds/g/p",
        "CI_API_V4_URL": f"{STUB_URL}/api/v4",
        "CI_PROJECT_ID": "1",
        "CI_MERGE_REQUEST_IID": "3",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_COMMIT_SHA": "c" * 40,
        "CI_REGISTRY": "registry.gitlab.example",
        "CI_REGISTRY_IMAGE": "registry.gitlab.example/g/p",
        "CI_REGISTRY_USER": "gitlab-ci-token",
        "CI_REGISTRY_PASSWORD": "job-token",
        "SCANGATE_GITLAB_TOKEN": GL_TOKEN,
        "SCANGATE_DB_URL": f"{STUB_URL}/osv",
        "SCANGATE_PUBLISH_BACKOFF": "10ms",
    }
    predefined.update(predefined_vars or {})
    variables = {k: expand(str(v), predefined) for k, v in job["variables"].items()}
    variables.update(user_vars)
    image = expand(job["image"]["name"], variables)
    check(image.startswith("ghcr.io/"), f"the template names the published image ({image})")
    script = "\n".join(["set -e", *job["script"]])
    args = ["run", "--rm", "--network", "host", "--entrypoint", "",
            "--workdir", "/builds/g/p", "-v", f"{project}:/builds/g/p"]
    for k, v in {**predefined, **variables}.items():
        args += ["-e", f"{k}={v}"]
    args += [ACTION, "sh", "-c", script]
    p = dockerd.docker(*args, check=False)
    return p.returncode, p.stdout + p.stderr, project


def test_gitlab(dockerd, ws_root):
    print("== GitLab: .scangate with an archive and CS_* aliases, MR note", flush=True)
    Stub.requests.clear()
    code, log, project = gitlab_run(dockerd, ws_root, "gl-image", ".scangate", {
        "SCANGATE_INPUT": "app.tar",
        "CS_SEVERITY_THRESHOLD": "HIGH",
        "CS_DOCKERFILE_PATH": "Dockerfile",
        "SCANGATE_SCANNERS": "vuln,config",
    })
    check(code == 0, f"the job passes with the template's empty gate (got {code})\n{log[-3000:]}")
    report = project / "gl-container-scanning-report.json"
    check(report.exists(), "gl-container-scanning-report.json written")
    if report.exists():
        vulns = json.loads(report.read_text())["vulnerabilities"]
        images = {v["location"]["image"] for v in vulns}
        check(images == {APP}, f"the report names the image reference ({images})")
        check({v["severity"] for v in vulns} <= {"High", "Critical"}, "CS_SEVERITY_THRESHOLD applied")
    quality = project / "gl-code-quality-report.json"
    check(quality.exists(), "gl-code-quality-report.json written")
    if quality.exists():
        paths = {i["location"]["path"] for i in json.loads(quality.read_text())}
        check(paths and all((project / p).exists() for p in paths), f"code quality names repository files only ({paths})")
    notes = sent("POST", "/projects/1/merge_requests/3/notes")
    check(len(notes) == 1, f"one MR note ({len(notes)})")
    check(GL_TOKEN not in log, "the GitLab token appears in no output")
    sast = project / "gl-sast-report.json"
    check(sast.exists(), "with SCANGATE_SCANNERS vuln,config the image job writes gl-sast-report.json")

    print("== GitLab: .scangate-config with its defaults", flush=True)
    code, log, project = gitlab_run(dockerd, ws_root, "gl-config", ".scangate-config", {})
    check(code == 0, f"the config job passes with its defaults (got {code})\n{log[-3000:]}")
    quality = project / "gl-code-quality-report.json"
    check(quality.exists(), "the config job writes the code-quality report")
    if quality.exists():
        issues = json.loads(quality.read_text())
        check(any(i["location"]["path"] == "k8s/deployment.yaml" for i in issues),
              "the manifest's findings are in the code-quality report")
    check(not (project / "gl-container-scanning-report.json").exists(),
          "no container-scanning report for a repository check")
    sast = project / "gl-sast-report.json"
    check(sast.exists(), "the config job writes the SAST report")
    if sast.exists():
        report = json.loads(sast.read_text())
        files = {v["location"]["file"] for v in report["vulnerabilities"]}
        check(report["scan"]["type"] == "sast" and "k8s/deployment.yaml" in files,
              f"the SAST report has the manifest's findings on their file ({files})")
        check(all((project / f).exists() for f in files), f"the SAST report names repository files only ({files})")


def test_gitlab_registry(dockerd, ws_root):
    print("== GitLab: .scangate with its defaults, $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA from a registry with auth",
          flush=True)
    registry = Registry(ws_root / "registry")
    try:
        sha = "d" * 40
        registry.push_archive(ws_root / "app.tar", f"g/p:{sha}")
        ci_registry = {
            "CI_REGISTRY": registry.host,
            "CI_REGISTRY_IMAGE": f"{registry.host}/g/p",
            "CI_COMMIT_SHA": sha,
            "CI_REGISTRY_USER": REGISTRY_USER,
            "CI_REGISTRY_PASSWORD": REGISTRY_PASSWORD,
        }
        # The registry speaks plain HTTP (GitLab's speaks HTTPS): Trivy's
        # variable for that is the only thing the user sets.
        code, log, project = gitlab_run(dockerd, ws_root, "gl-registry", ".scangate",
                                        {"TRIVY_INSECURE": "true"}, ci_registry)
        check(code == 0, f"the job passes with the template's defaults (got {code})\n{log[-3000:]}")
        report = project / "gl-container-scanning-report.json"
        check(report.exists(), "gl-container-scanning-report.json written from the registry image")
        if report.exists():
            vulns = json.loads(report.read_text())["vulnerabilities"]
            images = {v["location"]["image"] for v in vulns}
            check(images == {f"{registry.host}/g/p:{sha}"},
                  f"the report names $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA ({images})")
            check(any(v["identifiers"][0]["value"] == "CVE-2099-0001" for v in vulns),
                  "the registry image's bash advisory is found")
        check(REGISTRY_PASSWORD not in log, "the registry password appears in no output")

        print("== GitLab: a registry password the registry refuses", flush=True)
        refused = dict(ci_registry, CI_REGISTRY_PASSWORD="wrong-" + REGISTRY_PASSWORD)
        code, log, _ = gitlab_run(dockerd, ws_root, "gl-registry-refused", ".scangate",
                                  {"TRIVY_INSECURE": "true"}, refused)
        errors = [l for l in log.splitlines() if l.startswith("error:")]
        check(code == 3, f"exit code 3 (got {code})\n{log[-2000:]}")
        check(len(errors) == 1 and registry.host in errors[0]
              and "refused the credentials from CI_REGISTRY_USER/CI_REGISTRY_PASSWORD" in errors[0],
              f"one error line naming the registry and the credentials it refused ({errors})")
        check(REGISTRY_PASSWORD not in log, "the refused password appears in no output")
    finally:
        registry.stop()


def main():
    global STUB_URL
    binary, workdir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    for tool in ("dockerd", "docker", "debootstrap", "docker-registry", "skopeo", "htpasswd"):
        if shutil.which(tool) is None:
            sys.exit(f"container tests: {tool} is missing"
                     " (apt-get install docker.io debootstrap docker-registry skopeo apache2-utils)")
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    stub, STUB_URL = start_stub()
    # Short paths: the engine's unix sockets must fit in 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="sgd.", dir="/tmp"))
    ws_root = Path(tempfile.mkdtemp(prefix="sgw.", dir="/tmp"))
    os.chmod(ws_root, 0o755)
    dockerd = None
    try:
        tarball = bookworm_tarball(workdir)
        dockerd = Dockerd(root)
        print(f"== private dockerd up ({time.time() - started:.0f}s)", flush=True)
        dockerd.docker("import", str(tarball), BASE)
        context = ws_root / "context"
        (context / "bin" / "amd64").mkdir(parents=True)
        shutil.copy(binary, context / "bin" / "amd64" / "scangate")
        print("== docker build --target prebuilt (the action image)", flush=True)
        dockerd.docker("build", "-q", "--network", "host",
                       "--build-arg", f"RUNTIME_IMAGE={BASE}", "--build-arg", "TARGETARCH=amd64",
                       "--target", "prebuilt", "-t", ACTION,
                       "-f", str(REPO / "Dockerfile"), str(context))
        print("== docker build (the app image to scan)", flush=True)
        app_context = ws_root / "app"
        app_context.mkdir()
        dockerfile = (REPO / ".ci" / "container-fixture" / "Dockerfile").read_text()
        (app_context / "Dockerfile").write_text(dockerfile)
        dockerd.docker("build", "-q", "--build-arg", f"BASE={BASE}", "-t", APP, str(app_context))
        dockerd.docker("save", "-o", str(ws_root / "app.tar"), APP)
        os.chmod(ws_root / "app.tar", 0o644)
        print(f"== images ready ({time.time() - started:.0f}s)", flush=True)
        test_github(dockerd, ws_root)
        test_github_non_root(dockerd, ws_root)
        test_github_failure(dockerd, ws_root)
        test_gitlab(dockerd, ws_root)
        test_gitlab_registry(dockerd, ws_root)
    finally:
        if dockerd is not None:
            dockerd.stop()
        stub.shutdown()
        unmount_below(root)
        subprocess.run(["rm", "-rf", "--one-file-system", str(root), str(ws_root)])
    print(f"== container tests: {len(failures)} failure(s) in {time.time() - started:.0f}s", flush=True)
    if failures:
        for f in failures:
            print(f"FAILED: {f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
