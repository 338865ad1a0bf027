"""Predict: commit to an answer, then let the model reveal what really happens."""
from __future__ import annotations

from typing import Callable, Sequence

import ipywidgets as w

from ..view import palette as pal
from . import _common as c


class Predict(w.VBox):
    """Ask a question; the learner picks an answer, then Reveal runs the model.

    ``Predict(question, choices, reveal, *, explain=None)``: ``reveal()`` runs the model and
    returns the correct choice (one of ``choices``), or ``(choice, explanation)``;
    ``explain`` is extra text shown with the answer. Everything shown is text, never markup.

    Public children:

    ``question``  HTML: the question
    ``choices``   RadioButtons: nothing selected at first; locked once revealed
    ``reveal``    Button: disabled until a choice is made, and again once revealed
    ``feedback``  HTML: right or wrong, the answer and why
    ``error``     HTML: what went wrong if ``reveal()`` raised or returned something unexpected

    After a reveal, ``answer`` is the correct choice and ``correct`` whether the pick matched.

    In the static edition (``static=True``, or ``TOKENLAB_STATIC=1``) there is no kernel to
    run ``reveal()`` later: it runs now, and ``feedback`` holds the answer folded in a
    ``<details>`` ("Reveal the answer"), which the page opens without a kernel.
    """

    def __init__(self, question: str, choices: Sequence[str], reveal: Callable[[], object], *,
                 explain: str | None = None, static: bool | None = None):
        choices = [str(x) for x in choices]
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise ValueError(f"choices must be at least two distinct strings, got {choices!r}")
        if not callable(reveal):
            raise TypeError(f"reveal must be a zero-argument callable, got {type(reveal).__name__}")
        self._run = reveal
        self._question = str(question)
        self._explain = explain
        self.answer: str | None = None
        self.correct: bool | None = None
        self.error = c.error_area()
        self.question = w.HTML(value=f"<b>Predict:</b> {c.text(question)}")
        self.choices = w.RadioButtons(options=[(c.label(x), x) for x in choices], value=None,
                                      layout=w.Layout(width="auto"))
        self.reveal = w.Button(description="Reveal", icon="eye", disabled=True, button_style="primary")
        self.feedback = w.HTML()
        self.choices.observe(self._on_choice, names="value")
        self.reveal.on_click(self._on_reveal)
        if static if static is not None else c.static_mode():
            self._static_answer()
            super().__init__(children=[self.question, self.choices, self.feedback, self.error])
        else:
            super().__init__(children=[self.question, self.choices, self.reveal, self.feedback, self.error])

    @c.guarded
    def _static_answer(self):
        outcome = self._run()
        answer, why = outcome if isinstance(outcome, tuple) and len(outcome) == 2 else (outcome, None)
        details = "".join(f'<p style="margin:4px 0">{c.text(x)}</p>' for x in (why, self._explain) if x)
        self.feedback.value = (
            f'<details class="tokenlab-reveal"><summary style="cursor:pointer;color:{pal.BLUE};font-weight:bold">'
            f"Pick your answer, then click here to reveal it</summary>"
            + c.box(f"The model says <b>{c.text(answer)}</b>.{details}", pal.GREEN, pal.GREEN_FILL) + "</details>")

    @property
    def revealed(self) -> bool:
        return self.answer is not None

    @c.guarded
    def _on_choice(self, change=None):
        self.reveal.disabled = self.choices.value is None or self.revealed

    @c.guarded
    def _on_reveal(self, _button=None):
        picked = self.choices.value
        if picked is None or self.revealed:
            return
        outcome = self._run()
        answer, why = outcome if isinstance(outcome, tuple) and len(outcome) == 2 else (outcome, None)
        options = [value for _, value in self.choices.options]
        if answer not in options:
            raise ValueError(f"reveal() returned {answer!r}, which is not one of the choices {options!r}")
        self.answer, self.correct = answer, answer == picked
        self.choices.disabled = True
        self.reveal.disabled = True
        if self.correct:
            head = f'<b style="color:{pal.GREEN}">Right.</b> It is <b>{c.text(answer)}</b>.'
            colour, fill = pal.GREEN, pal.GREEN_FILL
        else:
            head = (f'<b style="color:{pal.RED}">Not quite.</b> You picked <b>{c.text(picked)}</b>; '
                    f"the model says <b>{c.text(answer)}</b>.")
            colour, fill = pal.RED, pal.RED_FILL
        details = "".join(f'<p style="margin:4px 0">{c.text(x)}</p>' for x in (why, self._explain) if x)
        self.feedback.value = c.box(head + details, colour, fill)

    def __repr__(self) -> str:
        if not self.revealed:
            state = "not revealed"
        else:
            state = f"answer {self.answer!r}, {'right' if self.correct else 'wrong'}"
        return f"Predict({self._question!r}: {state})"
