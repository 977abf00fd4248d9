"""``rairlab dose``: lesion dosimetry, blood dosimetry and voxel dose maps.

Research use only: every number is a model estimate for research, not a
treatment decision.
"""

from __future__ import annotations

import typer

from rairlab.cli._dose_blood import blood
from rairlab.cli._dose_lesion import lesion
from rairlab.cli._dose_remnant import remnant
from rairlab.cli._dose_voxel import voxel

__all__ = ["app", "lesion"]

app = typer.Typer(
    help="Absorbed-dose estimates: lesion (sphere model), blood (EANM SOP), voxel maps. "
    "Research use only.",
    no_args_is_help=True,
)
app.command("voxel")(voxel)


app.command("lesion")(lesion)
app.command("blood")(blood)
app.command("remnant")(remnant)
