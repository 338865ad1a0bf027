"""The one palette of the views and the widgets.

Every colour a picture (``tokenlab.view``) or a widget (``tokenlab.ui``) draws with is
named here once, so "granted" is the same green in the descriptor graph, in the diff
colours and in the AccessCheck explorer's verdict box. The values are Graphviz and CSS
colours alike.
"""
from __future__ import annotations

# What a check or a change came to: granted/added, denied/removed, in between/changed.
GREEN, GREEN_FILL = "#1e7e34", "#d4edda"
RED, RED_FILL = "#c82333", "#f8d7da"
AMBER, AMBER_FILL = "#9a6700", "#fff3cd"

# Kinds of things: primary tokens and SIDs (blue), impersonation (purple), identification
# and deny-only (rose), restricting SIDs (ochre), the effective-token arrow (navy).
BLUE, BLUE_FILL = "#1c5fb0", "#e7f1ff"
NAVY = "#0b3d91"
PURPLE, PURPLE_FILL = "#6f42c1", "#f3e8ff"
ROSE, ROSE_FILL, ROSE_PALE = "#a61e4d", "#fce8ef", "#fff0f6"
OCHRE, OCHRE_FILL = "#8d6e00", "#fff8e1"
SLATE_FILL = "#eef2f7"

# Greys, lightest first.
GREY_100 = "#f8f9fa"
GREY_150 = "#f1f3f5"
GREY_200 = "#e9ecef"
GREY_300 = "#dee2e6"
GREY_400 = "#ced4da"
GREY_500 = "#adb5bd"
GREY_550 = "#868e96"
GREY_600 = "#6c757d"
GREY_700 = "#495057"
GREY_800 = "#343a40"

# Faded, skipped, not reached.
GREY, GREY_FILL = GREY_600, GREY_200

# The default look of every graph's nodes and edges (a view may override a key or two).
NODE = {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "color": GREY_700,
        "fontname": "Helvetica", "fontsize": "10", "margin": "0.1,0.05"}
EDGE = {"color": GREY_550, "fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"}
