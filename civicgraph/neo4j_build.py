"""The JVM side of the local Neo4j: jars from Maven Central, the compiled launcher, a class archive.

All of it happens at ``civicgraph neo4j fetch`` time (start only recompiles a changed launcher),
so that starting stays a plain spawn-and-wait and `make test` pays the one-off costs up front.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

from civicgraph import neo4j_runtime as rt
from civicgraph.errors import CivicGraphError
from civicgraph.paths import NEO4J_DIR

POM = NEO4J_DIR / "pom.xml"
LAUNCHER_SOURCE = NEO4J_DIR / "Launcher.java"

# The flags Neo4j's own start script passes for 5.26 (see the engineering notes), plus exiting on
# OOM so a wedged JVM shows up as "not running" instead of a port that never answers.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)


def require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CivicGraphError(
            f"`{name}` was not found on PATH; the local Neo4j needs Java 17 (or 21) and Maven. "
            "On Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven. Or set NEO4J_URI "
            "to use an existing Neo4j server instead."
        )
    return found


def check_java() -> None:
    java = require_tool("java")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        raise CivicGraphError(f"Could not read the Java version from `{java} -version`.")
    major = int(match.group(2) or 0) if match.group(1) == "1" else int(match.group(1))
    if major < 17:
        raise CivicGraphError(f"Neo4j 5.26 needs Java 17 or 21; `java` on PATH is Java {major}.")
    require_tool("javac")


def fetch_jars(layout: rt.Layout) -> str | None:
    """mvn copy-dependencies into ``layout.lib``; None when the stamp says pom.xml is unchanged."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    if rt.read_text(layout.stamp) == digest and any(layout.lib.glob("*.jar")):
        return None
    mvn = require_tool("mvn")
    staging = layout.lib.with_name("lib.partial")
    shutil.rmtree(staging, ignore_errors=True)
    began = time.monotonic()
    cmd = [mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
           f"-DoutputDirectory={staging}", "-DincludeScope=runtime"]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=layout.lib.parent)
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise CivicGraphError(
            f"Fetching Neo4j with Maven failed (exit {result.returncode}); the command was "
            f"`{' '.join(cmd)}`. Maven Central must be reachable. Last output:\n{output}"
        )
    seconds = time.monotonic() - began
    shutil.rmtree(layout.lib, ignore_errors=True)
    staging.rename(layout.lib)
    layout.stamp.write_text(digest + "\n")
    jars = list(layout.lib.glob("*.jar"))
    size = sum(j.stat().st_size for j in jars) / 1e6
    return f"Fetched {len(jars)} Neo4j jars ({size:.0f} MB) into {layout.lib} in {seconds:.1f} s."


def compile_launcher(layout: rt.Layout) -> bool:
    """javac Launcher.java into launcher.jar, only when the source or the jars are newer.

    A jar, not a class directory, because the JVM's class archive refuses directories on the
    class path. Building in a staging directory means an interrupted javac never leaves a
    half-written jar that looks up to date; replacing the directory also drops the archive, which
    was recorded against the old jar. Callers hold the fetch lock.
    """
    target = layout.launcher_jar
    inputs = (LAUNCHER_SOURCE, layout.stamp)
    if target.exists() and all(p.stat().st_mtime <= target.stat().st_mtime for p in inputs):
        return False
    staging = layout.classes.with_name("classes.partial")
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [require_tool("javac"), "-nowarn", "-cp", f"{layout.lib}/*", "-d", str(staging / "out")]
    result = subprocess.run([*cmd, str(LAUNCHER_SOURCE)], capture_output=True, text=True)
    if result.returncode != 0:
        raise CivicGraphError(
            f"Compiling {LAUNCHER_SOURCE} failed:\n{(result.stdout + result.stderr).strip()}"
        )
    with zipfile.ZipFile(staging / target.name, "w", zipfile.ZIP_DEFLATED) as jar:
        for compiled in sorted((staging / "out").rglob("*.class")):
            jar.write(compiled, compiled.relative_to(staging / "out").as_posix())
    shutil.rmtree(staging / "out")
    shutil.rmtree(layout.classes, ignore_errors=True)
    staging.rename(layout.classes)
    return True


def java_command(
    layout: rt.Layout, java: str, heap_bytes: int, extra: Sequence[str] = ()
) -> list[str]:
    """``java ... Launcher``; the caller appends the launcher's own arguments."""
    heap = rt.mebibytes(heap_bytes)
    archive = layout.class_archive
    share = [f"-XX:SharedArchiveFile={archive}"] if archive.exists() and not extra else []
    classpath = f"{layout.launcher_jar}{os.pathsep}{layout.lib}/*"
    return [java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, *share, *extra, "-cp", classpath,
            "Launcher"]  # fmt: skip


def train_class_archive(layout: rt.Layout, timeout: float = 300.0) -> str:
    """Record the classes a start loads (AppCDS) so later starts map them instead of parsing jars.

    Measured on the 2-core machine: 6.2 s -> 4.1 s per start. Without an archive everything
    still works, only slower, so a failed training run is reported, not raised.
    """
    archive = layout.class_archive
    if archive.exists():
        return f"Class archive present ({archive})."
    java = require_tool("java")
    partial = archive.with_name(archive.name + ".partial")
    partial.unlink(missing_ok=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="civicgraph-cds-") as tmp:
        home, uri = Path(tmp), f"127.0.0.1:{rt.free_port()}"
        scratch = rt.Layout(layout.lib, layout.classes, home, home / "data")
        rt.ensure_password(scratch)
        cmd = java_command(layout, java, 256 << 20, [f"-XX:ArchiveClassesAtExit={partial}"])
        cmd += ["--home", tmp, "--bolt", uri, "--pagecache", str(32 << 20),
                "--tx-max", str(64 << 20), "--ready-file", str(home / "ready"),
                "--password-file", str(scratch.password_file)]  # fmt: skip
        with (home / "train.log").open("wb") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            while proc.poll() is None and not (home / "ready").exists():
                if time.monotonic() - began > timeout:
                    break
                time.sleep(0.2)
            if (home / "ready").exists():
                # load the Bolt session and authentication classes too
                rt.bolt_error(f"bolt://{uri}", auth=rt.local_auth(scratch))
            proc.terminate()
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if not partial.exists():
            tail = rt.log_tail(home / "train.log", 5)
            return f"No class archive (starts work, ~2 s slower); the training run said:\n{tail}"
    partial.rename(archive)
    return f"Recorded a class archive for faster starts in {time.monotonic() - began:.1f} s."
