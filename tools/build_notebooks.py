#!/usr/bin/env python3
"""Build the course notebooks from their text sources and store them executed.

    .venv/bin/python tools/build_notebooks.py            # every notebooks/src/*.py
    .venv/bin/python tools/build_notebooks.py 04 05      # just these (by number prefix)
    .venv/bin/python tools/build_notebooks.py --export notebooks/01_x.ipynb   # ipynb -> source

A source is a Python file in "percent" format, one cell per marker:

    # %% [markdown]
    # # A heading
    # Some prose.
    # %%
    print("a code cell")
    # %% tags=["raises-exception"]
    1 / 0

Tags: ``raises-exception`` (nbval and the builder expect the error), ``reveal`` (the
answer to a prediction: its output is stored folded away in JupyterLab). The notebook is what learners open and what nbval checks; the source is what people
edit and review. ``tests/test_packaging.py`` checks the two agree. Execution runs in a
fresh kernel with ``notebooks/`` as the working directory; timestamps are dropped so a
rebuild of unchanged sources changes nothing but real output.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"
MARKER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def parse(text: str) -> list[dict]:
    """The cells of a percent-format source: [{'cell_type', 'source', 'tags'}]."""
    cells: list[dict] = []
    current = None
    for line in text.splitlines():
        m = MARKER.match(line)
        if m:
            current = {"cell_type": "markdown" if m.group("md") else "code", "lines": [],
                       "tags": json.loads(m.group("tags")) if m.group("tags") else []}
            cells.append(current)
            continue
        if current is None:
            if line.strip():
                raise ValueError(f"text before the first '# %%' marker: {line!r}")
            continue
        if current["cell_type"] == "markdown":
            if line.strip() and not line.startswith("#"):
                raise ValueError(f"markdown line must start with '#': {line!r}")
            line = line[2:] if line.startswith("# ") else line[1:]
        current["lines"].append(line)
    out = []
    for c in cells:
        lines = c["lines"]
        while lines and not lines[-1].strip():
            lines.pop()
        out.append({"cell_type": c["cell_type"], "source": "\n".join(lines), "tags": c["tags"]})
    return out


def export(nb: dict) -> str:
    """A notebook as percent-format source (the inverse of :func:`parse`)."""
    parts = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        tags = cell.get("metadata", {}).get("tags", [])
        head = "# %%" + (" [markdown]" if cell["cell_type"] == "markdown" else "")
        if tags:
            head += " tags=" + json.dumps(tags)
        if cell["cell_type"] == "markdown":
            src = "\n".join(("# " + ln) if ln else "#" for ln in src.split("\n"))
        parts.append(head + "\n" + src)
    return "\n\n".join(parts) + "\n"


def notebook(cells: list[dict]):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = {"name": "python"}
    for c in cells:
        make = nbformat.v4.new_markdown_cell if c["cell_type"] == "markdown" else nbformat.v4.new_code_cell
        cell = make(c["source"])
        cell.pop("id", None)
        if c["tags"]:
            cell.metadata["tags"] = c["tags"]
        if "reveal" in c["tags"]:
            # A predict-then-reveal answer: stored, checked by nbval, but folded away in
            # JupyterLab until the learner opens it.
            cell.metadata["jupyter"] = {"outputs_hidden": True}
        nb.cells.append(cell)
    nb.nbformat_minor = 4  # no cell ids: stable files
    return nb


def execute(nb, name: str) -> float:
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(OUT)}}, store_widget_state=True)
    start = time.perf_counter()
    client.execute()
    took = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return took


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def coalesce_streams(nb):
    """Join consecutive stdout (or stderr) outputs of a cell: how the kernel chunks a
    cell's printing depends on timing, and the stored file should not."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", ()):
            if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                    and merged[-1]["name"] == out["name"]):
                merged[-1]["text"] += out["text"]
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def stable_widget_ids(nb):
    """The notebook with every widget model id (a random uuid4 from the kernel) replaced by
    a number given in a fixed walk — views in cell order, then each model's references in
    attribute order — and the saved state in that order, so a rebuild stores the same text."""
    import nbformat

    widgets = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    state = widgets.get("state", {})
    if not state:
        return nb
    order: list[str] = []
    queue = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for c in nb.cells for o in c.get("outputs", ())
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    while queue:
        mid = queue.pop(0)
        if mid in order or mid not in state:
            continue
        order.append(mid)
        queue += re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state[mid], sort_keys=True))
    rest = sorted((m for m in state if m not in order), key=lambda m: json.dumps(state[m], sort_keys=True))
    order += rest
    widgets["state"] = {mid: state[mid] for mid in order}
    text = json.dumps(nb)
    for i, mid in enumerate(order):
        text = text.replace(mid, f"{i + 1:032x}")
    return nbformat.from_dict(json.loads(text))


def build(src: Path) -> None:
    import nbformat

    nb = notebook(parse(src.read_text(encoding="utf-8")))
    took = execute(nb, src.stem)
    nb = stable_widget_ids(coalesce_streams(nb))
    target = OUT / (src.stem + ".ipynb")
    nbformat.write(nb, str(target))
    print(f"{target.relative_to(ROOT)}: {len(nb.cells)} cells, executed in {took:.1f} s")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--export"]:
        for path in argv[1:]:
            nb = json.loads(Path(path).read_text(encoding="utf-8"))
            target = SRC / (Path(path).stem + ".py")
            target.write_text(export(nb), encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
        return 0
    sources = sorted(SRC.glob("*.py"))
    if argv:
        sources = [s for s in sources if any(s.name.startswith(a) for a in argv)]
    if not sources:
        print("no matching sources in notebooks/src/")
        return 1
    for src in sources:
        build(src)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
