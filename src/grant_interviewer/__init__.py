"""Grant Interviewer: an adaptive interviewer that turns a conversation into a grant questionnaire.

Importing this package is cheap: no model, database driver, vector engine or web framework is
imported here. The public surface is small; everything else lives in private-by-convention modules.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
