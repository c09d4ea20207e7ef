"""pyarrow.compute, imported on first use.

Importing it builds Python wrappers for some 300 kernels (35 ms, a tenth of a warm `jishu progress`,
which needs none of them). Modules say `from jishu.fast.lazy import pc` and use `pc.<function>` as usual;
the first use imports the module (importlib's own locks make that safe from any thread).
"""

from __future__ import annotations

import importlib


class _OnFirstUse:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        value = getattr(importlib.import_module(self._name), attribute)
        setattr(self, attribute, value)  # later lookups skip __getattr__
        return value


pc = _OnFirstUse("pyarrow.compute")
