"""The served dashboards' kernel (geo/serve/_kernel.py): ipykernel without debugger, input
history or a malloc arena per thread, started from the installed ``python3`` spec."""

from __future__ import annotations

import json
import sys

import pytest
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import KernelManager

from geo.serve import KERNEL_SPECS, voila_command
from geo.serve._kernel import KERNEL_ENV, LAUNCHER, DashboardKernelSpecs, lean_spec
from tests.conftest import REPO


def _spec(argv: list[str], **kwargs) -> KernelSpec:
    return KernelSpec(argv=argv, display_name="Python 3", language="python", **kwargs)


def test_the_python_spec_launches_the_lean_kernel() -> None:
    spec = lean_spec(_spec(["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                           env={"KEEP": "1"}, metadata={"debugger": True}))
    assert spec.argv[:5] == ["python", "-m", LAUNCHER, "-f", "{connection_file}"]
    assert "--HistoryManager.enabled=False" in spec.argv
    assert spec.env == {**KERNEL_ENV, "KEEP": "1"}
    assert spec.env["MALLOC_ARENA_MAX"] == "2"
    assert spec.metadata["debugger"] is False


@pytest.mark.parametrize("argv", [["python", "-m", "other_kernel", "-f", "{connection_file}"],
                                  ["ipykernel_launcher", "-f", "{connection_file}"]])
def test_other_specs_are_left_alone(argv: list[str]) -> None:
    spec = _spec(argv)
    assert lean_spec(spec) is spec


def test_voila_gets_the_kernel_specs() -> None:
    for public in (False, True):
        argv, _env = voila_command(REPO / "data" / "sample", public=public)
        assert f"--VoilaConfiguration.kernel_spec_manager_class={KERNEL_SPECS}" in argv
    assert KERNEL_SPECS in (REPO / "geo" / "serve" / "voila.py").read_text()


CHECK = """import json, os, sys
print(json.dumps({"debugpy": sys.modules.get("debugpy", "absent") is None,
                  "arenas": os.environ.get("MALLOC_ARENA_MAX"),
                  "history": get_ipython().history_manager.enabled,
                  "executable": sys.executable}))"""


@pytest.mark.slow
def test_the_kernel_runs_without_debugger_and_history() -> None:
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=DashboardKernelSpecs())
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        assert LAUNCHER in manager.format_kernel_cmd()
        out = []
        reply = client.execute_interactive(
            CHECK, timeout=60,
            output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
        seen = json.loads("".join(out))
        assert seen == {"debugpy": True, "arenas": "2", "history": False,
                        "executable": sys.executable}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
