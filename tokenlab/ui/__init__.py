"""Widgets: controls wired to the model and the views, for stepping and trying things in Jupyter.

===========================  ============================  =============================================================
What you do                  tokenlab.ui                   example
===========================  ============================  =============================================================
step through recorded calls  :class:`ScenarioPlayer`       ``ScenarioPlayer(scenarios.duplicated_token())``
try AccessCheck by hand      :class:`AccessCheckExplorer`  ``AccessCheckExplorer(tok, "O:BAG:BAD:(A;;SW;;;WD)")``
look inside a token          :class:`TokenInspector`       ``TokenInspector(tok, machine=m)``
two runs side by side        :class:`Compare`              ``Compare(duplicated_token(), duplicated_token(fixed=True))``
the same, as text            ``view.compare``              ``print(compare_table(run_a, run_b))``
guess first, then reveal     :class:`Predict`              ``Predict("Does it work?", ["yes", "no"], run)``
===========================  ============================  =============================================================

Widgets only wire: every rule is the model's (``tokenlab``), every picture is a view's
(``tokenlab.view``), so anything a widget shows can be produced in a plain cell too. Each
widget is an ``ipywidgets.VBox``; its docstring lists the public children that notebooks
and tests drive (``player.next.click()``, ``explorer.sddl.value = "..."``). An exception
in a callback is shown in the widget's ``error`` area, never raised into the kernel, and
every name shown is escaped: it is text, never markup.
"""
from __future__ import annotations

from .compare import Compare
from .explorer import AccessCheckExplorer
from .inspector import TokenInspector
from .player import ScenarioPlayer
from .predict import Predict

__all__ = ["AccessCheckExplorer", "Compare", "Predict", "ScenarioPlayer", "TokenInspector"]
