"""The report's figures are drawn with matplotlib's object API, safe inside the threaded server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.figure import Figure

from engine.irt.parameters import ItemParameters
from reporting.figures import icc_figure, to_svg


def test_reporting_never_imports_pyplot(data_dir):
    """The whole report, figures included, runs without ``matplotlib.pyplot`` (a global figure manager)."""
    script = textwrap.dedent(
        f"""
        import sys
        from engine.irt.calibration import calibrate
        from itembank.io import read_responses
        import reporting.bank_analysis
        import reporting.analysis_files
        from reporting.psychometric_report import build_report

        responses = read_responses({str(data_dir / "lsat7.csv")!r})
        params = calibrate(responses, "2pl", se=False).params
        html = build_report(responses, params, generated="test")
        assert html.count("<svg") == 2 + 5, html.count("<svg")
        print("matplotlib.pyplot" in sys.modules)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


class _Gate(Artist):
    """An artist whose drawing waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = threading.Event()
        self.release = threading.Event()
        self.set_zorder(-10)  # drawn before the axes and their text

    def draw(self, renderer) -> None:
        self.reached.set()
        self.release.wait(30)


def _gated_figure(title: str) -> tuple[Figure, _Gate]:
    params = ItemParameters.from_arrays(["I1"], "2pl", a=[1.2], b=[0.3])
    fig = icc_figure(params, 0, title=title)
    gate = _Gate()
    fig.add_artist(gate)
    return fig, gate


def test_svgs_drawn_at_once_in_two_threads_both_keep_their_text():
    """The SVG settings of one drawing are not undone by another one finishing first.

    Text stays text (``svg.fonttype`` "none") in both SVGs, and the process's
    matplotlib settings are as they were afterwards.
    """
    before = (matplotlib.rcParams["svg.fonttype"], matplotlib.rcParams["svg.hashsalt"])
    first, first_gate = _gated_figure("first-title")
    second, second_gate = _gated_figure("second-title")
    out: dict[str, str] = {}
    one = threading.Thread(target=lambda: out.__setitem__("first", to_svg(first)))
    two = threading.Thread(target=lambda: out.__setitem__("second", to_svg(second)))
    one.start()
    assert first_gate.reached.wait(30)
    two.start()
    second_gate.reached.wait(1.0)  # reached only when drawings are not kept apart
    first_gate.release.set()
    one.join(30)
    second_gate.release.set()
    two.join(30)
    assert ">first-title</text>" in out["first"]
    assert ">second-title</text>" in out["second"]
    assert (matplotlib.rcParams["svg.fonttype"], matplotlib.rcParams["svg.hashsalt"]) == before


def test_svg_is_reproducible():
    params = ItemParameters.from_arrays(["I1"], "2pl", a=[1.2], b=[0.3])
    theta = np.linspace(-3, 3, 31)
    assert to_svg(icc_figure(params, 0, theta=theta)) == to_svg(icc_figure(params, 0, theta=theta))
