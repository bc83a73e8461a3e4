"""The README's example output is what the CLI prints today (``tools/readme_examples.py`` writes it)."""

from __future__ import annotations

from tools.readme_examples import README, calibrate_example, readme_block


def test_the_readme_example_block_matches_a_run_of_the_cli():
    written = readme_block(README.read_text())
    assert written.startswith("```text\n") and written.endswith("\n```")
    fresh = calibrate_example()
    assert written.removeprefix("```text\n").removesuffix("\n```") == fresh, (
        "the README's LSAT7 example differs from a run: python tools/readme_examples.py rewrites it"
    )
