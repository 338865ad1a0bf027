"""No prediction is answered before the learner presses Reveal.

A ``Predict`` widget runs the model only when Reveal is pressed. What the notebook prints
around it must not give the answer away: after *Run All* JupyterLab shows every output
expanded, so a checked answer cell placed under the widget is read before the radio button
is clicked. The rule these tests hold every stored notebook to:

* From a ``Predict(...)`` cell to the next heading (``#``, ``##`` or ``###``), no code cell
  prints text and none is a checked (``NBVAL_CHECK_OUTPUT``) cell. Widgets and pictures may
  follow (a player, a graph to look at before answering); printed results may not.
* That next heading is not where answers are kept (a heading naming answers, the outcome or
  a reveal): the plain-code answers live in a later section, after other material.

nbval still checks the answer text: it sits in those later cells, marked
``# NBVAL_CHECK_OUTPUT``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

PREDICT = re.compile(r"^\s*(?:\w+\s*=\s*)?Predict\(", re.M)
HEADING = re.compile(r"^(#{1,3}) \S")
ANSWER_HEADING = re.compile(r"answer|outcome|reveal|solution", re.I)
SILENT = {"application/vnd.jupyter.widget-view+json", "image/svg+xml", "image/png"}


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _heading(cell) -> str | None:
    if cell["cell_type"] != "markdown":
        return None
    first = _source(cell).lstrip("\n").split("\n", 1)[0]
    return first if HEADING.match(first) else None


def _prints_text(cell) -> bool:
    for out in cell.get("outputs", ()):
        if out["output_type"] in ("stream", "error"):
            return True
        data = out.get("data", {})
        if "text/plain" in data and not SILENT & data.keys():
            return True
        if {"text/html", "text/markdown"} & data.keys():
            return True
    return False


def spoilers(cells: list[dict]) -> list[str]:
    """Where, after a Predict cell, an answer shows before the learner has revealed it."""
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code" or not PREDICT.search(_source(cell)):
            continue
        question = PREDICT.split(_source(cell), 1)[1][:60].split("\n")[0]
        for j in range(i + 1, len(cells)):
            nxt = cells[j]
            heading = _heading(nxt)
            if heading is not None:
                if ANSWER_HEADING.search(heading):
                    found.append(f"cell {i} (Predict({question}): the next heading, cell {j} "
                                 f"{heading!r}, is an answer section")
                break
            if nxt["cell_type"] == "code" and "NBVAL_CHECK_OUTPUT" in _source(nxt):
                found.append(f"cell {i} (Predict({question}): checked cell {j} follows before any heading")
            elif nxt["cell_type"] == "code" and _prints_text(nxt):
                found.append(f"cell {i} (Predict({question}): cell {j} prints text before any heading")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_answer_shows_between_a_prediction_and_the_next_heading(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert spoilers(cells) == []


def test_every_prediction_has_a_checked_answer_later_in_its_notebook():
    """Moving the answers away from the widget must not drop them: each notebook with
    predictions keeps at least as many checked cells after its first Predict."""
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        predicts = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and PREDICT.search(_source(c))]
        if not predicts:
            continue
        checked = [i for i, c in enumerate(cells) if i > predicts[0] and c["cell_type"] == "code"
                   and "NBVAL_CHECK_OUTPUT" in _source(c)]
        assert len(checked) >= len(predicts), (path.stem, len(predicts), len(checked))


def _md(text):
    return {"cell_type": "markdown", "source": text}


def _code(text, outputs=()):
    return {"cell_type": "code", "source": text, "outputs": list(outputs)}


def test_the_rule_catches_an_answer_printed_under_the_widget():
    printed = {"output_type": "stream", "name": "stdout", "text": "granted\n"}
    widget = {"output_type": "display_data",
              "data": {"application/vnd.jupyter.widget-view+json": {}, "text/plain": "Predict(...)"}}
    ask = _code('Predict("q?", ["a", "b"], f)', [widget])
    assert spoilers([ask, _md("*Reveal first.*"), _code("# NBVAL_CHECK_OUTPUT\nprint(1)", [printed])])
    assert spoilers([ask, _code("print(1)", [printed])])
    assert spoilers([ask, _md("### Answer")])
    assert not spoilers([ask, _md("*Pick first.*"), _code("ScenarioPlayer(t)", [widget]),
                         _md("## 3 · Next"), _code("# NBVAL_CHECK_OUTPUT\nprint(1)", [printed])])
